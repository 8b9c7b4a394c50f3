// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinTraces
import Testing

/// Trace files from the command line, including runs that are killed or interrupted.
@Suite(.serialized) struct TraceCLITests {
  static let brunel = CLITests.root.appendingPathComponent("examples/brunel-g5-eta2.json").path

  static func temporary(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "myelin-cli-trace-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
  }

  /// A network that builds at once and fires a lot from its first steps, even in a debug
  /// build on a loaded machine: 2000 neurons driven by strong Poisson input.
  static let busy = """
    {"name": "busy", "duration": 100000, "populations": [
      {"name": "E", "size": 2000, "model": "iaf_psc_delta",
       "stimuli": [{"type": "poisson", "rate": 30000, "weight": 0.6}]}]}
    """

  /// Starts a long run of ``busy`` writing `path`, flushing every 0.2 s, and returns once
  /// it has run for a while.
  static func startLongRun(_ path: String) throws -> Process {
    let model = path + ".json"
    try Data(busy.utf8).write(to: URL(fileURLWithPath: model))
    let process = Process()
    process.executableURL = CLITests.binary
    process.arguments = ["run", model, "--threads", "2", "--output", path, "--force", "--flush-interval", "0.2"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    Thread.sleep(forTimeInterval: 3)
    return process
  }

  @Test func runWritesATraceThatInspectReads() throws {
    let path = Self.temporary("run.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let run = try CLITests.run(["run", Self.brunel, "--duration", "100", "--output", path, "--json"])
    #expect(run.status == 0, "\(run.stderr)")
    let again = try CLITests.run(["run", Self.brunel, "--duration", "100", "--output", path])
    #expect(again.status == 2)
    #expect(again.stderr.contains("exists already"))

    let inspect = try CLITests.run(["inspect", path, "--json"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
    #expect(object["complete"] as? Bool == true)
    #expect(object["duration_ms"] as? Double == 100)
    #expect(object["dt_ms"] as? Double == 0.1)
    #expect(object["seed"] as? Int == 1)
    let populations = try #require(object["populations"] as? [[String: Any]])
    #expect(populations.map { $0["name"] as? String } == ["E", "I"])
    for population in populations {
      for key in ["neurons", "spikes", "rate_hz", "cv_isi", "fano"] {
        #expect(population[key] != nil, "\(key)")
      }
    }
    // inspect agrees with run on the spike counts.
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let runPopulations = try #require(summary["populations"] as? [[String: Any]])
    #expect(runPopulations.map { $0["spikes"] as? Int } == populations.map { $0["spikes"] as? Int })
  }

  @Test func killedRunLeavesAReadableFile() throws {
    let path = Self.temporary("killed.h5")
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: path + ".json")
    }
    let process = try Self.startLongRun(path)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let trace = try TraceFile(path: path)
    #expect(!trace.complete)
    #expect(trace.tStop > 0)
    let spikes = try trace.spikes(of: "E")
    #expect(spikes.steps.count > 1000)
    // Every spike flushed lies within the time recorded as reached at some flush.
    #expect(spikes.steps.allSatisfy { $0 > 0 })
    let inspect = try CLITests.run(["inspect", path])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    #expect(inspect.stdout.contains("INCOMPLETE"))
  }

  @Test func interruptedRunClosesTheTraceAndExitsWith130() throws {
    let path = Self.temporary("interrupted.h5")
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: path + ".json")
    }
    let process = try Self.startLongRun(path)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    let trace = try TraceFile(path: path)
    #expect(!trace.complete)
    let spikes = try trace.spikes(of: "E")
    #expect(!spikes.steps.isEmpty)
    // The recorded time reached covers every spike written.
    #expect(Double(spikes.steps.max() ?? 0) * trace.dt <= trace.tStop + 1e-9)
  }

  /// Binned rates from the model's record section equal the binned recorded spikes.
  @Test func recordSectionWritesSpikesAndBinnedRates() throws {
    let model = """
      {"name": "rated", "duration": 200, "populations": [
        {"name": "A", "size": 50, "model": "iaf_psc_delta",
         "stimuli": [{"type": "poisson", "rate": 30000, "weight": 0.6}]},
        {"name": "B", "size": 5, "model": "iaf_psc_exp"}],
       "record": {"spikes": [{"population": "A", "range": [0, 50]}],
                  "rates": [{"population": "A", "bin": 2}]}}
      """
    let path = Self.temporary("rated.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let run = try CLITests.run(["run", "m.json", "--output", path], input: ["m.json": model])
    #expect(run.status == 0, "\(run.stderr)")
    let trace = try TraceFile(path: path)
    #expect(!trace.hasSpikes("B"))
    let spikes = try trace.spikes(of: "A")
    let rates = try #require(try trace.rates(of: "A"))
    #expect(rates.binWidth == 2)
    #expect(rates.counts.count == 100)
    var expected = [Double](repeating: 0, count: 100)
    for stamp in spikes.steps { expected[Int(stamp - 1) / 20] += 1 }
    #expect(rates.counts == expected)
    #expect(!spikes.steps.isEmpty)
    for (count, hertz) in zip(rates.counts, rates.hertz) {
      #expect(abs(hertz - count / 50 / 0.002) < 1e-3 * max(hertz, 1))
    }
  }

  /// A state record becomes a SONATA frame report that inspect lists and plot draws.
  @Test func stateReportsRoundTrip() throws {
    let model = """
      {"name": "state", "duration": 20, "populations": [
        {"name": "in", "size": 1, "model": "spike_generator", "spike_times": [[5]]},
        {"name": "out", "size": 10, "model": "iaf_psc_exp"}],
       "projections": [{"source": "in", "target": "out", "connector": {"rule": "all_to_all"},
                        "weight": 500, "delay": 1}],
       "record": {"state": [{"population": "out", "variables": ["V_m", "I_syn_ex"],
                             "neurons": [9, 2], "interval": 0.5}]}}
      """
    let path = Self.temporary("state.h5"), svg = Self.temporary("state.svg")
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: svg)
    }
    let run = try CLITests.run(["run", "m.json", "--output", path, "--threads", "2"], input: ["m.json": model])
    #expect(run.status == 0, "\(run.stderr)")
    let trace = try TraceFile(path: path)
    let current = try #require(try trace.report(of: "out", variable: "I_syn_ex"))
    #expect(current.nodeIDs == [2, 9])
    #expect(current.times.count == 40 && current.times.first == 0.5 && current.times.last == 20)
    #expect(current.units == "pA")
    // The input stamped 5 ms with delay 1 ms enters the current at 6 ms: frame 11.
    #expect(current.value(frame: 10, node: 0) == 0)
    #expect(current.value(frame: 11, node: 1) == 500)
    let voltage = try #require(try trace.report(of: "out", variable: "V_m"))
    #expect(voltage.value(frame: 0, node: 0) == -70)
    let inspect = try CLITests.run(["inspect", path, "--json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
    let reports = try #require(object["reports"] as? [[String: Any]])
    #expect(reports.map { $0["variable"] as? String } == ["V_m", "I_syn_ex"])
    let plot = try CLITests.run(["plot", "voltage", path, "-o", svg])
    #expect(plot.status == 0, "\(plot.stderr)")
    #expect(PlotCLITests.wellFormed(try String(contentsOfFile: svg, encoding: .utf8)))
  }

  /// Rates count only the recorded neurons; a rejected record section leaves no file; the
  /// default path creates traces/; absurd bins are errors or clamped, never traps.
  @Test func recordingEdgeCases() throws {
    let model = """
      {"name": "edge", "duration": 200, "populations": [
        {"name": "noise", "size": 20, "model": "poisson_generator", "rate": 50}],
       "record": {"spikes": [{"population": "noise", "range": [0, 2]}],
                  "rates": [{"population": "noise", "bin": 3}]}}
      """
    let path = Self.temporary("edge.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let run = try CLITests.run(["run", "m.json", "--output", path], input: ["m.json": model])
    #expect(run.status == 0, "\(run.stderr)")
    let inspect = try CLITests.run(["inspect", path, "--json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
    let population = try #require((object["populations"] as? [[String: Any]])?.first)
    let spikes = try #require(population["spikes"] as? Int)
    #expect(population["rate_hz"] as? Double == Double(spikes) / 2 / 0.2)
    let rates = try #require(try TraceFile(path: path).rates(of: "noise"))
    #expect(rates.counts.count == 67, "66 whole bins of 3 ms and the last 2 ms")

    let bad = model.replacingOccurrences(of: "\"range\": [0, 2]", with: "\"range\": [0, 2]}, {\"population\": \"nope\"")
    let rejected = Self.temporary("rejected.h5")
    let failed = try CLITests.run(["run", "m.json", "--output", rejected], input: ["m.json": bad])
    #expect(failed.status == 2)
    #expect(!FileManager.default.fileExists(atPath: rejected))

    let defaulted = try CLITests.run(["run", "m.json"], input: ["m.json": model])
    #expect(defaulted.status == 0, "\(defaulted.stderr)")
    #expect(defaulted.stdout.contains("trace             traces/edge-"))

    let huge = try CLITests.run(["run", "m.json", "--output", path, "--force", "--rates", "1e300"],
                                input: ["m.json": model])
    #expect(huge.status == 0, "\(huge.stderr)")
    let window = try CLITests.run(["plot", "rate", path, "-o", Self.temporary("w.svg"), "--to", "1e20", "--bin", "1"])
    #expect(window.status == 2)
  }

  @Test func inspectRejectsBadFiles() throws {
    let result = try CLITests.run(["inspect", "notes.h5"], input: ["notes.h5": "hello"])
    #expect(result.status == 2)
    #expect(result.stderr == "error: notes.h5: is not an HDF5 file\n")
    let missing = try CLITests.run(["inspect", "missing.h5"])
    #expect(missing.status == 2)
    #expect(missing.stderr.hasPrefix("error: missing.h5: no such file"))
  }
}
