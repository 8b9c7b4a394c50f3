// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// `RowAdd` against the plain loop y[o] += v · w[o], bit for bit, at every length that
/// takes a different mix of its blocks (four vectors, one vector, eight, four and single
/// lanes), for spikes (v = 1) and scaled rows, with the row starting off alignment.
struct RowAddTests {
  @Test(arguments: [1.0 as Float, 2.5, -0.75])
  func rowsEqualThePlainLoop(v: Float) {
    var state: UInt64 = 11
    func next() -> Float {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Float(Int64(bitPattern: state) >> 40) / Float(1 << 20)
    }
    for n in 0...200 {
      let w = (0..<n + 3).map { _ in next() }, start = (0..<n + 3).map { _ in next() }
      var want = start
      for o in 0..<n { want[o + 3] += v * w[o + 1] }
      var got = start
      w.withUnsafeBufferPointer { wb in
        got.withUnsafeMutableBufferPointer { yb in
          if v == 1 {
            RowAdd.add(wb.baseAddress! + 1, to: yb.baseAddress! + 3, count: n)
          } else {
            RowAdd.add(v, times: wb.baseAddress! + 1, to: yb.baseAddress! + 3, count: n)
          }
        }
      }
      #expect(got == want, "n = \(n)")
    }
  }
}
