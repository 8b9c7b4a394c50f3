// SPDX-License-Identifier: Apache-2.0

/// The neurons of one partition part that are refractory, with the steps each has left.
///
/// NEST clamps V_m at V_reset for t_ref after a spike. Rather than test a counter for every
/// neuron every step, the update kernels advance everyone and this list puts the few
/// refractory neurons back to V_reset afterwards: work proportional to the spikes.
/// Storage: `index` and `left` have room for the part's neurons (each at most once).
enum RefractoryList {
  /// Clamps listed neurons to `reset`, counts their steps down, drops finished ones, and
  /// returns the new length.
  @inline(__always)
  static func clamp<S: SimulationScalar>(
    v: UnsafeMutablePointer<S>, reset: S, index: UnsafeMutablePointer<Int32>,
    left: UnsafeMutablePointer<Int32>, count: Int
  ) -> Int {
    var kept = 0
    for k in 0..<count {
      let n = Int(index[k])
      v[n] = reset
      let remaining = left[k] &- 1
      if remaining > 0 {
        index[kept] = index[k]
        left[kept] = remaining
        kept += 1
      }
    }
    return kept
  }

  /// Appends this step's spikes with `steps` refractory steps each.
  @inline(__always)
  static func add(
    spikes: UnsafePointer<Int32>, spikeCount: Int, steps: Int32,
    index: UnsafeMutablePointer<Int32>, left: UnsafeMutablePointer<Int32>, count: Int
  ) -> Int {
    guard steps > 0 else { return count }
    for k in 0..<spikeCount {
      index[count + k] = spikes[k]
      left[count + k] = steps
    }
    return count + spikeCount
  }
}
