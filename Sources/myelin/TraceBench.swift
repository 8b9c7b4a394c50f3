// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces

/// `myelin bench trace --spikes N`: writes N synthetic spikes (100 000 neurons at 10 Hz, in
/// time order) to a trace file in blocks, as a run does, then reads them back and computes
/// the statistics `myelin inspect` prints. Reports spikes per second for both.
enum TraceBench {
  static func run(spikes total: Int, json: Bool) throws {
    let neurons = 100_000
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("myelin-bench-trace-\(ProcessInfo.processInfo.processIdentifier).h5").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let metadata = TraceMetadata(
      modelName: "bench", modelText: "{}", command: "myelin bench trace", dt: 0.1, seed: 1,
      populations: [.init(name: "N", size: neurons, model: "iaf_psc_delta")], simulator: "myelin \(Myelin.version)")
    // 10 Hz over 100 000 neurons at dt = 0.1 ms: 100 spikes per step on average.
    var random = RandomSequence(philox: Philox(seed: 1), stream: 0, index: 0)
    let block = 1 << 20
    var steps = [Int64](repeating: 0, count: block), nodes = [UInt32](repeating: 0, count: block)
    let clock = ContinuousClock()
    var writing = Duration.zero
    let writer = try TraceWriter(path: path, overwrite: true, metadata: metadata, spikes: ["N"])
    var written = 0
    var step: Int64 = 1
    while written < total {
      let n = min(block, total - written)
      for k in 0..<n {
        if random.nextInt(below: 100) == 0 { step += 1 }
        steps[k] = step
        nodes[k] = random.nextInt(below: UInt32(neurons))
      }
      let start = clock.now
      try writer.appendSpikes(of: "N", steps: Array(steps[0..<n]), nodes: Array(nodes[0..<n]))
      writing += clock.now - start
      written += n
    }
    let start = clock.now
    try writer.finish(timeReached: Double(step) * 0.1, wallTime: 0)
    writing += clock.now - start
    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

    let readStart = clock.now
    let trace = try TraceFile(path: path)
    let (readSteps, readNodes) = try trace.spikes(of: "N")
    let statistics = SpikeStatistics(
      steps: readSteps, nodes: readNodes, neurons: neurons, dt: trace.dt, duration: trace.tStop)
    let inspectSeconds = (clock.now - readStart).seconds
    guard readSteps.count == total else { throw CLIError("read back \(readSteps.count) of \(total) spikes") }
    let report: [String: Any] = [
      "workload": "trace", "spikes": total, "file_mb": Double(bytes) / 1e6,
      "write_s": writing.seconds, "write_spikes_per_s": Double(total) / writing.seconds,
      "inspect_s": inspectSeconds, "rate_hz": statistics.rate, "peak_rss_mb": Memory.peakResidentMB,
    ]
    if json {
      print(JSONText.encode(report))
    } else {
      print(String(format: "trace: %d spikes, %.0f MB: write %.3f s (%.3g spikes/s), read + inspect statistics %.3f s, peak RSS %.0f MB",
                   total, Double(bytes) / 1e6, writing.seconds, Double(total) / writing.seconds,
                   inspectSeconds, Memory.peakResidentMB))
    }
  }
}
