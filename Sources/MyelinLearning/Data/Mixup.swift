// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore

/// mixup (Zhang et al., 2018) in timm's batch mode, as Spikformer's CIFAR-10 recipe uses
/// it: one λ ~ Beta(α, α) per batch; image i is mixed with image B − 1 − i (the batch
/// reversed), x′ = λ·x_i + (1 − λ)·x_{B−1−i}, and so is its target, λ·y_i + (1 − λ)·y_{B−1−i},
/// with label smoothing applied to both one-hot targets first. Evaluation never mixes.
public struct Mixup: Sendable, Equatable {
  /// Beta's α; 0 turns mixup off.
  public var alpha: Float
  /// The first epoch (counted from 1) without mixup; nil: mixup in every epoch. (The
  /// Spikformer recipe turns it off after epoch 200 of 300.)
  public var offFromEpoch: Int?

  public init(alpha: Float = 0, offFromEpoch: Int? = nil) {
    self.alpha = alpha
    self.offFromEpoch = offFromEpoch
  }

  public static let none = Mixup()

  /// Whether batches of `epoch` (counted from 0) are mixed.
  public func isActive(epoch: Int) -> Bool { alpha > 0 && (offFromEpoch.map { epoch + 1 < $0 } ?? true) }

  /// λ for one training step, from Philox keyed by (seed, step): the same on resume.
  public func lambda(seed: UInt64, trainingStep: Int) -> Float {
    // Stream 0xA000_0000: apart from shuffling (0x5…), augmentation (0x6…), Poisson input
    // (0x7…) and weight initialisation (0x8…, 0x9…), which share the seed.
    var random = RandomSequence(philox: Philox(seed: seed), stream: 0xA000_0000, wideIndex: trainingStep)
    let a = Double(alpha)
    let g1 = Self.gamma(a, &random), g2 = Self.gamma(a, &random)
    return g1 + g2 > 0 ? Float(g1 / (g1 + g2)) : 0.5
  }

  /// Gamma(shape, 1) by Marsaglia and Tsang (2000); a shape below 1 is boosted, Gamma(a) =
  /// Gamma(a + 1)·U^(1/a).
  static func gamma(_ shape: Double, _ random: inout RandomSequence) -> Double {
    if shape < 1 {
      var u = random.nextUniform()
      while u <= 0 { u = random.nextUniform() }
      return gamma(shape + 1, &random) * pow(u, 1 / shape)
    }
    let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
      let x = random.nextNormal()
      let v = pow(1 + c * x, 3)
      guard v > 0 else { continue }
      let u = random.nextUniform()
      if u > 0, log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
    }
  }

  /// Mixes a batch of `count` images of `size` values in place.
  public static func mix(_ inputs: inout [Float], count: Int, lambda: Float) {
    let size = count > 0 ? inputs.count / count : 0
    let original = inputs
    for i in 0..<count {
      let j = count - 1 - i
      for k in 0..<size { inputs[i * size + k] = lambda * original[i * size + k] + (1 - lambda) * original[j * size + k] }
    }
  }

  /// Soft targets [count, classes]: each label smoothed by ε, then mixed as the images are.
  /// λ = 1 gives the smoothed one-hot targets.
  public static func targets(_ labels: [Int], classes k: Int, lambda: Double, smoothing: Double) -> [Double] {
    let count = labels.count
    var targets = [Double](repeating: 0, count: count * k)
    for i in 0..<count {
      let j = count - 1 - i
      for c in 0..<k {
        let own = smoothing / Double(k) + (c == labels[i] ? 1 - smoothing : 0)
        let other = smoothing / Double(k) + (c == labels[j] ? 1 - smoothing : 0)
        targets[i * k + c] = lambda == 1 ? own : lambda * own + (1 - lambda) * other
      }
    }
    return targets
  }
}
