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
