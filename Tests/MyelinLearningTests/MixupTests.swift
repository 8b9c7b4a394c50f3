// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinLearning
import Testing

/// mixup: the Beta draws, the mixing of images and targets, and the soft-target losses.
struct MixupTests {
  /// Beta(α, α) has mean 1/2 and variance 1/(4(2α + 1)).
  @Test(arguments: [Float(0.5), 2])
  func lambdaFollowsBeta(alpha: Float) {
    let mixup = Mixup(alpha: alpha)
    let draws = (0..<8000).map { Double(mixup.lambda(seed: 7, trainingStep: $0)) }
    #expect(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
    let mean = draws.reduce(0, +) / Double(draws.count)
    let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
    let expected = 1 / (4 * (2 * Double(alpha) + 1))
    #expect(abs(mean - 0.5) < 0.015, "mean \(mean)")
    #expect(abs(variance - expected) < 0.1 * expected, "variance \(variance), expected \(expected)")
    // Keyed by (seed, step): the same draw on resume, another for another step.
    #expect(mixup.lambda(seed: 7, trainingStep: 12) == mixup.lambda(seed: 7, trainingStep: 12))
    #expect(mixup.lambda(seed: 7, trainingStep: 12) != mixup.lambda(seed: 8, trainingStep: 12))
  }

  @Test func imagesAndTargetsMixWithTheReversedBatch() {
    var x: [Float] = [1, 2, 10, 20, 100, 200]  // 3 images of 2 values
    Mixup.mix(&x, count: 3, lambda: 0.75)
    let mixed: [Float] = [25.75, 51.5, 10, 20, 75.25, 150.5]  // 0.75·own + 0.25·mirror, exact in Float
    #expect(x == mixed)
    var same: [Float] = [3, 4, 5, 6]
    Mixup.mix(&same, count: 2, lambda: 1)
    #expect(same == [3, 4, 5, 6])
    // Labels 0, 2, 1 over 3 classes, ε = 0.3 (0.1 per class, 0.8 on the label), λ = 0.75.
    let t = Mixup.targets([0, 2, 1], classes: 3, lambda: 0.75, smoothing: 0.3)
    // Row 0 (label 0) mixes with row 2 (label 1): 0.75·0.8 + 0.25·0.1 = 0.625; row 1 with itself.
    let expected: [Double] = [0.625, 0.275, 0.1, 0.1, 0.1, 0.8, 0.275, 0.625, 0.1]
    #expect(zip(t, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    for r in 0..<3 { #expect(abs(t[(3 * r)..<(3 * r + 3)].reduce(0, +) - 1) < 1e-12) }
  }

  @Test func activeUntilTheOffEpoch() {
    let m = Mixup(alpha: 0.5, offFromEpoch: 3)
    #expect(m.isActive(epoch: 0) && m.isActive(epoch: 1) && !m.isActive(epoch: 2))
    #expect(!Mixup.none.isActive(epoch: 0) && Mixup(alpha: 1).isActive(epoch: 500))
  }

  /// The soft-target losses against the definition, and their gradients against central
  /// differences.
  @Test func softTargetLossesAndGradients() {
    let logits: [Float] = [0.3, -1.2, 2.0, 0.5, 0.1, -0.4]
    let targets = Mixup.targets([2, 0], classes: 3, lambda: 0.6, smoothing: 0.1)
    func ce(_ z: [Float]) -> Double {
      var total = 0.0
      for r in 0..<2 {
        let row = z[(3 * r)..<(3 * r + 3)].map(Double.init)
        let logSum = log(row.map { exp($0) }.reduce(0, +))
        for j in 0..<3 { total -= targets[3 * r + j] * (row[j] - logSum) }
      }
      return total / 2
    }
    func mse(_ z: [Float]) -> Double { zip(z, targets).reduce(0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) } / 6 }
    let (ceLoss, ceGradient) = Loss.crossEntropy(logits, targets: targets, classes: 3)
    let (mseLoss, mseGradient) = Loss.mseOnRates(logits, targets: targets)
    #expect(abs(ceLoss - ce(logits)) < 1e-9 && abs(mseLoss - mse(logits)) < 1e-9)
    for i in logits.indices {
      var plus = logits, minus = logits
      plus[i] += 1e-3
      minus[i] -= 1e-3
      #expect(abs((ce(plus) - ce(minus)) / 2e-3 - Double(ceGradient[i])) < 1e-4, "ce \(i)")
      #expect(abs((mse(plus) - mse(minus)) / 2e-3 - Double(mseGradient[i])) < 1e-4, "mse \(i)")
    }
    // Hard labels are the soft targets at λ = 1 (ε as the Float the recipe holds).
    let smoothed = Mixup.targets([2, 0], classes: 3, lambda: 1, smoothing: Double(Float(0.1)))
    #expect(Loss.crossEntropy(logits, labels: [2, 0], classes: 3, smoothing: 0.1).gradient
      == Loss.crossEntropy(logits, targets: smoothed, classes: 3).gradient)
  }
}
