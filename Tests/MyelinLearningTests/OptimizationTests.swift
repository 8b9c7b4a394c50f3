// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinLearning
import Testing

/// Losses, optimizers and schedules against values worked out by hand.
struct OptimizationTests {
  @Test func crossEntropyValueAndGradient() {
    let logits: [Float] = [1, 2, 0.5, -1, 0, 3]
    let labels = [1, 2]
    for smoothing: Float in [0, 0.1] {
      let (loss, g) = Loss.crossEntropy(logits, labels: labels, classes: 3, smoothing: smoothing)
      func value(_ z: [Float]) -> Double {
        var total = 0.0
        for r in 0..<2 {
          let row = z[r * 3..<(r + 1) * 3].map(Double.init)
          let logSum = log(row.map { exp($0) }.reduce(0, +))
          for j in 0..<3 {
            let target = Double(smoothing) / 3 + (j == labels[r] ? 1 - Double(smoothing) : 0)
            total -= target * (row[j] - logSum)
          }
        }
        return total / 2
      }
      #expect(abs(loss - value(logits)) < 1e-9)
      for j in logits.indices {
        var up = logits, down = logits
        up[j] += 1e-2
        down[j] -= 1e-2
        #expect(abs(Double(g[j]) - (value(up) - value(down)) / 2e-2) < 1e-4)
      }
    }
  }

  @Test func rateLossTimeAverageAndAccuracy() {
    let (loss, g) = Loss.mseOnRates([0.5, 0.25, 1, 0], labels: [0, 0], classes: 2)
    #expect(abs(loss - (0.25 + 0.0625 + 0 + 0) / 4) < 1e-12)
    #expect(g == [-0.25, 0.125, 0, 0])
    #expect(Loss.timeAverage([1, 2, 3, 5, 6, 7], steps: 2) == [3, 4, 5])
    #expect(Loss.timeAverageBackward([2, 4], steps: 2) == [1, 2, 1, 2])
    let scores: [Float] = [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]
    #expect(Loss.correct(scores, labels: [1, 2], classes: 3, top: 1) == 1)
    #expect(Loss.correct(scores, labels: [1, 2], classes: 3, top: 2) == 1)
    #expect(Loss.correct(scores, labels: [1, 2], classes: 3, top: 3) == 2)
    // A silent network (all scores equal) is never right by chance.
    #expect(Loss.correct([0, 0, 0, 0, 0, 0], labels: [0, 2], classes: 3, top: 1) == 0)
    #expect(Loss.correct([0, 0, 0, 0, 0, 0], labels: [0, 2], classes: 3, top: 3) == 2)
  }

  @Test func sgdMomentumAndNesterov() {
    for nesterov in [false, true] {
      var p = [ParameterTensor([1, -2], decays: true)]
      var opt = Optimizer(.sgd(momentum: 0.9, nesterov: nesterov), weightDecay: 0.1)
      opt.update(&p, gradients: [[0.5, 0.5]], lr: 0.1)
      // d = g + wd·p = (0.6, 0.3); v = d; step d + μv (Nesterov) or v.
      let d1: [Float] = [0.6, 0.3]
      let s1 = nesterov ? d1.map { $0 * 1.9 } : d1
      let p1 = [1 - 0.1 * s1[0], -2 - 0.1 * s1[1]]
      #expect(abs(p[0].values[0] - p1[0]) < 1e-6 && abs(p[0].values[1] - p1[1]) < 1e-6)
      opt.update(&p, gradients: [[0.5, 0.5]], lr: 0.1)
      let d2 = [0.5 + 0.1 * p1[0], 0.5 + 0.1 * p1[1]]
      let v2 = [0.9 * d1[0] + d2[0], 0.9 * d1[1] + d2[1]]
      let s2 = nesterov ? [d2[0] + 0.9 * v2[0], d2[1] + 0.9 * v2[1]] : v2
      #expect(abs(p[0].values[0] - (p1[0] - 0.1 * s2[0])) < 1e-6)
    }
  }

  @Test func adamAdamWAndLamb() {
    // First Adam step: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
    var p = [ParameterTensor([1, 1], decays: true), ParameterTensor([1], decays: false)]
    var adam = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
    adam.update(&p, gradients: [[0.3, -2], [0.01]], lr: 0.01)
    #expect(abs(p[0].values[0] - 0.99) < 1e-6 && abs(p[0].values[1] - 1.01) < 1e-6 && abs(p[1].values[0] - 0.99) < 1e-5)
    // AdamW decays decoupled, and only tensors that decay.
    var q = [ParameterTensor([2], decays: true), ParameterTensor([2], decays: false)]
    var adamW = Optimizer(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.5)
    adamW.update(&q, gradients: [[1], [1]], lr: 0.1)
    #expect(abs(q[0].values[0] - (2 - 0.1 * 0.5 * 2 - 0.1)) < 1e-6)
    #expect(abs(q[1].values[0] - (2 - 0.1)) < 1e-6)
    // LAMB: direction u = sign(g) + wd·p on step one, scaled by ‖p‖/‖u‖.
    var r = [ParameterTensor([3, 4], decays: true)]
    var lamb = Optimizer(.lamb(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.1)
    lamb.update(&r, gradients: [[1, -1]], lr: 0.1)
    let u: [Double] = [1 + 0.3, -1 + 0.4]
    let trust = 5 / (u[0] * u[0] + u[1] * u[1]).squareRoot()
    #expect(abs(Double(r[0].values[0]) - (3 - 0.1 * trust * u[0])) < 1e-5)
    #expect(abs(Double(r[0].values[1]) - (4 - 0.1 * trust * u[1])) < 1e-5)
  }

  /// Every optimizer minimises a convex quadratic.
  @Test(arguments: [Optimizer.Rule.sgd(momentum: 0.9, nesterov: true), .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                    .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), .lamb(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)])
  func minimisesAQuadratic(rule: Optimizer.Rule) {
    var p = [ParameterTensor([3, -2, 1], decays: false)]
    var opt = Optimizer(rule)
    let target: [Float] = [0.5, 1, -1]
    for _ in 0..<500 {
      let g = zip(p[0].values, target).map { 2 * ($0 - $1) }
      opt.update(&p, gradients: [g], lr: 0.02)
    }
    #expect(zip(p[0].values, target).allSatisfy { abs($0 - $1) < 0.05 }, "\(p[0].values)")
  }

  @Test func clippingAndSchedules() {
    var g: [[Float]] = [[3], [4]]
    #expect(Optimizer.clip(&g, maxNorm: 1) == 5)
    #expect(abs(g[0][0] - 0.6) < 1e-6 && abs(g[1][0] - 0.8) < 1e-6)
    let cosine = Schedule.warmupCosine(base: 1, warmup: 4, total: 14, minimum: 0.1)
    #expect(cosine.rate(at: 0) == 0.25 && cosine.rate(at: 3) == 1)
    #expect(abs(cosine.rate(at: 4) - 1) < 1e-6 && abs(cosine.rate(at: 9) - 0.55) < 1e-6 && abs(cosine.rate(at: 14) - 0.1) < 1e-6)
    let steps = Schedule.multistep(base: 1, milestones: [10, 20], gamma: 0.1)
    #expect(steps.rate(at: 9) == 1 && steps.rate(at: 10) == 0.1 && abs(steps.rate(at: 25) - 0.01) < 1e-7)
  }
}
