// SPDX-License-Identifier: Apache-2.0

/// y[o] += w[o] (a spike's weight row) or y[o] += v · w[o] (a scaled one), sixteen lanes at
/// a time. The compiler vectorises such a loop only after a run-time check that the two
/// rows do not overlap, and in some callers it gives up and adds one float at a time
/// (measured: a Spikformer convolution twice as slow). Each element is added on its own,
/// so the values are those of the plain loop.
public enum RowAdd {
  /// y[o] += w[o]: the scaled add with v = 1, whose multiply the compiler removes (1 · w is
  /// exactly w, so the values are those of a plain add).
  @inlinable @inline(__always)
  public static func add(_ w: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int) {
    add(1, times: w, to: y, count: n)
  }

  @inlinable @inline(__always)
  public static func add(_ v: Float, times w: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int) {
    var o = 0
    // Four vectors an iteration with wrapping index arithmetic (o ≤ n, so nothing wraps):
    // the loop's bookkeeping, an overflow check per add, had taken a quarter of a
    // convolution's scatter.
    while o &+ 64 <= n {
      for u in 0..<4 {
        let i = o &+ u &* 16
        let sum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
          + v * UnsafeRawPointer(w + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: sum, as: SIMD16<Float>.self)
      }
      o &+= 64
    }
    while o &+ 16 <= n {
      let sum = UnsafeRawPointer(y + o).loadUnaligned(as: SIMD16<Float>.self)
        + v * UnsafeRawPointer(w + o).loadUnaligned(as: SIMD16<Float>.self)
      UnsafeMutableRawPointer(y + o).storeBytes(of: sum, as: SIMD16<Float>.self)
      o &+= 16
    }
    // Short rows (a 7- or 14-wide image row in col2im) take eight and four lanes first.
    if o + 8 <= n {
      let sum = UnsafeRawPointer(y + o).loadUnaligned(as: SIMD8<Float>.self)
        + v * UnsafeRawPointer(w + o).loadUnaligned(as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(y + o).storeBytes(of: sum, as: SIMD8<Float>.self)
      o += 8
    }
    if o + 4 <= n {
      let sum = UnsafeRawPointer(y + o).loadUnaligned(as: SIMD4<Float>.self)
        + v * UnsafeRawPointer(w + o).loadUnaligned(as: SIMD4<Float>.self)
      UnsafeMutableRawPointer(y + o).storeBytes(of: sum, as: SIMD4<Float>.self)
      o += 4
    }
    while o < n {
      y[o] += v * w[o]
      o += 1
    }
  }
}
