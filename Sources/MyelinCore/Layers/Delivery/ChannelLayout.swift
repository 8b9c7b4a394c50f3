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
    let tile = 16
    for c0 in stride(from: 0, to: channels, by: tile) {
      let c1 = min(c0 + tile, channels)
      for q0 in stride(from: 0, to: area, by: tile) {
        let q1 = min(q0 + tile, area)
        for c in c0..<c1 {
          let row = out + c * area, b = offset[c]
          for q in q0..<q1 { row[q] = src[q * channels + c] + b }
        }
      }
    }
  }

  /// out[q·channels + c] = src[c·area + q].
  @inlinable
  public static func channelsLast(_ src: UnsafePointer<Float>, area: Int, channels: Int, into out: UnsafeMutablePointer<Float>) {
    let tile = 16
    for q0 in stride(from: 0, to: area, by: tile) {
      let q1 = min(q0 + tile, area)
      for c0 in stride(from: 0, to: channels, by: tile) {
        let c1 = min(c0 + tile, channels)
        for q in q0..<q1 {
          let row = out + q * channels
          for c in c0..<c1 { row[c] = src[c * area + q] }
        }
      }
    }
  }
}
