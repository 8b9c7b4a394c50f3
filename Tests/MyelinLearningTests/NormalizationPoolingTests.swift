// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import Testing

struct NormalizationPoolingTests {
  /// Training-mode BN in double precision: the reference for finite differences.
  static func reference(_ x: [Float], _ bn: BatchNorm, rows m: Int, spatial s: Int) -> [Double] {
    var y = [Double](repeating: 0, count: x.count)
    for c in 0..<bn.channels {
      var values: [Double] = []
      for r in 0..<m { for p in 0..<s { values.append(Double(x[(r * bn.channels + c) * s + p])) } }
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
      for r in 0..<m {
        for p in 0..<s {
          let i = (r * bn.channels + c) * s + p
          y[i] = Double(bn.gamma[c]) * (Double(x[i]) - mean) / (variance + Double(bn.epsilon)).squareRoot() + Double(bn.beta[c])
        }
      }
    }
    return y
  }

  @Test(arguments: [1, 6])
  func batchNormGradients(spatial s: Int) {
    let m = 4, channels = 3
    var bn = BatchNorm(channels: channels)
    bn.gamma = [1.5, 0.7, -0.4]
    bn.beta = [0.1, -0.2, 0.3]
    var random = RandomSequence(philox: Philox(seed: 3), stream: UInt32(s), index: 0)
    let x = (0..<m * channels * s).map { _ in Float(random.nextNormal() * 2 + 1) }
    let c = (0..<x.count).map { _ in random.nextNormal() }
    var training = bn
    let (y, record) = training.train(x, rows: m, spatial: s)
    let want = Self.reference(x, bn, rows: m, spatial: s)
    #expect(zip(y, want).allSatisfy { abs(Double($0) - $1) < 1e-4 })
    let g = bn.backward(record, gradient: c.map { Float($0) }, rows: m, spatial: s)
    func loss(_ x: [Float], _ bn: BatchNorm) -> Double { zip(Self.reference(x, bn, rows: m, spatial: s), c).reduce(0) { $0 + $1.0 * $1.1 } }
    let h: Float = 1e-2
    for j in stride(from: 0, to: x.count, by: 5) {
      var xp = x, xm = x
      xp[j] += h
      xm[j] -= h
      let numeric = (loss(xp, bn) - loss(xm, bn)) / Double(2 * h)
      #expect(abs(Double(g.input[j]) - numeric) < 2e-3 * max(1, abs(numeric)), "dx[\(j)]: \(g.input[j]) vs \(numeric)")
    }
    for k in 0..<channels {
      var up = bn, down = bn
      up.gamma[k] += h
      down.gamma[k] -= h
      let numeric = (loss(x, up) - loss(x, down)) / Double(2 * h)
      #expect(abs(Double(g.gamma[k]) - numeric) < 2e-3 * max(1, abs(numeric)), "dγ[\(k)]")
      up = bn
      down = bn
      up.beta[k] += h
      down.beta[k] -= h
      let numericBeta = (loss(x, up) - loss(x, down)) / Double(2 * h)
      #expect(abs(Double(g.beta[k]) - numericBeta) < 2e-3 * max(1, abs(numericBeta)), "dβ[\(k)]")
    }
    // Running statistics moved 10% of the way to the batch's mean and unbiased variance.
    var values: [Double] = []
    for r in 0..<m { for p in 0..<s { values.append(Double(x[(r * channels) * s + p])) } }
    let mean = values.reduce(0, +) / Double(values.count)
    let unbiased = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    #expect(abs(Double(training.runningMean[0]) - 0.1 * mean) < 1e-5)
    #expect(abs(Double(training.runningVariance[0]) - (0.9 + 0.1 * unbiased)) < 1e-4)
  }

  /// Evaluation-mode BN after a projection equals the folded projection alone.
  @Test func foldingIntoProjections() throws {
    var bn = BatchNorm(channels: 4)
    bn.gamma = [1.2, 0.5, 2, -1]
    bn.beta = [0.3, 0, -0.1, 0.2]
    bn.runningMean = [0.5, -1, 0.25, 2]
    bn.runningVariance = [2, 0.5, 1, 4]
    var random = RandomSequence(philox: Philox(seed: 1), stream: 1, index: 0)
    let dense = DenseProjection(inputs: 6, outputs: 4, seed: 2)
    let x = (0..<3 * 6).map { _ in Float(random.nextNormal()) }
    let viaBN = bn.evaluate(dense.forward(x, rows: 3, mode: .dense), rows: 3, spatial: 1)
    let folded = bn.folded(into: dense).forward(x, rows: 3, mode: .dense)
    #expect(zip(viaBN, folded).allSatisfy { abs($0 - $1) < 1e-5 })
    let conv = try ConvProjection(inChannels: 2, outChannels: 4, kernel: 3, padding: 1, height: 5, width: 5, seed: 3)
    let image = (0..<2 * conv.inputSize).map { _ in Float(random.nextNormal()) }
    let convBN = bn.evaluate(conv.forward(image, rows: 2, mode: .dense), rows: 2, spatial: 25)
    let convFolded = bn.folded(into: conv).forward(image, rows: 2, mode: .dense)
    #expect(zip(convBN, convFolded).allSatisfy { abs($0 - $1) < 1e-5 })
  }

  @Test func maxPoolingIsAnOROnSpikesAndRoutesGradients() throws {
    let pool = try Pooling(.max, kernel: 2, channels: 1, height: 4, width: 4)
    let x: [Float] = [0, 0, 1, 0,
                      0, 0, 0, 1,
                      1, 1, 0, 0,
                      0, 0, 0, 0]
    let (y, chosen) = pool.forward(x, rows: 1)
    #expect(y == [0, 1, 1, 0])
    let gx = pool.backward([1, 2, 3, 4], chosen: chosen, rows: 1)
    // Each window's gradient goes to one input of that window: the first maximum.
    #expect(gx[2] == 2 && gx[8] == 3 && gx.reduce(0, +) == 10)
    let average = try Pooling(.average, kernel: 2, channels: 1, height: 4, width: 4)
    #expect(average.forward(x, rows: 1).output == [0, 0.5, 0.5, 0])
    #expect(average.backward([4, 4, 4, 4], chosen: [], rows: 1) == Array(repeating: 1, count: 16))
    #expect(throws: ModelError.self) { try Pooling(.max, kernel: 5, channels: 1, height: 4, width: 4) }
    #expect(throws: ModelError.self) { try Pooling(.max, kernel: 3, padding: 2, channels: 1, height: 4, width: 4) }
    // PyTorch's MaxPool2d(3, 2, padding 1) on 4×4: 2×2 windows clipped at the edges.
    let padded = try Pooling(.max, kernel: 3, stride: 2, padding: 1, channels: 1, height: 4, width: 4)
    #expect(padded.outHeight == 2 && padded.outWidth == 2)
    #expect(padded.forward(x, rows: 1).output == [0, 1, 1, 1])
  }

  /// Both poolings against central differences of L = Σ c·y on distinct analog values
  /// (where max pooling is differentiable), with overlapping padded windows (kernel 3,
  /// stride 2, padding 1: Spikformer's SPS pooling).
  @Test func poolingGradientsMatchFiniteDifferences() throws {
    for kind in [Pooling.Kind.max, .average] {
      let pool = try Pooling(kind, kernel: 3, stride: 2, padding: 1, channels: 2, height: 7, width: 5)
      let n = 2 * 2 * 7 * 5
      let x: [Float] = (0..<n).map { Float(($0 * 37) % n) / Float(n) - 0.5 }  // distinct values
      let (y, chosen) = pool.forward(x, rows: 2)
      // Evaluation keeps no indices and takes the values-only loop: the same outputs.
      let (values, none) = pool.forward(x, rows: 2, choosing: false)
      #expect(values == y && none.isEmpty)
      let c: [Float] = (0..<y.count).map { Float($0 % 5) - 2 }
      let gx = pool.backward(c, chosen: chosen, rows: 2)
      func loss(_ v: [Float]) -> Double { zip(pool.forward(v, rows: 2).output, c).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
      for i in stride(from: 0, to: n, by: 3) {
        var plus = x, minus = x
        plus[i] += 1e-3
        minus[i] -= 1e-3
        let numeric = (loss(plus) - loss(minus)) / 2e-3
        #expect(abs(numeric - Double(gx[i])) < 1e-2, "\(kind) input \(i): \(numeric) vs \(gx[i])")
      }
    }
  }
}
