// SPDX-License-Identifier: Apache-2.0

/// The kernel of a `pool` projection on one plane, shared by both executors: each output
/// takes the maximum (an OR on spikes) or the average of its window. As PyTorch pads, max
/// pooling never chooses a padded position and average pooling counts them as zeros,
/// dividing by k².
public struct PoolWindows: Sendable, Equatable {
  public let geometry: PoolGeometry
  public let height: Int, width: Int

  public init(_ geometry: PoolGeometry, height: Int, width: Int) {
    self.geometry = geometry
    self.height = height
    self.width = width
  }

  public var outHeight: Int { geometry.output(height) }
  public var outWidth: Int { geometry.output(width) }

  /// Pools the plane at `x` into `y`. For max pooling, `chosen` (when given) receives the
  /// index of each window's first maximum, counted from `base` (where the plane starts in
  /// the caller's tensor), for the backward pass. Max pooling of a plane with no negative
  /// value (spikes, residual counts) visits its non-zero inputs only (``paint``);
  /// `nonNegative` says so when the caller knows it (spikes), sparing the check.
  @inlinable
  public func pool(_ x: UnsafePointer<Float>, base: Int = 0, into y: UnsafeMutablePointer<Float>,
                   chosen: UnsafeMutablePointer<Int>? = nil, nonNegative: Bool = false) {
    if geometry.kind == .max, nonNegative || Self.isNonNegative(x, count: height * width) {
      paint(x, base: base, into: y, chosen: chosen)
    } else {
      scan(x, base: base, into: y, chosen: chosen)
    }
  }

  /// Whether every value is +0 or above (−0, negatives and NaN are not). Float compares
  /// find negatives and NaN, the sign bits −0; both accumulate without a branch. (An
  /// unsigned compare of the bit patterns, the obvious test, is compiled lane by lane.)
  @inlinable
  static func isNonNegative(_ x: UnsafePointer<Float>, count: Int) -> Bool {
    let one = SIMD16<UInt32>(repeating: 1)
    var below = SIMD16<UInt32>(), signs = SIMD16<UInt32>()
    var i = 0
    while i + 16 <= count {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
      below |= one.replacing(with: 0, where: v .>= 0)
      signs |= UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<UInt32>.self)
      i += 16
    }
    for l in 0..<16 where below[l] != 0 || signs[l] >> 31 != 0 { return false }
    while i < count {
      guard x[i] >= 0, x[i].sign == .plus else { return false }
      i += 1
    }
    return true
  }

  /// Max pooling of non-negative values: every window starts at 0 with its first input
  /// chosen, and each non-zero input, in ascending order, raises the windows that contain
  /// it. With no negative input a window's maximum is 0 or one of its non-zero inputs, and
  /// the strict comparison in ascending order keeps the first maximum: the values and
  /// indices of ``scan``.
  @inlinable
  func paint(_ x: UnsafePointer<Float>, base: Int, into y: UnsafeMutablePointer<Float>, chosen: UnsafeMutablePointer<Int>?) {
    let ho = outHeight, wo = outWidth, k = geometry.kernel, s = geometry.stride, pad = geometry.padding
    let w = width
    y.update(repeating: 0, count: ho * wo)
    if let chosen {
      for oy in 0..<ho {
        let y0 = max(oy * s - pad, 0)
        for ox in 0..<wo { chosen[oy * wo + ox] = base + y0 * w + max(ox * s - pad, 0) }
      }
    }
    // Windows o with o·s − p ≤ i < o·s − p + k, for a row or column i. The input row
    // follows the ascending scan and its windows are found once per row; halving is a shift
    // (an integer division per spike would cost more than its window updates).
    @inline(__always) func over(_ n: Int) -> Int { s == 2 ? n >> 1 : n / s }
    @inline(__always) func first(_ i: Int) -> Int { i + pad - k < 0 ? 0 : over(i + pad - k) + 1 }
    var iy = 0, rowStart = 0, oy0 = first(0), oy1 = min(ho - 1, over(pad))
    SpikeScan.forEachNonZero(x, count: height * w) { q in
      if q >= rowStart + w {
        repeat {
          iy += 1
          rowStart += w
        } while q >= rowStart + w
        (oy0, oy1) = (first(iy), min(ho - 1, over(iy + pad)))
      }
      let ix = q - rowStart, v = x[q]
      let ox0 = first(ix), ox1 = min(wo - 1, over(ix + pad))
      guard oy0 <= oy1, ox0 <= ox1 else { return }
      for oy in oy0...oy1 {
        for ox in ox0...ox1 where v > y[oy * wo + ox] {
          y[oy * wo + ox] = v
          chosen?[oy * wo + ox] = base + q
        }
      }
    }
  }

  /// Max pooling of a channels-last sample [H·W, C] of non-negative values (spikes) into
  /// [H_out·W_out, C], sixteen channels at a time: each output is the larger of 0 and its
  /// window's values, as ``paint`` computes plane by plane (no index is kept, which only
  /// training needs).
  @inlinable
  public func maxChannelsLast(_ x: UnsafePointer<Float>, channels c: Int, into y: UnsafeMutablePointer<Float>) {
    let k = geometry.kernel, s = geometry.stride, pad = geometry.padding, w = width, wo = outWidth
    for oy in 0..<outHeight {
      let y0 = max(oy &* s &- pad, 0), y1 = min(oy &* s &- pad &+ k, height)
      for ox in 0..<wo {
        let x0 = max(ox &* s &- pad, 0), x1 = min(ox &* s &- pad &+ k, w)
        let out = y + (oy &* wo &+ ox) &* c
        var o = 0
        while o &+ 16 <= c {
          var m = SIMD16<Float>()
          for iy in y0..<y1 {
            for ix in x0..<x1 {
              let at: Int = (iy &* w &+ ix) &* c &+ o
              let v = UnsafeRawPointer(x + at).loadUnaligned(as: SIMD16<Float>.self)
              m.replace(with: v, where: v .> m)  // (`pointwiseMax` is compiled lane by lane)
            }
          }
          UnsafeMutableRawPointer(out + o).storeBytes(of: m, as: SIMD16<Float>.self)
          o &+= 16
        }
        while o < c {
          var m: Float = 0
          for iy in y0..<y1 {
            for ix in x0..<x1 {
              let at: Int = (iy &* w &+ ix) &* c &+ o
              m = max(m, x[at])
            }
          }
          out[o] = m
          o &+= 1
        }
      }
    }
  }

  /// Every window read whole: any values, and average pooling.
  @inlinable
  func scan(_ x: UnsafePointer<Float>, base: Int, into y: UnsafeMutablePointer<Float>, chosen: UnsafeMutablePointer<Int>?) {
    let ho = outHeight, wo = outWidth, k = geometry.kernel, s = geometry.stride, pad = geometry.padding
    let h = height, w = width, isMax = geometry.kind == .max
    for oy in 0..<ho {
      for ox in 0..<wo {
        let o = oy * wo + ox
        // The window clipped to the input (padding is never chosen, adds zero).
        let y0 = max(oy * s - pad, 0), y1 = min(oy * s - pad + k, h)
        let x0 = max(ox * s - pad, 0), x1 = min(ox * s - pad + k, w)
        var best = -Float.infinity, sum: Float = 0, at = y0 * w + x0
        for iy in y0..<y1 {
          for ix in x0..<x1 {
            let v = x[iy * w + ix]
            sum += v
            if v > best { best = v; at = iy * w + ix }
          }
        }
        if isMax {
          y[o] = best
          chosen?[o] = base + at
        } else {
          y[o] = sum / Float(k * k)
        }
      }
    }
  }
}
