// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A parameter tensor as the optimizer sees it: values, and whether weight decay applies
/// (not to BatchNorm parameters or biases).
public struct ParameterTensor: Sendable, Equatable {
  public var values: [Float]
  public var decays: Bool
  public init(_ values: [Float], decays: Bool) {
    self.values = values
    self.decays = decays
  }
}

/// Optimizers with PyTorch's update rules. State (moments, step count) is public so that
/// checkpoints can store and restore it.
public struct Optimizer: Sendable, Equatable {
  public enum Rule: Sendable, Equatable {
    /// SGD with momentum μ (and Nesterov's variant); weight decay adds wd·p to the gradient.
    case sgd(momentum: Float, nesterov: Bool)
    /// Adam; weight decay as an L2 term in the gradient.
    case adam(beta1: Float, beta2: Float, epsilon: Float)
    /// AdamW: decoupled weight decay, p ← p − lr·wd·p.
    case adamW(beta1: Float, beta2: Float, epsilon: Float)
    /// LAMB: the Adam direction plus weight decay, scaled by the trust ratio ‖p‖ / ‖u‖ per tensor.
    case lamb(beta1: Float, beta2: Float, epsilon: Float)
  }

  public var rule: Rule
  public var weightDecay: Float
  public var step = 0
  public var first: [[Float]] = []
  public var second: [[Float]] = []

  public init(_ rule: Rule, weightDecay: Float = 0) {
    self.rule = rule
    self.weightDecay = weightDecay
  }

  /// One update of every tensor with learning rate `lr`.
  public mutating func update(_ parameters: inout [ParameterTensor], gradients: [[Float]], lr: Float) {
    precondition(parameters.count == gradients.count, "Optimizer.update: one gradient per tensor")
    if first.count != parameters.count || second.count != parameters.count
      || zip(first, parameters).contains(where: { $0.count != $1.values.count })
      || zip(second, parameters).contains(where: { $0.count != $1.values.count })
    {
      first = parameters.map { [Float](repeating: 0, count: $0.values.count) }
      second = first
    }
    step += 1
    for k in parameters.indices {
      let wd = parameters[k].decays ? weightDecay : 0
      let g = gradients[k]
      switch rule {
      case .sgd(let mu, let nesterov):
        for i in g.indices {
          let d = g[i] + wd * parameters[k].values[i]
          let v = step == 1 ? d : mu * first[k][i] + d
          first[k][i] = v
          parameters[k].values[i] -= lr * (nesterov ? d + mu * v : v)
        }
      case .adam(let b1, let b2, let eps), .adamW(let b1, let b2, let eps), .lamb(let b1, let b2, let eps):
        let decoupled = if case .adam = rule { false } else { true }
        let isLAMB = if case .lamb = rule { true } else { false }
        let c1 = 1 - Float(pow(Double(b1), Double(step))), c2 = 1 - Float(pow(Double(b2), Double(step)))
        var direction = [Float](repeating: 0, count: g.count)
        g.withUnsafeBufferPointer { gp in
          parameters[k].values.withUnsafeMutableBufferPointer { p in
            first[k].withUnsafeMutableBufferPointer { m in
              second[k].withUnsafeMutableBufferPointer { v in
                direction.withUnsafeMutableBufferPointer { u in
                  for i in 0..<gp.count {
                    let d = gp[i] + (decoupled ? 0 : wd * p[i])
                    m[i] = b1 * m[i] + (1 - b1) * d
                    v[i] = b2 * v[i] + (1 - b2) * d * d
                    u[i] = (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                  }
                  if isLAMB {
                    var pNorm = 0.0, uNorm = 0.0
                    for i in 0..<gp.count {
                      u[i] += wd * p[i]
                      pNorm += Double(p[i]) * Double(p[i])
                      uNorm += Double(u[i]) * Double(u[i])
                    }
                    // As timm's Lamb (always_adapt = False): tensors without weight decay (biases,
                    // BN parameters) take the plain Adam step.
                    let trust = wd > 0 && pNorm > 0 && uNorm > 0 ? Float(pNorm.squareRoot() / uNorm.squareRoot()) : 1
                    for i in 0..<gp.count { p[i] -= lr * trust * u[i] }
                  } else {
                    for i in 0..<gp.count {
                      if decoupled { p[i] -= lr * wd * p[i] }
                      p[i] -= lr * u[i]
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

  /// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the
  /// norm before clipping.
  @discardableResult
  public static func clip(_ gradients: inout [[Float]], maxNorm: Float) -> Float {
    let norm = Float(gradients.reduce(0.0) { total, g in g.reduce(total) { $0 + Double($1) * Double($1) } }.squareRoot())
    guard norm > maxNorm, norm > 0 else { return norm }
    let scale = maxNorm / norm
    for k in gradients.indices { for i in gradients[k].indices { gradients[k][i] *= scale } }
    return norm
  }
}

/// Learning-rate schedules, indexed by optimizer step (0-based).
public enum Schedule: Sendable, Equatable {
  /// Linear warm-up over `warmup` steps (base·(step + 1)/warmup, so the first step is not
  /// wasted at 0), then cosine decay from `base` to `minimum` at `total`.
  case warmupCosine(base: Float, warmup: Int, total: Int, minimum: Float)
  /// `base`, multiplied by `gamma` at each milestone step.
  case multistep(base: Float, milestones: [Int], gamma: Float)

  public func rate(at step: Int) -> Float {
    switch self {
    case .warmupCosine(let base, let warmup, let total, let minimum):
      if step < warmup { return base * Float(step + 1) / Float(warmup) }
      let span = max(total - warmup, 1)
      let progress = min(Double(step - warmup) / Double(span), 1)
      return minimum + (base - minimum) * Float((1 + cos(Double.pi * progress)) / 2)
    case .multistep(let base, let milestones, let gamma):
      return base * pow(gamma, Float(milestones.filter { step >= $0 }.count))
    }
  }
}
