// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import Testing

/// The dense projection: event and dense (sgemm) paths agree, and the backward pass
/// matches finite differences of a double-precision reference.
struct DenseProjectionTests {
  /// Binary spikes with the given density, plus (optionally) a few residual counts of 2.
  static func spikes(rows: Int, inputs: Int, density: Double, seed: UInt32, counts: Bool = false) -> [Float] {
    var random = RandomSequence(philox: Philox(seed: 9), stream: seed, index: 0)
    return (0..<rows * inputs).map { _ in
      let u = random.nextUniform()
      return u < density ? (counts && u < density / 5 ? 2 : 1) : 0
    }
  }

  @Test(arguments: [0.02, 0.1, 0.5])
  func eventAndDensePathsAgree(density: Double) {
    let layer = DenseProjection(inputs: 67, outputs: 33, seed: 3)
    let x = Self.spikes(rows: 24, inputs: 67, density: density, seed: 1, counts: true)
    let event = layer.forward(x, rows: 24, mode: .event), dense = layer.forward(x, rows: 24, mode: .dense)
    let forwardError = zip(event, dense).map { abs($0 - $1) }.max() ?? 0
    #expect(forwardError < 1e-5, "forward differs by \(forwardError)")
    var random = RandomSequence(philox: Philox(seed: 2), stream: 5, index: 0)
    let gy = (0..<24 * 33).map { _ in Float(random.nextNormal()) }
    let a = layer.backward(x, gradient: gy, rows: 24, mode: .event)
    let b = layer.backward(x, gradient: gy, rows: 24, mode: .dense)
    let weightError = zip(a.weight, b.weight).map { abs($0 - $1) }.max() ?? 0
    #expect(weightError < 1e-4, "weight gradients differ by \(weightError)")
    #expect(a.input == b.input && a.bias == b.bias)
    // Rows of inputs that never fired get no weight gradient on the event path.
    for i in 0..<67 where (0..<24).allSatisfy({ x[$0 * 67 + i] == 0 }) {
      #expect(a.weight[i * 33..<(i + 1) * 33].allSatisfy { $0 == 0 })
    }
  }

  /// L = Σ c·Y in double precision; its derivatives by central differences.
  @Test func backwardMatchesFiniteDifferences() {
    let m = 5, n = 7, k = 4
    var layer = DenseProjection(inputs: n, outputs: k, seed: 4)
    var random = RandomSequence(philox: Philox(seed: 5), stream: 1, index: 0)
    let x = (0..<m * n).map { _ in Float(random.nextNormal()) }
    let c = (0..<m * k).map { _ in Float(random.nextNormal()) }
    func loss(_ layer: DenseProjection, _ x: [Float]) -> Double {
      var total = 0.0
      for r in 0..<m {
        for o in 0..<k {
          var y = Double(layer.bias[o])
          for i in 0..<n { y += Double(x[r * n + i]) * Double(layer.weight[i * k + o]) }
          total += Double(c[r * k + o]) * y
        }
      }
      return total
    }
    let g = layer.backward(x, gradient: c, rows: m, mode: .dense)
    let h: Float = 1e-2
    for j in [0, 5, 13, 27] {
      let saved = layer.weight[j]
      layer.weight[j] = saved + h
      let up = loss(layer, x)
      layer.weight[j] = saved - h
      let down = loss(layer, x)
      layer.weight[j] = saved
      let numeric = (up - down) / Double(2 * h)
      #expect(abs(Double(g.weight[j]) - numeric) < 1e-3 * max(1, abs(numeric)), "dW[\(j)]")
    }
    for j in [0, 3] {
      var b = layer
      b.bias[j] += h
      let up = loss(b, x)
      b.bias[j] -= 2 * h
      let numeric = (up - loss(b, x)) / Double(2 * h)
      #expect(abs(Double(g.bias[j]) - numeric) < 1e-3 * max(1, abs(numeric)), "db[\(j)]")
    }
    for j in [1, 17, 34] {
      var xp = x, xm = x
      xp[j] += h
      xm[j] -= h
      let numeric = (loss(layer, xp) - loss(layer, xm)) / Double(2 * h)
      #expect(abs(Double(g.input[j]) - numeric) < 1e-3 * max(1, abs(numeric)), "dX[\(j)]")
    }
  }

  /// Two threads take alternate output blocks: the results are bit-identical.
  @Test func twoThreadsGiveIdenticalResults() {
    let layer = DenseProjection(inputs: 300, outputs: 1500, seed: 7)
    let x = Self.spikes(rows: 8, inputs: 300, density: 0.05, seed: 3, counts: true)
    let gy: [Float] = (0..<8 * 1500).map { (k: Int) -> Float in
      let v: Int = (k * 37) % 101
      return Float(v) / 101 - 0.5
    }
    let one: [Float] = layer.forward(x, rows: 8, mode: .event), two: [Float] = layer.forward(x, rows: 8, mode: .event, threads: 2)
    #expect(one == two)
    let gOne: [Float] = layer.backward(x, gradient: gy, rows: 8, mode: .event).weight
    let gTwo: [Float] = layer.backward(x, gradient: gy, rows: 8, mode: .event, threads: 2).weight
    #expect(gOne == gTwo)
  }

  @Test func autoChoosesByDensity() {
    #expect(DenseProjection.resolve(.auto, input: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == .event)
    #expect(DenseProjection.resolve(.auto, input: [0, 1, 1, 0]) == .dense)
    #expect(DenseProjection.resolve(.event, input: [1, 1]) == .event)
    let layer = DenseProjection(inputs: 100, outputs: 10, seed: 1)
    #expect(layer.parameterCount == 1010)
    #expect(layer.weight.allSatisfy { abs($0) <= 0.1 })
  }
}
