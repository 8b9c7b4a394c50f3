// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Pooling over strided windows of [M, C, H, W], with PyTorch's implicit padding (max
/// pooling ignores the padded positions; average pooling counts them as zeros, dividing by
/// k²): max (on spikes an OR; the gradient goes to the first maximum of each window) or average.
public struct Pooling: Sendable, Equatable {
  public enum Kind: Sendable, Equatable { case max, average }
  public let kind: Kind
  public let kernel: Int, stride: Int, padding: Int
  public let channels: Int, height: Int, width: Int

  public init(_ kind: Kind, kernel: Int, stride: Int? = nil, padding: Int = 0, channels: Int, height: Int, width: Int)
    throws(ModelError)
  {
    guard kernel >= 1, (stride ?? kernel) >= 1, padding >= 0, 2 * padding <= kernel,
      kernel <= min(height, width) + 2 * padding, channels >= 1
    else {
      throw ModelError(field: "pool", problem: "kernel \(kernel), stride \(stride ?? kernel), padding \(padding) on \(height)×\(width)",
                       allowed: "kernel and stride >= 1, 0 <= padding <= kernel/2, kernel <= padded input size")
    }
    self.kind = kind
    self.kernel = kernel
    self.stride = stride ?? kernel
    self.padding = padding
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// The per-plane kernel, shared with the step-major ``LayerSimulation``.
  public var windows: PoolWindows {
    PoolWindows(PoolGeometry(kind == .max ? .max : .average, kernel: kernel, stride: stride, padding: padding), height: height, width: width)
  }

  public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }

  /// Output, and for max pooling the input index chosen in each window (for backward;
  /// not kept without `choosing`). With 2 threads each takes half of the planes
  /// (independent: the same values). `spikes`: x holds only 0 and 1, known to the caller.
  public func forward(_ x: [Float], rows m: Int, threads: Int = 1, choosing: Bool = true, spikes: Bool = false)
    -> (output: [Float], chosen: [Int])
  {
    precondition(x.count == m * channels * height * width, "Pooling.forward: shapes do not match")
    let ho = outHeight, wo = outWidth, h = height, w = width, isMax = kind == .max, windows = windows
    var y = [Float](uninitializedCount: m * channels * ho * wo)  // every window writes its output
    let keep = isMax && choosing
    var chosen = [Int](repeating: 0, count: keep ? y.count : 0)
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        chosen.withUnsafeMutableBufferPointer { cb in
          nonisolated(unsafe) let (xp, yp, cp) = (xb.baseAddress, yb.baseAddress, cb.baseAddress)
          RowHalves.run(m * channels, threads: threads) { _, planes in
            guard let xp, let yp else { return }
            for plane in planes {
              windows.pool(xp + plane * h * w, base: plane * h * w, into: yp + plane * ho * wo,
                           chosen: keep ? cp.map { $0 + plane * ho * wo } : nil, nonNegative: spikes)
            }
          }
        }
      }
    }
    return (y, chosen)
  }

  /// dL/dx from dL/dy. Windows of one plane may overlap, so each thread takes whole planes.
  public func backward(_ gy: [Float], chosen: [Int], rows m: Int, threads: Int = 1) -> [Float] {
    var gx = [Float](repeating: 0, count: m * channels * height * width)
    let ho = outHeight, wo = outWidth, k = kernel, s = stride, h = height, w = width, isMax = kind == .max, pad = padding
    gy.withUnsafeBufferPointer { gb in
      chosen.withUnsafeBufferPointer { cb in
        gx.withUnsafeMutableBufferPointer { xb in
          nonisolated(unsafe) let (gp, cp, xp) = (gb.baseAddress, cb.baseAddress, xb.baseAddress)
          RowHalves.run(m * channels, threads: threads) { _, planes in
            guard let gp, let xp else { return }
            for plane in planes {
              for o in (plane * ho * wo)..<((plane + 1) * ho * wo) {
                if isMax {
                  xp[cp![o]] += gp[o]
                } else {
                  let share = gp[o] / Float(k * k), oy = (o / wo) % ho, ox = o % wo
                  for iy in max(oy * s - pad, 0)..<min(oy * s - pad + k, h) {
                    for ix in max(ox * s - pad, 0)..<min(ox * s - pad + k, w) { xp[(plane * h + iy) * w + ix] += share }
                  }
                }
              }
            }
          }
        }
      }
    }
    return gx
  }
}
