// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore

/// A timed run and its report.
struct RunOutcome {
  let simulation: Simulation
  let buildSeconds: Double
  let simulateSeconds: Double
  /// Steps simulated: all of them, or those before an interruption.
  let steps: Int
  let interrupted: Bool

  /// Builds, calls `prepare` once the model is known to be valid (to open output files),
  /// and runs in chunks of at most 100 steps that also end on every multiple of each
  /// `boundaries` value (snapshot intervals, in steps). After each chunk `afterChunk` gets the
  /// simulation (to drain recorded spikes); `interrupted` is polled between chunks, which
  /// are step boundaries. Progress goes to stderr when it is a terminal.
  static func measure(
    network: Network, options: SimulationOptions, duration: Double, quiet: Bool = false,
    interrupted: () -> Bool = { false }, boundaries: [Int] = [],
    prepare: (Simulation) throws -> Void = { _ in },
    afterChunk: (Simulation) throws -> Void = { _ in }
  ) throws -> RunOutcome {
    let clock = ContinuousClock()
    let start = clock.now
    let simulation = try Simulation(network: network, options: options)
    try prepare(simulation)
    let built = clock.now
    let total = try simulation.steps(forDuration: duration)
    let progress = !quiet && isatty(STDERR_FILENO) == 1
    var lastProgress = clock.now
    var done = 0
    var stopped = false
    while done < total {
      if interrupted() {
        stopped = true
        break
      }
      var n = min(100, total - done)
      for b in boundaries where b > 0 { n = min(n, b - done % b) }
      simulation.run(steps: n)
      done += n
      try afterChunk(simulation)
      if progress && clock.now - lastProgress > .milliseconds(100) {
        lastProgress = clock.now
        let text = String(format: "\r[%3d%%] %.0f / %.0f ms", done * 100 / total,
                          Double(done) * options.dt, duration)
        FileHandle.standardError.write(Data(text.utf8))
      }
    }
    if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    let finished = clock.now
    return RunOutcome(
      simulation: simulation, buildSeconds: (built - start).seconds,
      simulateSeconds: (finished - built).seconds, steps: done, interrupted: stopped)
  }

  var durationMs: Double { Double(steps) * simulation.options.dt }

  /// Mean rate in Hz; 0 for a run of zero duration.
  func rate(_ index: Int) -> Double {
    let size = simulation.network.populations[index].size
    guard durationMs > 0 else { return 0 }
    return Double(simulation.spikeCounts[index]) / Double(size) / (durationMs / 1000)
  }

  func table(file: String, trace: String? = nil) -> String {
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
    if let trace { lines.append("trace             \(trace)") }
    if interrupted { lines.append(String(format: "interrupted at    %g ms", durationMs)) }
    return lines.joined(separator: "\n")
  }

  func json(file: String, trace: String? = nil) -> String {
    let o = simulation.options
    var populations: [[String: Any]] = []
    for (i, p) in simulation.network.populations.enumerated() {
      populations.append([
        "name": p.name, "model": p.model.name, "size": p.size,
        "spikes": simulation.spikeCounts[i], "rate_hz": rate(i),
      ])
    }
    var object: [String: Any] = [
      "model": simulation.network.name, "file": file, "populations": populations,
      "synapses": simulation.synapseCount, "synapse_bytes": simulation.synapseBytes,
      "events": simulation.eventsDelivered, "steps": steps, "dt_ms": o.dt,
      "duration_ms": durationMs, "seed": o.seed, "threads": o.threads,
      "precision": o.precision.rawValue, "build_s": buildSeconds, "simulate_s": simulateSeconds,
      "events_per_s": Double(simulation.eventsDelivered) / max(simulateSeconds, 1e-9),
      "complete": !interrupted,
    ]
    if let trace { object["trace"] = trace }
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

/// Spikes as CSV lines (`population,node_id,step,time_ms`), appended in blocks.
final class SpikeCSV {
  private let file: FileHandle
  private var text = "population,node_id,step,time_ms\n"

  init(path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let file = FileHandle(forWritingAtPath: path)
    else { throw CLIError("cannot write '\(path)'") }
    self.file = file
  }

  func append(_ population: String, steps: [Int64], nodes: [UInt32], dt: Double) throws {
    for k in steps.indices {
      text += "\(population),\(nodes[k]),\(steps[k]),\(Double(steps[k]) * dt)\n"
      if text.utf8.count > 1 << 20 { try flush() }
    }
  }

  func flush() throws {
    try file.write(contentsOf: Data(text.utf8))
    text = ""
  }

  deinit { try? file.close() }
}
