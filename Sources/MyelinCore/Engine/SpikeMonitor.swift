// SPDX-License-Identifier: Apache-2.0

/// Records every spike in memory as (step, node id) per population. A spike emitted in
/// the step from t_j to t_{j+1} carries step j+1, so its time is step · dt (NEST's stamp).
final class SpikeMonitor: @unchecked Sendable {
  private(set) var steps: [[Int64]]
  private(set) var nodes: [[UInt32]]

  init(populations: Int) {
    steps = Array(repeating: [], count: populations)
    nodes = Array(repeating: [], count: populations)
  }

  /// Called by part 0 only, in the record phase, after the barrier that follows emit.
  func record<S>(_ populations: [PopulationState<S>], step: Int64) {
    let parity = Int(step & 1)
    for pop in populations {
      let parts = pop.partition.parts
      for part in 0..<parts {
        let count = pop.spikeCounts[parity * parts + part]
        guard count > 0 else { continue }
        let lo = pop.partition.range(part: part, size: pop.size).lowerBound
        let list = pop.spikes + parity * pop.size + lo
        for k in 0..<count {
          steps[pop.index].append(step + 1)
          nodes[pop.index].append(UInt32(truncatingIfNeeded: list[k]))
        }
      }
    }
  }
}
