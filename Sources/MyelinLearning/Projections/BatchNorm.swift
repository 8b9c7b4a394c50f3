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
  public mutating func train(_ x: [Float], rows m: Int, spatial s: Int) -> (output: [Float], record: Record) {
    precondition(x.count == m * channels * s, "BatchNorm.train: input has \(x.count) values, not rows × C × spatial")
    let n = m * s
    var y = [Float](repeating: 0, count: x.count), xhat = y
    var inverse = [Float](repeating: 0, count: channels)
    for c in 0..<channels {
      var sum = 0.0, squares = 0.0
      for r in 0..<m { for p in 0..<s { let v = Double(x[(r * channels + c) * s + p]); sum += v; squares += v * v } }
      let mean = sum / Double(max(n, 1))
      let variance = max(squares / Double(max(n, 1)) - mean * mean, 0)
      let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
      inverse[c] = inv
      for r in 0..<m {
        for p in 0..<s {
          let i = (r * channels + c) * s + p
          xhat[i] = (x[i] - Float(mean)) * inv
          y[i] = gamma[c] * xhat[i] + beta[c]
        }
      }
      // An empty batch has no statistics to learn from.
      guard n > 0 else { continue }
      let unbiased = n > 1 ? variance * Double(n) / Double(n - 1) : variance
      runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean)
      runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(unbiased)
    }
    return (y, Record(normalized: xhat, inverseStd: inverse))
  }

  /// Evaluation forward with the running statistics.
  public func evaluate(_ x: [Float], rows m: Int, spatial s: Int) -> [Float] {
    precondition(x.count == m * channels * s, "BatchNorm.evaluate: input has \(x.count) values, not rows × C × spatial")
    var y = x
    for c in 0..<channels {
      let scale = gamma[c] / (runningVariance[c] + epsilon).squareRoot()
      let shift = beta[c] - runningMean[c] * scale
      for r in 0..<m { for p in 0..<s { let i = (r * channels + c) * s + p; y[i] = x[i] * scale + shift } }
    }
    return y
  }

  /// Gradients of a training forward pass: dL/dx, dL/dγ, dL/dβ.
  public func backward(_ record: Record, gradient gy: [Float], rows m: Int, spatial s: Int)
    -> (input: [Float], gamma: [Float], beta: [Float])
  {
    let n = Float(m * s)
    var gx = [Float](repeating: 0, count: gy.count)
    var gGamma = [Float](repeating: 0, count: channels), gBeta = gGamma
    for c in 0..<channels {
      var sumG = 0.0, sumGX = 0.0
      for r in 0..<m {
        for p in 0..<s {
          let i = (r * channels + c) * s + p
          sumG += Double(gy[i])
          sumGX += Double(gy[i] * record.normalized[i])
        }
      }
      gBeta[c] = Float(sumG)
      gGamma[c] = Float(sumGX)
      let k = gamma[c] * record.inverseStd[c] / n
      for r in 0..<m {
        for p in 0..<s {
          let i = (r * channels + c) * s + p
          gx[i] = k * (n * gy[i] - Float(sumG) - record.normalized[i] * Float(sumGX))
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
