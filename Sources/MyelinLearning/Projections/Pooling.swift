// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Pooling over non-overlapping or strided windows of [M, C, H, W] (no padding): max
/// (on spikes an OR; the gradient goes to the first maximum of each window) or average.
public struct Pooling: Sendable, Equatable {
  public enum Kind: Sendable, Equatable { case max, average }
  public let kind: Kind
  public let kernel: Int, stride: Int
  public let channels: Int, height: Int, width: Int

  public init(_ kind: Kind, kernel: Int, stride: Int? = nil, channels: Int, height: Int, width: Int) throws(ModelError) {
    guard kernel >= 1, (stride ?? kernel) >= 1, kernel <= min(height, width), channels >= 1 else {
      throw ModelError(field: "pool", problem: "kernel \(kernel), stride \(stride ?? kernel) on \(height)×\(width)",
                       allowed: "kernel and stride >= 1, kernel <= input size")
    }
    self.kind = kind
    self.kernel = kernel
    self.stride = stride ?? kernel
    self.channels = channels
    self.height = height
    self.width = width
  }

  public var outHeight: Int { (height - kernel) / stride + 1 }
  public var outWidth: Int { (width - kernel) / stride + 1 }

  /// Output, and for max pooling the input index chosen in each window (for backward).
  public func forward(_ x: [Float], rows m: Int) -> (output: [Float], chosen: [Int]) {
    precondition(x.count == m * channels * height * width, "Pooling.forward: shapes do not match")
    let ho = outHeight, wo = outWidth
    var y = [Float](repeating: 0, count: m * channels * ho * wo)
    var chosen = kind == .max ? [Int](repeating: 0, count: y.count) : []
    for plane in 0..<(m * channels) {
      for oy in 0..<ho {
        for ox in 0..<wo {
          let o = (plane * ho + oy) * wo + ox
          var best = -Float.infinity, sum: Float = 0
          var where_ = (plane * height + oy * stride) * width + ox * stride  // the window's first element
          for ky in 0..<kernel {
            for kx in 0..<kernel {
              let i = (plane * height + oy * stride + ky) * width + ox * stride + kx
              sum += x[i]
              if x[i] > best { best = x[i]; where_ = i }
            }
          }
          if kind == .max {
            y[o] = best
            chosen[o] = where_
          } else {
            y[o] = sum / Float(kernel * kernel)
          }
        }
      }
    }
    return (y, chosen)
  }

  public func backward(_ gy: [Float], chosen: [Int], rows m: Int) -> [Float] {
    var gx = [Float](repeating: 0, count: m * channels * height * width)
    let ho = outHeight, wo = outWidth
    for plane in 0..<(m * channels) {
      for oy in 0..<ho {
        for ox in 0..<wo {
          let o = (plane * ho + oy) * wo + ox
          if kind == .max {
            gx[chosen[o]] += gy[o]
          } else {
            let share = gy[o] / Float(kernel * kernel)
            for ky in 0..<kernel {
              for kx in 0..<kernel { gx[(plane * height + oy * stride + ky) * width + ox * stride + kx] += share }
            }
          }
        }
      }
    }
    return gx
  }
}
