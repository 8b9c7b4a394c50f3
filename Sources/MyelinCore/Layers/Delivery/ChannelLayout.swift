// SPDX-License-Identifier: Apache-2.0

/// Transposes between the channel-first layout of the tensors ([C, area]) and the
/// channels-last layout of the event kernels' scratch ([area, C]), in 16 × 16 tiles. A
/// whole tile is loaded as sixteen vectors and transposed in registers (``transpose(_:_:)``);
/// edge tiles go value by value. The values are a plain loop's: only the order of the
/// memory accesses changes.
public enum ChannelLayout {
  /// out[c·area + q] = src[q·channels + c] + offset[c], then, given `affine`, times
  /// scale[c] plus shift[c]: evaluation-mode BatchNorm applied while the tile is in
  /// registers, which spares a pass over the layer's output. The roundings are those of
  /// the two steps done apart (sum, product, sum; nothing fused), so the values are too.
  @inlinable
  public static func channelsFirst(_ src: UnsafePointer<Float>, area: Int, channels: Int, offset: UnsafePointer<Float>,
                                   affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)? = nil,
                                   into out: UnsafeMutablePointer<Float>) {
    withTile { rows, spare in
      forEachTile(channels, area) { cs, qs in
        if cs.count == 16 && qs.count == 16 {
          for (l, q) in qs.enumerated() { rows[l] = load(src + q * channels + cs.lowerBound) }
          transpose(rows, spare)
          let b = load(offset + cs.lowerBound)
          if let affine {
            let a = load(affine.scale + cs.lowerBound), h = load(affine.shift + cs.lowerBound)
            for (l, c) in cs.enumerated() {
              store((rows[l] + SIMD16(repeating: b[l])) * SIMD16(repeating: a[l]) + SIMD16(repeating: h[l]), out + c * area + qs.lowerBound)
            }
          } else {
            for (l, c) in cs.enumerated() { store(rows[l] + SIMD16(repeating: b[l]), out + c * area + qs.lowerBound) }
          }
          return
        }
        for c in cs {
          let row = out + c * area, b = offset[c]
          if let affine {
            let a = affine.scale[c], h = affine.shift[c]
            for q in qs { row[q] = (src[q * channels + c] + b) * a + h }
          } else {
            for q in qs { row[q] = src[q * channels + c] + b }
          }
        }
      }
    }
  }

  /// out[c·area + q] = src[q·channels + c] for a mostly-zero `src` (spikes): `out` is
  /// zeroed, then only the non-zero values are written, found sixteen channels at a time.
  @inlinable
  public static func sparseChannelsFirst(_ src: UnsafePointer<Float>, area: Int, channels: Int, into out: UnsafeMutablePointer<Float>) {
    out.update(repeating: 0, count: area * channels)
    for q in 0..<area {
      let row = src + q * channels
      SpikeScan.forEachNonZero(row, count: channels) { c in out[c * area + q] = row[c] }
    }
  }

  /// out[q·channels + c] = src[c·area + q].
  @inlinable
  public static func channelsLast(_ src: UnsafePointer<Float>, area: Int, channels: Int, into out: UnsafeMutablePointer<Float>) {
    withTile { rows, spare in
      forEachTile(area, channels) { qs, cs in
        if cs.count == 16 && qs.count == 16 {
          for (l, c) in cs.enumerated() { rows[l] = load(src + c * area + qs.lowerBound) }
          transpose(rows, spare)
          for (l, q) in qs.enumerated() { store(rows[l], out + q * channels + cs.lowerBound) }
          return
        }
        for q in qs {
          let row = out + q * channels
          for c in cs { row[c] = src[c * area + q] }
        }
      }
    }
  }

  /// Transposes the 16 × 16 matrix held as sixteen row vectors in `rows` (`spare` is scratch
  /// of the same size). Each round unzips the concatenation of rows 2m and 2m + 1 into its
  /// even lanes (new row m) and odd lanes (new row m + 8), which rotates the eight index
  /// bits (row, column) right by one; four rounds swap row and column.
  @inlinable @inline(__always)
  static func transpose(_ rows: UnsafeMutablePointer<SIMD16<Float>>, _ spare: UnsafeMutablePointer<SIMD16<Float>>) {
    var (a, b) = (rows, spare)
    for _ in 0..<4 {
      for m in 0..<8 {
        let pair = SIMD32<Float>(lowHalf: a[2 * m], highHalf: a[2 * m + 1])
        b[m] = pair.evenHalf
        b[m + 8] = pair.oddHalf
      }
      swap(&a, &b)
    }
  }

  @inlinable @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

  @inlinable @inline(__always)
  static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
  }

  /// Two tiles of sixteen vectors for one transposition call.
  @inlinable @inline(__always)
  static func withTile(_ body: (UnsafeMutablePointer<SIMD16<Float>>, UnsafeMutablePointer<SIMD16<Float>>) -> Void) {
    withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 32) { buffer in
      body(buffer.baseAddress!, buffer.baseAddress! + 16)
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
