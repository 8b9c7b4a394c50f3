// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces

/// `myelin run MODEL.json`: build, simulate, summarise.
struct RunCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(
      words, valued: ["--duration", "--dt", "--seed", "--threads", "--precision", "--spikes-csv"],
      switches: ["--json", "--help"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.run)
      return
    }
    guard arguments.positional.count == 1, let path = arguments.positional.first else {
      throw CLIError(arguments.positional.isEmpty
        ? "run needs a model file (myelin run MODEL.json)"
        : "run takes one model file, got \(arguments.positional.count) arguments")
    }
    let network = try ModelFile.load(path: path)
    var options = SimulationOptions(defaults: network.defaults)
    if let dt = try arguments.double("--dt") { options.dt = dt }
    if let seed = try arguments.integer("--seed", in: 0...Int.max) { options.seed = UInt64(seed) }
    if let threads = try arguments.integer("--threads", in: 1...SimulationOptions.maximumThreads) {
      options.threads = threads
    }
    if let name = arguments.string("--precision") {
      guard let precision = Precision(rawValue: name) else {
        throw CLIError("invalid value '\(name)' for '--precision': expected float or double")
      }
      options.precision = precision
    }
    let csvPath = arguments.string("--spikes-csv")
    options.recordSpikes = csvPath != nil
    let duration = try arguments.double("--duration", positive: false) ?? network.defaults.duration

    let outcome: RunOutcome
    do {
      outcome = try RunOutcome.measure(network: network, options: options, duration: duration)
    } catch let error as ModelError {
      throw error.file == nil ? error.inFile(path) : error
    }
    if let csvPath { try SpikeCSV.write(outcome.simulation, to: csvPath) }
    if arguments.flag("--json") {
      print(outcome.json(file: path))
    } else {
      print(outcome.table(file: path))
    }
  }
}

/// A timed run and its report.
struct RunOutcome {
  let simulation: Simulation
  let buildSeconds: Double
  let simulateSeconds: Double
  let steps: Int

  /// Builds and runs, showing progress on stderr when it is a terminal.
  static func measure(network: Network, options: SimulationOptions, duration: Double,
                      quiet: Bool = false) throws -> RunOutcome {
    let clock = ContinuousClock()
    let start = clock.now
    let simulation = try Simulation(network: network, options: options)
    let built = clock.now
    let total = try simulation.steps(forDuration: duration)
    let progress = !quiet && isatty(STDERR_FILENO) == 1
    let chunk = max(total / 100, 1)
    var done = 0
    while done < total {
      let n = min(chunk, total - done)
      simulation.run(steps: n)
      done += n
      if progress {
        let text = String(format: "\r[%3d%%] %.0f / %.0f ms", done * 100 / total,
                          Double(done) * options.dt, duration)
        FileHandle.standardError.write(Data(text.utf8))
      }
    }
    if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    let finished = clock.now
    return RunOutcome(
      simulation: simulation, buildSeconds: (built - start).seconds,
      simulateSeconds: (finished - built).seconds, steps: total)
  }

  var durationMs: Double { Double(steps) * simulation.options.dt }

  /// Mean rate in Hz; 0 for a run of zero duration.
  func rate(_ index: Int) -> Double {
    let size = simulation.network.populations[index].size
    guard durationMs > 0 else { return 0 }
    return Double(simulation.spikeCounts[index]) / Double(size) / (durationMs / 1000)
  }

  func table(file: String) -> String {
    let o = simulation.options
    var lines = [
      "model \(simulation.network.name) (\(file))",
      String(format: "dt %g ms, %d steps (%g ms), seed %llu, %d thread%@, %@", o.dt, steps,
             durationMs, o.seed, o.threads, o.threads == 1 ? "" : "s", o.precision.rawValue),
      "",
      "population        model                  size       spikes   rate (Hz)",
    ]
    for (i, p) in simulation.network.populations.enumerated() {
      lines.append(
        p.name.padded(17) + " " + p.model.name.padded(17)
          + String(format: " %8d %12d %11.3f", p.size, simulation.spikeCounts[i], rate(i)))
    }
    let perSynapse = simulation.synapseCount > 0
      ? String(format: ", %.1f B each", Double(simulation.synapseBytes) / Double(simulation.synapseCount)) : ""
    lines += [
      "",
      "synapses          \(simulation.synapseCount)\(perSynapse)",
      "events            \(simulation.eventsDelivered)",
      String(format: "wall time         build %.3f s, simulate %.3f s (%.3g events/s)",
             buildSeconds, simulateSeconds, Double(simulation.eventsDelivered) / max(simulateSeconds, 1e-9)),
    ]
    return lines.joined(separator: "\n")
  }

  func json(file: String) -> String {
    let o = simulation.options
    var populations: [[String: Any]] = []
    for (i, p) in simulation.network.populations.enumerated() {
      populations.append([
        "name": p.name, "model": p.model.name, "size": p.size,
        "spikes": simulation.spikeCounts[i], "rate_hz": rate(i),
      ])
    }
    let object: [String: Any] = [
      "model": simulation.network.name, "file": file, "populations": populations,
      "synapses": simulation.synapseCount, "synapse_bytes": simulation.synapseBytes,
      "events": simulation.eventsDelivered, "steps": steps, "dt_ms": o.dt,
      "duration_ms": durationMs, "seed": o.seed, "threads": o.threads,
      "precision": o.precision.rawValue, "build_s": buildSeconds, "simulate_s": simulateSeconds,
      "events_per_s": Double(simulation.eventsDelivered) / max(simulateSeconds, 1e-9),
    ]
    return JSONText.encode(object)
  }
}

extension String {
  /// Left-aligned in a column of `width` characters.
  func padded(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}

extension Duration {
  var seconds: Double {
    let (s, attoseconds) = components
    return Double(s) + Double(attoseconds) * 1e-18
  }
}

/// Compact, key-sorted JSON text for reports.
enum JSONText {
  static func encode(_ object: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
      let text = String(data: data, encoding: .utf8)
    else { return "{}" }
    return text
  }
}

/// Every recorded spike as CSV, population by population, written in blocks.
enum SpikeCSV {
  static func write(_ simulation: Simulation, to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let file = FileHandle(forWritingAtPath: path)
    else { throw CLIError("cannot write '\(path)'") }
    defer { try? file.close() }
    var text = "population,node_id,step,time_ms\n"
    let dt = simulation.options.dt
    for population in simulation.network.populations {
      guard let (steps, nodes) = simulation.recordedSpikes(of: population.name) else { continue }
      for k in steps.indices {
        text += "\(population.name),\(nodes[k]),\(steps[k]),\(Double(steps[k]) * dt)\n"
        if text.utf8.count > 1 << 20 {
          try file.write(contentsOf: Data(text.utf8))
          text = ""
        }
      }
    }
    try file.write(contentsOf: Data(text.utf8))
  }
}
