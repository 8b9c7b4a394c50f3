// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// The gather form of the conv event kernel against a direct loop over outputs, taps and
/// channels. Weights and inputs are small whole numbers, so every sum is exact in any order
/// and the two must be equal bit for bit: that catches a tap, a position or a channel block
/// missed or counted twice. The output channel counts take every mix of the kernel's blocks
/// (64, 32, 16 and single lanes); inputs hold spikes, residual sums (2, 3) and −1, or
/// spikes only.
struct ConvolutionGatherTests {
  /// (C_in, C_out, kernel, stride, padding, H, W)
  static let shapes: [(Int, Int, Int, Int, Int, Int, Int)] = [
    (3, 64, 3, 1, 1, 6, 5), (5, 80, 3, 1, 1, 7, 7), (2, 130, 3, 2, 1, 7, 6), (4, 48, 1, 1, 0, 3, 5),
    (3, 32, 5, 1, 2, 4, 6), (6, 17, 2, 2, 0, 6, 6), (1, 16, 3, 1, 0, 5, 5), (2, 112, 3, 1, 2, 3, 3),
  ]

  static func integers(_ count: Int, seed: UInt64, _ pick: (UInt64) -> Float) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return pick(state >> 33)
    }
  }

  /// `spikes`: every non-zero input is 1, which the gather adds without products.
  @Test(arguments: shapes.indices, [false, true])
  func gatherEqualsTheDirectSum(shape: Int, spikes: Bool) {
    let (ci, co, k, s, p, h, w) = Self.shapes[shape]
    let taps = ConvolutionTaps(inChannels: ci, outChannels: co, kernel: k, stride: s, padding: p, groups: 1, height: h, width: w)
    #expect(taps.gathers)
    // About one input in five non-zero; weights in −4 ... 4.
    let x = Self.integers(ci * h * w, seed: UInt64(shape) + 1) { r in
      (spikes ? 1 : [1, 1, 1, 2, 3, -1][Int(r % 6)]) * (r % 31 < 6 ? 1 : 0)
    }
    let weight = Self.integers(co * ci * k * k, seed: UInt64(shape) + 100) { r in Float(Int(r % 9) - 4) }
    let offset = (0..<co).map { Float($0 % 5) - 2 }
    let scale = (0..<co).map { 0.5 + Float($0 % 3) }, shift = (0..<co).map { Float($0 % 4) * 0.25 }
    let area = taps.outHeight * taps.outWidth
    var want = [Float](repeating: 0, count: area * co)  // channels-last
    for o in 0..<co {
      for oy in 0..<taps.outHeight {
        for ox in 0..<taps.outWidth {
          var sum: Float = 0
          for c in 0..<ci {
            for ky in 0..<k {
              for kx in 0..<k {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                sum += weight[((o * ci + c) * k + ky) * k + kx] * x[(c * h + iy) * w + ix]
              }
            }
          }
          want[(oy * taps.outWidth + ox) * co + o] = sum
        }
      }
    }
    let t = taps.transposed(weight)
    var scratch = [Float](repeating: .nan, count: taps.scratchCount)
    var plain = [Float](repeating: .nan, count: area * co), finished = plain, first = plain
    x.withUnsafeBufferPointer { xb in
      t.withUnsafeBufferPointer { tb in
        scratch.withUnsafeMutableBufferPointer { sb in
          let index = sb.baseAddress! + area * co
          taps.gather(xb.baseAddress!, weights: tb.baseAddress!, index: index, into: &plain)
          offset.withUnsafeBufferPointer { ob in
            scale.withUnsafeBufferPointer { ab in
              shift.withUnsafeBufferPointer { hb in
                taps.gather(xb.baseAddress!, weights: tb.baseAddress!, offset: ob.baseAddress!, affine: (ab.baseAddress!, hb.baseAddress!),
                            index: index, into: &finished)
                taps.deliver(xb.baseAddress!, weights: tb.baseAddress!, bias: ob.baseAddress!, affine: (ab.baseAddress!, hb.baseAddress!),
                             scratch: sb.baseAddress!, into: &first)
              }
            }
          }
        }
      }
    }
    #expect(plain == want)
    let wantFinished = want.indices.map { i in (want[i] + offset[i % co]) * scale[i % co] + shift[i % co] }
    #expect(finished == wantFinished)
    // `deliver` gathers and lays the same values out channels-first.
    #expect(first == (0..<co * area).map { j in wantFinished[(j % area) * co + j / area] })
  }

  /// Spikes laid out channels-first by writing only the ones equal the full transpose.
  @Test(arguments: [(49, 128), (784, 64), (37, 20), (5, 3)])
  func sparseTransposeEqualsTheFullOne(area: Int, channels: Int) {
    let src = Self.integers(area * channels, seed: UInt64(area)) { r in r % 5 == 0 ? 1 : 0 }
    var sparse = [Float](repeating: .nan, count: area * channels)
    src.withUnsafeBufferPointer { ChannelLayout.sparseChannelsFirst($0.baseAddress!, area: area, channels: channels, into: &sparse) }
    #expect(sparse == (0..<area * channels).map { j in src[(j % area) * channels + j / area] })
    #expect(sparse.contains(1))
  }
}
