// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Batch normalisation of a population's input current, per channel, over [M, C, S]
/// values (M = T × batch rows, S = spatial positions: 1 for BatchNorm1d, H·W for 2d), as
/// PyTorch's `BatchNorm1d/2d` with Spikformer's pooling of statistics over T × batch.
///
/// Training normalises with the batch's mean and biased variance and updates the running
/// statistics (momentum 0.1, unbiased variance); evaluation uses the running ones, and
/// `folded(into:)` moves them into the preceding projection for inference.
public struct BatchNorm: Sendable, Equatable {
  public let channels: Int
  public var gamma: [Float]
  public var beta: [Float]
  public var runningMean: [Float]
  public var runningVariance: [Float]
  public var epsilon: Float = 1e-5
  public var momentum: Float = 0.1

  public init(channels: Int) {
    self.channels = channels
    gamma = Array(repeating: 1, count: channels)
    beta = Array(repeating: 0, count: channels)
    runningMean = Array(repeating: 0, count: channels)
    runningVariance = Array(repeating: 1, count: channels)
  }

  /// What the backward pass needs from a training forward pass.
  public struct Record: Sendable {
    public var normalized: [Float]
    public var inverseStd: [Float]
  }

  /// Training forward: normalises with the batch statistics and updates the running ones.
  /// With 2 threads each takes half of the channels (independent: the same values).
  public mutating func train(_ x: [Float], rows m: Int, spatial s: Int, threads: Int = 1) -> (output: [Float], record: Record) {
    precondition(x.count == m * channels * s, "BatchNorm.train: input has \(x.count) values, not rows × C × spatial")
    let n = m * s, channels = channels
    // Every value is written below: no zero fill (a pass over tens of MB per layer).
    var y = [Float](uninitializedCount: x.count), xhat = [Float](uninitializedCount: x.count)
    var inverse = [Float](repeating: 0, count: channels)
    var means = [Double](repeating: 0, count: channels), variances = means
    let (gamma, beta, epsilon) = (gamma, beta, epsilon)
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        xhat.withUnsafeMutableBufferPointer { hb in
          inverse.withUnsafeMutableBufferPointer { ib in
          means.withUnsafeMutableBufferPointer { mb in
          variances.withUnsafeMutableBufferPointer { vb in
          nonisolated(unsafe) let (xp, yp, hp, inv0, mean0, var0) = (xb.baseAddress, yb.baseAddress, hb.baseAddress,
                                                                   ib.baseAddress, mb.baseAddress, vb.baseAddress)
          RowHalves.run(channels, threads: threads) { _, half in
          guard let xp, let yp, let hp, let inv0, let mean0, let var0 else { return }
          for c in half {
            // Sums per row in float (short runs), accumulated over rows in double.
            var sum = 0.0, squares = 0.0
            for r in 0..<m {
              let row = xp + (r * channels + c) * s
              let (rs, rq) = Lanes.sums(row, row, count: s)
              sum += Double(rs)
              squares += Double(rq)
            }
            let mean = sum / Double(max(n, 1))
            let variance = max(squares / Double(max(n, 1)) - mean * mean, 0)
            mean0[c] = mean
            var0[c] = variance
            let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
            inv0[c] = inv
            let mu = Float(mean), gc = gamma[c], bc = beta[c]
            for r in 0..<m {
              let o = (r * channels + c) * s
              // Sixteen lanes, then one by one: the same operations per value. (The compiler
              // left this loop scalar: it cannot tell that the three rows do not overlap.)
              var p = 0
              while p + 16 <= s {
                let h = (Lanes.load(xp + o + p) - mu) * inv
                Lanes.store(h, hp + o + p)
                Lanes.store(gc * h + bc, yp + o + p)
                p += 16
              }
              while p < s {
                let h = (xp[o + p] - mu) * inv
                hp[o + p] = h
                yp[o + p] = gc * h + bc
                p += 1
              }
            }
          }
          }
          }
          }
          }
        }
      }
    }
    // An empty batch has no statistics to learn from.
    if n > 0 {
      for c in 0..<channels {
        let unbiased = n > 1 ? variances[c] * Double(n) / Double(n - 1) : variances[c]
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(means[c])
        runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(unbiased)
      }
    }
    return (y, Record(normalized: xhat, inverseStd: inverse))
  }

  /// Evaluation forward with the running statistics, in place when the caller hands over
  /// its array (`consume`): no copy of the layer's current.
  public func evaluate(_ x: consuming [Float], rows m: Int, spatial s: Int) -> [Float] {
    precondition(x.count == m * channels * s, "BatchNorm.evaluate: input has \(x.count) values, not rows × C × spatial")
    var y = consume x
    let (scale, shift) = affine
    y.withUnsafeMutableBufferPointer { yp in
      for r in 0..<m {
        for c in 0..<channels {
          let row = yp.baseAddress! + (r * channels + c) * s
          for p in 0..<s { row[p] = row[p] * scale[c] + shift[c] }
        }
      }
    }
    return y
  }

  /// Gradients of a training forward pass: dL/dx, dL/dγ, dL/dβ.
  public func backward(_ record: Record, gradient gy: [Float], rows m: Int, spatial s: Int, threads: Int = 1)
    -> (input: [Float], gamma: [Float], beta: [Float])
  {
    let n = Float(m * s), channels = channels
    var gx = [Float](uninitializedCount: gy.count)
    var gGamma = [Float](repeating: 0, count: channels), gBeta = gGamma
    let gamma = gamma
    gy.withUnsafeBufferPointer { gb in
      record.normalized.withUnsafeBufferPointer { hb in
        gx.withUnsafeMutableBufferPointer { ob in
          gGamma.withUnsafeMutableBufferPointer { ggb in
          gBeta.withUnsafeMutableBufferPointer { gbb in
          record.inverseStd.withUnsafeBufferPointer { isb in
          nonisolated(unsafe) let (gp, hp, out, gg, gbeta, inverse) = (gb.baseAddress, hb.baseAddress, ob.baseAddress,
                                                                     ggb.baseAddress, gbb.baseAddress, isb.baseAddress)
          RowHalves.run(channels, threads: threads) { _, half in
          guard let gp, let hp, let out, let gg, let gbeta, let inverse else { return }
          for c in half {
            var sumG = 0.0, sumGX = 0.0
            for r in 0..<m {
              let o = (r * channels + c) * s
              let (rg, rgx) = Lanes.sums(gp + o, hp + o, count: s)
              sumG += Double(rg)
              sumGX += Double(rgx)
            }
            gbeta[c] = Float(sumG)
            gg[c] = Float(sumGX)
            let k = gamma[c] * inverse[c] / n, fg = Float(sumG), fgx = Float(sumGX)
            for r in 0..<m {
              let o = (r * channels + c) * s
              var p = 0  // sixteen lanes, then one by one, as in `train`
              while p + 16 <= s {
                Lanes.store(k * (n * Lanes.load(gp + o + p) - fg - Lanes.load(hp + o + p) * fgx), out + o + p)
                p += 16
              }
              while p < s {
                out[o + p] = k * (n * gp[o + p] - fg - hp[o + p] * fgx)
                p += 1
              }
            }
          }
          }
          }
          }
          }
        }
      }
    }
    return (gx, gGamma, gBeta)
  }

  /// Per-channel scale and shift of evaluation mode: y = x·scale + shift.
  var affine: (scale: [Float], shift: [Float]) {
    let scale = (0..<channels).map { gamma[$0] / (runningVariance[$0] + epsilon).squareRoot() }
    return (scale, (0..<channels).map { beta[$0] - runningMean[$0] * scale[$0] })
  }

  /// The projection followed by this normalisation (evaluation mode), as one projection:
  /// inference is then "add weight on spike" only.
  public func folded(into projection: DenseProjection) -> DenseProjection {
    precondition(projection.outputs == channels, "BatchNorm.folded: \(projection.outputs) outputs for \(channels) channels")
    var p = projection
    let (scale, shift) = affine
    for i in 0..<p.inputs { for o in 0..<channels { p.weight[i * channels + o] *= scale[o] } }
    for o in 0..<channels { p.bias[o] = p.bias[o] * scale[o] + shift[o] }
    return p
  }

  public func folded(into projection: ConvProjection) -> ConvProjection {
    precondition(projection.outChannels == channels, "BatchNorm.folded: \(projection.outChannels) outputs for \(channels) channels")
    var p = projection
    let (scale, shift) = affine
    let perChannel = p.weight.count / channels
    for o in 0..<channels { for j in 0..<perChannel { p.weight[o * perChannel + j] *= scale[o] } }
    for o in 0..<channels { p.bias[o] = p.bias[o] * scale[o] + shift[o] }
    return p
  }
}
