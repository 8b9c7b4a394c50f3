// SPDX-License-Identifier: Apache-2.0

package enum ThresholdKernels {
  /// Writes to `spikes` every n in [lo, hi) with v[n] ≥ threshold, ascending, and resets
  /// those neurons (v ← reset). Returns the spike count.
  ///
  /// `spikes` has room for hi − lo entries (PopulationState allocates one per neuron).
  @inline(__always)
  package static func emit<S: SimulationScalar>(
    v: UnsafeMutablePointer<S>, lo: Int, hi: Int, threshold: S, reset: S,
    spikes: UnsafeMutablePointer<Int32>
  ) -> Int {
    var count = 0
    var n = lo
    // Skip whole vectors of neurons that did not cross; at biological rates that is
    // nearly all of them. Then test the block (or the tail) one neuron at a time.
    let width = S.scanWidth
    while n < hi {
      n = S.firstCrossingBlock(v, from: n, to: hi, threshold: threshold)
      let end = min(n &+ width, hi)
      for k in n..<end where v[k] >= threshold {
        v[k] = reset
        spikes[count] = Int32(truncatingIfNeeded: k)
        count &+= 1
      }
      n = end
    }
    return count
  }

  /// The scalar twin of ``emit``: the test oracle for the SIMD path.
  package static func emitScalar<S: SimulationScalar>(
    v: inout [S], threshold: S, reset: S
  ) -> [Int32] {
    var spikes: [Int32] = []
    for n in v.indices where v[n] >= threshold {
      v[n] = reset
      spikes.append(Int32(n))
    }
    return spikes
  }
}

/// Neurons of iaf_cond_exp whose conductances may make the RK4 step unstable.
enum StiffNeurons {
  /// Writes to `list` every n in [lo, hi) with g_ex[n] ≥ limit or g_in[n] ≥ limit,
  /// ascending and once each, and returns how many. `list` has room for hi − lo entries.
  @inline(__always)
  static func find<S: SimulationScalar>(
    gEx: UnsafeMutablePointer<S>, gIn: UnsafeMutablePointer<S>, lo: Int, hi: Int, limit: S,
    into list: UnsafeMutablePointer<Int32>
  ) -> Int {
    var count = 0
    var n = lo
    let width = S.scanWidth
    while n < hi {
      let a = S.firstCrossingBlock(gEx, from: n, to: hi, threshold: limit)
      let b = S.firstCrossingBlock(gIn, from: n, to: hi, threshold: limit)
      n = min(a, b)
      let end = min(n &+ width, hi)
      for k in n..<end where gEx[k] >= limit || gIn[k] >= limit {
        list[count] = Int32(truncatingIfNeeded: k)
        count &+= 1
      }
      n = end
    }
    return count
  }
}
