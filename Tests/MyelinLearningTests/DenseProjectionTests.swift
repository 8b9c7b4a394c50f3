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

  /// A head of at most 16 outputs takes the narrow event path (rows of 16 lanes in
  /// registers). Each output column is summed in the wide path's order, so a head whose
  /// weights are the first columns of a wide layer gives those columns' bits exactly,
  /// also where the rows (summed four side by side) do not fill the last group of four.
  @Test(arguments: [(10, 24), (16, 24), (10, 23), (16, 22), (10, 1)])
  func narrowHeadsSumAsTheWidePathDoes(outputs k: Int, rows m: Int) {
    let (n, wide) = (67, 20)
    let full = DenseProjection(inputs: n, outputs: wide, seed: 8)
    var head = DenseProjection(inputs: n, outputs: k, seed: 1)
    head.weight = (0..<n * k).map { full.weight[($0 / k) * wide + $0 % k] }
    head.bias = Array(full.bias[0..<k])
    let x = Self.spikes(rows: m, inputs: n, density: 0.08, seed: 4, counts: true)
    var random = RandomSequence(philox: Philox(seed: 3), stream: 2, index: 0)
    let gWide = (0..<m * wide).map { _ in Float(random.nextNormal()) }
    let gHead = (0..<m * k).map { gWide[($0 / k) * wide + $0 % k] }
    let yWide = full.forward(x, rows: m, mode: .event), yHead = head.forward(x, rows: m, mode: .event)
    #expect((0..<m * k).allSatisfy { yHead[$0] == yWide[($0 / k) * wide + $0 % k] })
    let a = head.backward(x, gradient: gHead, rows: m, mode: .event), b = full.backward(x, gradient: gWide, rows: m, mode: .event)
    #expect((0..<n * k).allSatisfy { a.weight[$0] == b.weight[($0 / k) * wide + $0 % k] })
    let dense = head.forward(x, rows: m, mode: .dense)
    #expect(zip(yHead, dense).allSatisfy { abs($0 - $1) < 1e-5 })
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
    // Counted sixteen at a time, then the tail: −0 is zero, a residual count is not.
    var x = [Float](repeating: 0, count: 100)
    for i in [0, 15, 16, 31, 47, 98, 99] { x[i] = i == 47 ? 2 : 1 }
    x[50] = -0.0
    #expect(DenseProjection.density(x) == 0.07)
    let layer = DenseProjection(inputs: 100, outputs: 10, seed: 1)
    #expect(layer.parameterCount == 1010)
    #expect(layer.weight.allSatisfy { abs($0) <= 0.1 })
  }
}
