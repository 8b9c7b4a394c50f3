// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Losses on a network's read-out, with their gradients.
public enum Loss {
  /// The mean over T of [T, rows, classes] (a non-spiking read-out averaged over time).
  public static func timeAverage(_ x: [Float], steps T: Int) -> [Float] {
    let n = T > 0 ? x.count / T : 0
    var out = [Float](repeating: 0, count: n)
    for t in 0..<T { for i in 0..<n { out[i] += x[t * n + i] } }
    return out.map { $0 / Float(max(T, 1)) }
  }

  /// The gradient through ``timeAverage(_:steps:)``: each step gets 1/T of it.
  public static func timeAverageBackward(_ g: [Float], steps T: Int) -> [Float] {
    let share = g.map { $0 / Float(max(T, 1)) }
    return Array((0..<T).map { _ in share }.joined())
  }

  /// Softmax cross-entropy of logits [rows, classes], mean over rows, with label smoothing
  /// ε (targets (1 − ε)·one-hot + ε/K). Returns the loss and dL/dlogits.
  public static func crossEntropy(_ logits: [Float], labels: [Int], classes k: Int, smoothing: Float = 0)
    -> (loss: Double, gradient: [Float])
  {
    precondition(logits.count == labels.count * k && labels.allSatisfy { $0 >= 0 && $0 < k },
                 "Loss.crossEntropy: logits and labels do not match")
    return crossEntropy(logits, targets: Mixup.targets(labels, classes: k, lambda: 1, smoothing: Double(smoothing)), classes: k)
  }

  /// Softmax cross-entropy against soft targets [rows, classes] (timm's
  /// `SoftTargetCrossEntropy`, for mixup), mean over rows.
  public static func crossEntropy(_ logits: [Float], targets: [Double], classes k: Int) -> (loss: Double, gradient: [Float]) {
    let rows = k > 0 ? targets.count / k : 0
    precondition(logits.count == targets.count && rows * k == targets.count, "Loss.crossEntropy: logits and targets do not match")
    var gradient = [Float](repeating: 0, count: logits.count)
    var total = 0.0
    for r in 0..<rows {
      let row = logits[r * k..<(r + 1) * k].map(Double.init)
      let top = row.max() ?? 0
      let exps = row.map { exp($0 - top) }
      let sum = exps.reduce(0, +)
      let logSum = log(sum) + top
      for j in 0..<k {
        let target = targets[r * k + j]
        total -= target * (row[j] - logSum)
        gradient[r * k + j] = Float((exps[j] / sum - target) / Double(rows))
      }
    }
    return (total / Double(max(rows, 1)), gradient)
  }

  /// Mean squared error between firing rates [rows, classes] and one-hot labels (the
  /// SpikingJelly tutorial's loss), mean over all values.
  public static func mseOnRates(_ rates: [Float], labels: [Int], classes k: Int) -> (loss: Double, gradient: [Float]) {
    mseOnRates(rates, targets: Mixup.targets(labels, classes: k, lambda: 1, smoothing: 0))
  }

  /// MSE between firing rates and soft targets of the same shape, mean over all values.
  public static func mseOnRates(_ rates: [Float], targets: [Double]) -> (loss: Double, gradient: [Float]) {
    precondition(rates.count == targets.count, "Loss.mseOnRates: rates and targets do not match")
    var gradient = [Float](repeating: 0, count: rates.count)
    var total = 0.0
    let n = Double(max(rates.count, 1))
    for i in rates.indices {
      let d = Double(rates[i]) - targets[i]
      total += d * d
      gradient[i] = Float(2 * d / n)
    }
    return (total / n, gradient)
  }

  /// Top-k accuracy counts: how many rows have their label among the k largest scores.
  public static func correct(_ scores: [Float], labels: [Int], classes: Int, top k: Int) -> Int {
    precondition(scores.count == labels.count * classes && labels.allSatisfy { $0 >= 0 && $0 < classes },
                 "Loss.correct: scores and labels do not match")
    var hits = 0
    for (r, label) in labels.enumerated() {
      let row = scores[r * classes..<(r + 1) * classes]
      let own = row[row.startIndex + label]
      // Ties count against: a label is in the top k only if fewer than k other scores reach
      // it, so a silent network (all scores equal) is never right by chance.
      let better = row.enumerated().filter { $0.element >= own && $0.offset != label }.count
      if better < k { hits += 1 }
    }
    return hits
  }
}
