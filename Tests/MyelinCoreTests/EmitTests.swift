// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// The vectorised threshold scan agrees with its scalar twin.
@Suite struct EmitTests {
  @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 33, 1000])
  func vectorScanMatchesScalar(size: Int) {
    var random = RandomSequence(philox: Philox(seed: UInt64(size)), stream: 0, index: 0)
    let v = UnsafeMutablePointer<Float>.allocate(capacity: max(size, 1))
    let spikes = UnsafeMutablePointer<Int32>.allocate(capacity: max(size, 1))
    defer {
      v.deallocate()
      spikes.deallocate()
    }
    for rate in [0.0, 0.01, 0.2, 1.0] {
      var values = (0..<size).map { _ in
        Float(random.nextUniform() < rate ? 1 : -1) * Float(random.nextUniform())
      }
      for n in 0..<size { v[n] = values[n] }
      let expected = ThresholdKernels.emitScalar(v: &values, threshold: 0, reset: -5)
      let count = ThresholdKernels.emit(v: v, lo: 0, hi: size, threshold: 0, reset: -5, spikes: spikes)
      #expect(Array(UnsafeBufferPointer(start: spikes, count: count)) == expected)
      #expect(Array(UnsafeBufferPointer(start: v, count: size)) == values)
    }
  }
}
