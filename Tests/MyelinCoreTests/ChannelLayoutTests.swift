// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// The layout transposes of the conv event paths against plain loops: whole 16 × 16 tiles
/// (transposed in registers) and edge tiles, exactly, with and without the BatchNorm affine.
struct ChannelLayoutTests {
  @Test(arguments: [(16, 16), (49, 128), (64, 32), (37, 20), (5, 3), (784, 64)])
  func transposesEqualPlainLoops(area: Int, channels: Int) {
    let src = (0..<area * channels).map { Float($0) * 0.25 - 7 }
    let offset = (0..<channels).map { Float($0) + 0.5 }
    let scale = (0..<channels).map { 1.5 - Float($0) * 0.01 }, shift = (0..<channels).map { Float($0 % 3) - 1.25 }
    var first = [Float](repeating: .nan, count: area * channels), last = first, scaled = first
    src.withUnsafeBufferPointer { s in
      offset.withUnsafeBufferPointer { o in
        ChannelLayout.channelsFirst(s.baseAddress!, area: area, channels: channels, offset: o.baseAddress!, into: &first)
        scale.withUnsafeBufferPointer { a in
          shift.withUnsafeBufferPointer { h in
            ChannelLayout.channelsFirst(s.baseAddress!, area: area, channels: channels, offset: o.baseAddress!,
                                        affine: (a.baseAddress!, h.baseAddress!), into: &scaled)
          }
        }
      }
      ChannelLayout.channelsLast(s.baseAddress!, area: area, channels: channels, into: &last)
    }
    var wantFirst = first, wantLast = last, wantScaled = scaled
    for c in 0..<channels {
      for q in 0..<area {
        wantFirst[c * area + q] = src[q * channels + c] + offset[c]
        wantScaled[c * area + q] = wantFirst[c * area + q] * scale[c] + shift[c]
        wantLast[q * channels + c] = src[c * area + q]  // src read as [C, area]
      }
    }
    #expect(first == wantFirst)
    #expect(scaled == wantScaled)
    #expect(last == wantLast)
  }
}
