// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinModels
import Testing

/// Spiking self-attention, and Spikformer's graph on the Trainer.
struct SpikformerTests {
  static func spikes(_ count: Int, density: Double, seed: UInt64) -> [Float] {
    var random = RandomSequence(philox: Philox(seed: seed), stream: 3, index: 0)
    return (0..<count).map { _ in random.nextUniform() < density ? 1 : 0 }
  }

  /// (Q·Kᵀ)·V·scale per head, in double, straight from the definition.
  static func reference(_ a: SpikingAttention, q: [Float], k: [Float], v: [Float], rows: Int) -> [Double] {
    let d = a.channels / a.heads, n = a.tokens
    var y = [Double](repeating: 0, count: q.count)
    for r in 0..<rows {
      for h in 0..<a.heads {
        let o = r * a.channels * n + h * d * n
        for c in 0..<d {
          for t in 0..<n {
            var sum = 0.0
            for t2 in 0..<n {
              var score = 0.0
              for c2 in 0..<d { score += Double(q[o + c2 * n + t]) * Double(k[o + c2 * n + t2]) }
              sum += score * Double(v[o + c * n + t2])
            }
            y[o + c * n + t] = sum * Double(a.scale)
          }
        }
      }
    }
    return y
  }

  /// Both matrix orders (tokens fewer or more than the head size), event against dense;
  /// the last two need more than one 64-bit word per bit row (70 tokens, 80 channels).
  @Test(arguments: [(channels: 16, tokens: 6, heads: 2), (channels: 8, tokens: 9, heads: 2),
                    (channels: 8, tokens: 70, heads: 2), (channels: 160, tokens: 5, heads: 2)])
  func eventAttentionEqualsTheDenseProducts(shape: (channels: Int, tokens: Int, heads: Int)) {
    let a = SpikingAttention(channels: shape.channels, tokens: shape.tokens, heads: shape.heads, scale: 0.125)
    let count = 5 * shape.channels * shape.tokens
    let q = Self.spikes(count, density: 0.3, seed: 1), k = Self.spikes(count, density: 0.2, seed: 2)
    let v = Self.spikes(count, density: 0.4, seed: 3)
    let event = a.forward(q: q, k: k, v: v, rows: 5, mode: .event)
    let dense = a.forward(q: q, k: k, v: v, rows: 5, mode: .dense, threads: 2)
    #expect(event == dense)  // integer counts × 0.125: exact on both paths
    let expected = Self.reference(a, q: q, k: k, v: v, rows: 5)
    #expect(zip(event, expected).allSatisfy { Double($0) == $1 })
    #expect(event.contains { $0 > 0 })
  }

  /// Head sizes 3, 16 and 29 (16 + 8 + 4 + 1: every width of the backward pass's row adds).
  @Test(arguments: [(channels: 6, tokens: 4), (channels: 32, tokens: 7), (channels: 58, tokens: 5)])
  func attentionGradientsMatchFiniteDifferences(shape: (channels: Int, tokens: Int)) {
    let a = SpikingAttention(channels: shape.channels, tokens: shape.tokens, heads: 2, scale: 0.125)
    let count = 2 * shape.channels * shape.tokens
    let q: [Float] = (0..<count).map { (i: Int) -> Float in Float((i * 7) % 11) / 11 - 0.3 }
    let k: [Float] = (0..<count).map { (i: Int) -> Float in Float((i * 5) % 13) / 13 - 0.4 }
    let v: [Float] = (0..<count).map { (i: Int) -> Float in Float((i * 3) % 7) / 7 - 0.5 }
    let c: [Double] = (0..<count).map { (i: Int) -> Double in Double((i * 9) % 5) - 2 }
    let g = a.backward(q: q, k: k, v: v, gradient: c.map { Float($0) }, rows: 2)
    func loss(_ q: [Float], _ k: [Float], _ v: [Float]) -> Double {
      zip(Self.reference(a, q: q, k: k, v: v, rows: 2), c).reduce(0) { $0 + $1.0 * $1.1 }
    }
    for i in stride(from: 0, to: count, by: 5) {
      for which in 0..<3 {
        var plus = [q, k, v], minus = [q, k, v]
        plus[which][i] += 1e-2
        minus[which][i] -= 1e-2
        let numeric = (loss(plus[0], plus[1], plus[2]) - loss(minus[0], minus[1], minus[2])) / 2e-2
        let analytic = Double([g.q, g.k, g.v][which][i])
        #expect(abs(numeric - analytic) < 1e-3 * max(1, abs(numeric)), "tensor \(which) index \(i)")
      }
    }
  }

  /// A tiny Spikformer: 1 block, D = 16, 2 heads, 8×8×1 images, pooling after stages 3 and 4.
  static var tiny: Spikformer.Configuration {
    Spikformer.Configuration(name: "tiny", depth: 1, dim: 16, heads: 2, imageSize: 8, inputChannels: 1, classes: 3,
                             poolAfter: [2, 3])
  }

  @Test func tinyGraphHasTheWorkedOutShapesAndParameters() throws {
    let network = Spikformer.network(Self.tiny)
    let trainer = try Trainer(network: network, seed: 1)
    let shape = { (name: String) in network.populations[network.populationIndex(named: name)!].shape }
    #expect(shape("sps1") == [2, 8, 8] && shape("sps2") == [4, 8, 8] && shape("sps3.pool") == [8, 4, 4])
    #expect(shape("sps4.pool") == [16, 2, 2] && shape("block1.attention") == [16, 2, 2] && shape("block1.mlp1") == [64, 2, 2])
    // SPS convolutions without bias, each with BN (2 per channel); RPE likewise.
    let stages: [Int] = [1 * 2 * 9 + 4, 2 * 4 * 9 + 8, 4 * 8 * 9 + 16, 8 * 16 * 9 + 32, 16 * 16 * 9 + 32]
    let sps = stages.reduce(0, +)
    // Q, K, V, proj: 1×1 convolutions with bias and BN; MLP 16 → 64 → 16 with bias and BN.
    let linear: Int = 16 * 16 + 16 + 32
    let attention: Int = 4 * linear
    let up: Int = 16 * 64 + 64 + 128
    let down: Int = 64 * 16 + 16 + 32
    let mlp = up + down
    let block = attention + mlp
    let head: Int = 16 * 3 + 3
    #expect(trainer.parameterCount == sps + block + head)
  }

  @Test func gradientsReachEveryParameter() throws {
    // A larger attention scale makes the tiny attention fire, so every path carries signal.
    var config = Self.tiny
    config.attentionScale = 1
    var trainer = try Trainer(network: Spikformer.network(config), seed: 2)
    // Analog images that make the SPS fire, T = 2, batch 3.
    let x: [Float] = (0..<(2 * 3 * 64)).map { (i: Int) -> Float in Float((i * 37) % 17) / 4 - 1 }
    let record = trainer.forward(x, steps: 2, batch: 3, training: true)
    let attention = trainer.network.populationIndex(named: "block1.attention")!
    #expect(record.outputs[attention].contains(1))
    let scores = Loss.timeAverage(record.outputs[trainer.output], steps: 2)
    let (_, g) = Loss.crossEntropy(scores, labels: [0, 1, 2], classes: 3)
    let gradients = trainer.backward(record, outputGradient: Loss.timeAverageBackward(g, steps: 2))
    for (name, gradient) in zip(trainer.parameterNames, gradients) {
      #expect(gradient.contains { $0 != 0 }, "no gradient reaches \(name)")
    }
  }
}
