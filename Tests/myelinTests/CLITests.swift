// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinLearning
import Testing

/// End-to-end tests of the `myelin` binary: exit codes, one-line errors, JSON output.
@Suite struct CLITests {
  struct Result {
    let status: Int32
    let stdout: String
    let stderr: String
  }

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The binary next to the test bundle (SwiftPM builds it, as this target depends on it).
  static var binary: URL {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return here.appendingPathComponent("myelin")
  }

  static func run(_ arguments: [String], input files: [String: String] = [:],
                  environment: [String: String?] = [:]) throws -> Result {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("myelin-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, text) in files {
      try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    var variables = ProcessInfo.processInfo.environment
    for (name, value) in environment { variables[name] = value }  // nil removes a variable
    process.environment = variables
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                  stderr: String(decoding: stderr, as: UTF8.self))
  }

  static let tiny = """
    {"name": "tiny", "duration": 50, "populations": [
      {"name": "in", "size": 2, "model": "spike_generator", "spike_times": [[1, 2], [3]]},
      {"name": "out", "size": 3, "model": "iaf_psc_exp"}],
     "projections": [{"source": "in", "target": "out", "connector": {"rule": "all_to_all"},
                      "weight": 2000, "delay": 1}]}
    """

  @Test func runPrintsJSONSummary() throws {
    let result = try Self.run(["run", "tiny.json", "--json", "--threads", "2"], input: ["tiny.json": Self.tiny])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let populations = try #require(object["populations"] as? [[String: Any]])
    #expect(populations.map { $0["name"] as? String } == ["in", "out"])
    #expect(populations[0]["spikes"] as? Int == 3)
    #expect(object["synapses"] as? Int == 6)
    #expect(object["events"] as? Int == 9)
    #expect(object["steps"] as? Int == 500)
    for key in ["build_s", "simulate_s"] { #expect(object[key] is Double) }
  }

  @Test func zeroDurationReportsZeroRates() throws {
    let result = try Self.run(["run", "tiny.json", "--json", "--duration", "0"], input: ["tiny.json": Self.tiny])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let populations = try #require(object["populations"] as? [[String: Any]])
    #expect(populations.allSatisfy { $0["rate_hz"] as? Double == 0 })
  }

  @Test func spikesCSVHasOneLinePerSpike() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("tiny.json")
    try Data(Self.tiny.utf8).write(to: model)
    let csv = directory.appendingPathComponent("spikes.csv")
    let result = try Self.run(["run", model.path, "--spikes-csv", csv.path])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "population,node_id,step,time_ms")
    #expect(lines.contains("in,0,10,1.0"))
  }

  @Test(arguments: [
    (["run", "missing.json"], "error: missing.json: <file>: no such file"),
    (["run", "bad.json"], "error: bad.json: line 1, column 2: malformed JSON"),
    (["run", "tiny.json", "--threads", "3"], "error: invalid value '3' for '--threads'"),
    (["run", "tiny.json", "--dt", "-1"], "error: invalid value '-1' for '--dt'"),
    (["run", "tiny.json", "--dt", "1.25"], "error: tiny.json: projections[0].delay: delay 1.0 ms is shorter"),
    (["run", "tiny.json", "--duration", "0.05"], "error: tiny.json: duration: 0.05 ms is not a whole number of steps"),
    (["run", "tiny.json", "--duration", "1e300"], "error: tiny.json: duration: 1e+300 ms is"),
    (["bench", "cuba", "--duration", "1e300"], "error: myelin bench: duration: 1e+300 ms is"),
    (["run", "tiny.json", "--frobnicate"], "error: unknown option '--frobnicate'"),
    (["run"], "error: run needs a model file"),
    (["fly"], "error: unknown command 'fly'"),
    (["bench", "nest"], "error: unknown workload 'nest'"),
  ])
  func badInputExitsWithTwoAndOneLine(arguments: [String], message: String) throws {
    let result = try Self.run(arguments, input: ["tiny.json": Self.tiny, "bad.json": "{,}"])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
  }

  /// A model given as a bare file name still finds its HDF5 synapse file beside it.
  @Test func relativeSynapseFileResolvesBesideTheModel() throws {
    let model = """
      {"duration": 10, "populations": [{"name": "A", "size": 1, "model": "iaf_psc_exp"}],
       "projections": [{"source": "A", "target": "A",
                        "connector": {"rule": "explicit", "file": "missing-synapses.h5"}}]}
      """
    let result = try Self.run(["run", "model.json"], input: ["model.json": model])
    #expect(result.status == 2)
    #expect(result.stderr.contains("./missing-synapses.h5: no such file"), "\(result.stderr)")
  }

  @Test func helpExplainsEveryOption() throws {
    let result = try Self.run(["run", "--help"])
    #expect(result.status == 0)
    for option in ["--duration", "--dt", "--seed", "--threads", "--precision", "--json", "--spikes-csv"] {
      #expect(result.stdout.contains(option), "\(option) missing from run --help")
    }
    #expect(try Self.run(["--help"]).stdout.contains("USAGE: myelin"))
  }

  /// The event-against-dense sweeps report both paths at every density, for a dense layer
  /// and for a convolution; a kernel of 0 is refused.
  @Test func projectionAndConvSweepsReportBothPaths() throws {
    for arguments in [["bench", "projection", "--inputs", "40", "--outputs", "6", "--json"],
                      ["bench", "conv", "--in-channels", "2", "--out-channels", "3", "--kernel", "3", "--size", "5", "--json"]] {
      let result = try Self.run(arguments)
      #expect(result.status == 0, "\(result.stderr)")
      let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
      #expect(object["workload"] as? String == arguments[1] && object["rows"] as? Int == 256)
      let rows = try #require(object["results"] as? [[String: Any]])
      #expect(rows.compactMap { $0["density"] as? Double } == [0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30])
      #expect(rows.allSatisfy { ($0["event_ms"] as? Double ?? 0) > 0 && ($0["dense_ms"] as? Double ?? 0) > 0 })
    }
    let bad = try Self.run(["bench", "conv", "--kernel", "0"])
    #expect(bad.status == 2 && bad.stderr.contains("--kernel"), "\(bad.stderr)")
  }

  /// OpenBLAS's kernel choice as the binary reports it. Where OpenBLAS falls back to
  /// generic kernels on a CPU with AVX2 or AVX-512 (Debian 12's on Emerald Rapids), the
  /// binary restarts itself with fitting ones; a user's own OPENBLAS_CORETYPE stands.
  @Test func openBLASRunsKernelsThatFitTheCPU() throws {
    let chosen = try Self.run(["--version"], environment: ["OPENBLAS_CORETYPE": String?.none])
    #expect(chosen.status == 0, "\(chosen.stderr)")
    // "myelin 0.1.0 (OpenBLAS kernels: SkylakeX)"
    let tail = try #require(chosen.stdout.split(separator: ":").last)
    let core = String(tail).trimmingCharacters(in: CharacterSet(charactersIn: " )\n"))
    #expect(BLASCore.suggestion(core: core, cpuFlags: BLASCore.cpuFlags()) == nil, "\(chosen.stdout)")
    let forced = try Self.run(["--version"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
    #expect(forced.stdout.contains("OpenBLAS kernels: Prescott"), "\(forced.stdout)")
  }
}
