// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// The layout transposes of the conv event paths against plain loops: whole 16 × 16 tiles
/// (transposed in registers) and edge tiles, exactly.
struct ChannelLayoutTests {
  @Test(arguments: [(16, 16), (49, 128), (64, 32), (37, 20), (5, 3), (784, 64)])
  func transposesEqualPlainLoops(area: Int, channels: Int) {
    let src = (0..<area * channels).map { Float($0) * 0.25 - 7 }
    let offset = (0..<channels).map { Float($0) + 0.5 }
    var first = [Float](repeating: .nan, count: area * channels), last = first
    src.withUnsafeBufferPointer { s in
      offset.withUnsafeBufferPointer { o in
        ChannelLayout.channelsFirst(s.baseAddress!, area: area, channels: channels, offset: o.baseAddress!, into: &first)
      }
      ChannelLayout.channelsLast(s.baseAddress!, area: area, channels: channels, into: &last)
    }
    var wantFirst = first, wantLast = last
    for c in 0..<channels {
      for q in 0..<area {
        wantFirst[c * area + q] = src[q * channels + c] + offset[c]
        wantLast[q * channels + c] = src[c * area + q]  // src read as [C, area]
      }
    }
    #expect(first == wantFirst)
    #expect(last == wantLast)
  }
}
