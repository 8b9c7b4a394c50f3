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
  /// the caller's tensor), for the backward pass.
  @inlinable
  public func pool(_ x: UnsafePointer<Float>, base: Int = 0, into y: UnsafeMutablePointer<Float>,
                   chosen: UnsafeMutablePointer<Int>? = nil) {
    let ho = outHeight, wo = outWidth, k = geometry.kernel, s = geometry.stride, pad = geometry.padding
    let h = height, w = width, isMax = geometry.kind == .max
    if isMax, chosen == nil {
      // Values only (evaluation, inference): a select per input, no index to track.
      for oy in 0..<ho {
        let y0 = max(oy * s - pad, 0), y1 = min(oy * s - pad + k, h)
        for ox in 0..<wo {
          let x0 = max(ox * s - pad, 0), x1 = min(ox * s - pad + k, w)
          var best = -Float.infinity
          for iy in y0..<y1 {
            let line = x + iy * w
            for ix in x0..<x1 { best = line[ix] > best ? line[ix] : best }
          }
          y[oy * wo + ox] = best
        }
      }
      return
    }
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
