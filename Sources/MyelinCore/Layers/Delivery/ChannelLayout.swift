// SPDX-License-Identifier: Apache-2.0

/// Transposes between the channel-first layout of the tensors ([C, area]) and the
/// channels-last layout of the event kernels' scratch ([area, C]), in 16 × 16 tiles so that
/// the strided side stays in cache. The values are a plain loop's: only the order of the
/// memory accesses changes.
public enum ChannelLayout {
  /// out[c·area + q] = src[q·channels + c] + offset[c].
  @inlinable
  public static func channelsFirst(_ src: UnsafePointer<Float>, area: Int, channels: Int, offset: UnsafePointer<Float>,
                                   into out: UnsafeMutablePointer<Float>) {
    forEachTile(channels, area) { cs, qs in
      for c in cs {
        let row = out + c * area, b = offset[c]
        for q in qs { row[q] = src[q * channels + c] + b }
      }
    }
  }

  /// out[q·channels + c] = src[c·area + q].
  @inlinable
  public static func channelsLast(_ src: UnsafePointer<Float>, area: Int, channels: Int, into out: UnsafeMutablePointer<Float>) {
    forEachTile(area, channels) { qs, cs in
      for q in qs {
        let row = out + q * channels
        for c in cs { row[c] = src[c * area + q] }
      }
    }
  }

  /// The 16 × 16 tiles of an outer × inner index space, outer tiles first.
  @inlinable @inline(__always)
  static func forEachTile(_ outer: Int, _ inner: Int, _ body: (Range<Int>, Range<Int>) -> Void) {
    let tile = 16
    for a in stride(from: 0, to: outer, by: tile) {
      for b in stride(from: 0, to: inner, by: tile) { body(a..<min(a + tile, outer), b..<min(b + tile, inner)) }
    }
  }
}
