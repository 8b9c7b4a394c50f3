// SPDX-License-Identifier: Apache-2.0
@testable import MyelinCore
import Testing

/// Max pooling of non-negative planes visits non-zero inputs only; it must give exactly the
/// values and first-maximum indices of reading every window whole.
struct PoolWindowsTests {
  @Test(arguments: [(kernel: 2, stride: 2, padding: 0), (kernel: 3, stride: 2, padding: 1), (kernel: 3, stride: 1, padding: 1),
                    (kernel: 4, stride: 3, padding: 2)])
  func paintingEqualsScanning(geometry g: (kernel: Int, stride: Int, padding: Int)) {
    let windows = PoolWindows(PoolGeometry(.max, kernel: g.kernel, stride: g.stride, padding: g.padding), height: 9, width: 7)
    var random = RandomSequence(philox: Philox(seed: 4), stream: 7, index: UInt32(g.kernel * 10 + g.stride))
    for density in [0.05, 0.3, 0.9] {
      // Spikes, residual counts of 2 and 3, and zeros: ties are frequent.
      let x: [Float] = (0..<63).map { _ in
        let u = random.nextUniform()
        return u < density ? Float(1 + Int(u * 100) % 3) : 0
      }
      let count = windows.outHeight * windows.outWidth
      var (a, b) = ([Float](repeating: -1, count: count), [Float](repeating: -1, count: count))
      var (ca, cb) = ([Int](repeating: -1, count: count), [Int](repeating: -1, count: count))
      #expect(PoolWindows.isNonNegative(x, count: x.count))
      windows.paint(x, base: 100, into: &a, chosen: &ca)
      windows.scan(x, base: 100, into: &b, chosen: &cb)
      #expect(a == b && ca == cb, "\(g) at density \(density)")
    }
    #expect(!PoolWindows.isNonNegative([0, 1, -0.0], count: 3))
    #expect(!PoolWindows.isNonNegative([0, .nan], count: 2) && !PoolWindows.isNonNegative([2, -1], count: 2))
    // The sixteen-lane part of the test: each kind of offender in the first 32 values.
    var plain = [Float](repeating: 0, count: 37)
    plain[3] = .infinity
    plain[20] = 2
    #expect(PoolWindows.isNonNegative(plain, count: plain.count))
    for bad: Float in [-0.0, -1, .nan, -Float.nan, -.infinity, -Float.leastNonzeroMagnitude] {
      for at in [0, 17, 31] {
        var x = plain
        x[at] = bad
        #expect(!PoolWindows.isNonNegative(x, count: x.count), "\(bad) at \(at)")
      }
    }
  }
}
