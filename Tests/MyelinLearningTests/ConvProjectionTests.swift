// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import Testing

/// Convolutions against a direct double-precision evaluation, event against dense paths,
/// and gradients against finite differences; with stride, padding and groups.
struct ConvProjectionTests {
  /// (C_in, C_out, kernel, stride, padding, groups, H, W)
  static let shapes: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
    (3, 4, 3, 1, 1, 1, 6, 5), (4, 6, 3, 2, 1, 2, 7, 7), (4, 4, 3, 1, 1, 4, 5, 5), (2, 3, 2, 2, 0, 1, 6, 6),
    (4, 6, 1, 1, 0, 2, 3, 5),  // pointwise (Spikformer's linear layers over tokens), grouped
    // Stride 1, whose taps the event path bounds without division: no padding with an even
    // kernel, and a kernel wider than the image.
    (2, 3, 2, 1, 0, 1, 5, 7), (1, 2, 5, 1, 2, 1, 4, 6),
  ]

  static func layer(_ s: (Int, Int, Int, Int, Int, Int, Int, Int)) throws -> ConvProjection {
    try ConvProjection(inChannels: s.0, outChannels: s.1, kernel: s.2, stride: s.3, padding: s.4, groups: s.5,
                       height: s.6, width: s.7, seed: 11)
  }

  /// y[r, o, oy, ox] = b[o] + Σ_{c in o's group, ky, kx} W[o, c', ky, kx]·x[r, c, oy·s − p + ky, ox·s − p + kx].
  static func reference(_ l: ConvProjection, _ x: [Float], rows m: Int) -> [Double] {
    let gi = l.inChannels / l.groups, go = l.outChannels / l.groups, k = l.kernel
    var y = [Double](repeating: 0, count: m * l.outputSize)
    for r in 0..<m {
      for o in 0..<l.outChannels {
        let g = o / go
        for oy in 0..<l.outHeight {
          for ox in 0..<l.outWidth {
            var sum = Double(l.bias[o])
            for cl in 0..<gi {
              let c = g * gi + cl
              for ky in 0..<k {
                for kx in 0..<k {
                  let iy = oy * l.stride - l.padding + ky, ix = ox * l.stride - l.padding + kx
                  guard iy >= 0, iy < l.height, ix >= 0, ix < l.width else { continue }
                  sum += Double(l.weight[((o * gi + cl) * k + ky) * k + kx])
                    * Double(x[((r * l.inChannels + c) * l.height + iy) * l.width + ix])
                }
              }
            }
            y[((r * l.outChannels + o) * l.outHeight + oy) * l.outWidth + ox] = sum
          }
        }
      }
    }
    return y
  }

  static func spikes(_ count: Int, density: Double, seed: UInt32) -> [Float] {
    var random = RandomSequence(philox: Philox(seed: 4), stream: seed, index: 0)
    return (0..<count).map { _ in random.nextUniform() < density ? 1 : 0 }
  }

  /// On spikes, and on residual sums (0, 1 or 2), whose taps the event path scales.
  @Test(arguments: shapes.indices, [false, true])
  func bothPathsMatchTheDirectEvaluation(shape: Int, sums: Bool) throws {
    let l = try Self.layer(Self.shapes[shape])
    let m = 3
    var x = Self.spikes(m * l.inputSize, density: 0.2, seed: UInt32(shape))
    if sums { x = zip(x, Self.spikes(x.count, density: 0.2, seed: 100 + UInt32(shape))).map(+) }
    let want = Self.reference(l, x, rows: m)
    for mode in [ForwardMode.event, .dense] {
      let y = l.forward(x, rows: m, mode: mode)
      let error = zip(y, want).map { abs(Double($0) - $1) }.max() ?? 0
      #expect(error < 1e-5, "\(mode) differs from the direct sum by \(error)")
    }
    var random = RandomSequence(philox: Philox(seed: 6), stream: 2, index: 0)
    let gy = (0..<m * l.outputSize).map { _ in Float(random.nextNormal()) }
    let a = l.backward(x, gradient: gy, rows: m, mode: .event), b = l.backward(x, gradient: gy, rows: m, mode: .dense)
    let gwError = zip(a.weight, b.weight).map { abs($0 - $1) }.max() ?? 0
    #expect(gwError < 1e-4, "weight gradients differ by \(gwError)")
    #expect(a.input == b.input && a.bias == b.bias)
  }

  @Test(arguments: shapes.indices)
  func gradientsMatchFiniteDifferences(shape: Int) throws {
    var l = try Self.layer(Self.shapes[shape])
    let m = 2
    var random = RandomSequence(philox: Philox(seed: 8), stream: UInt32(shape), index: 0)
    let x = (0..<m * l.inputSize).map { _ in Float(random.nextNormal()) }
    let c = (0..<m * l.outputSize).map { _ in random.nextNormal() }
    func loss(_ l: ConvProjection, _ x: [Float]) -> Double { zip(Self.reference(l, x, rows: m), c).reduce(0) { $0 + $1.0 * $1.1 } }
    let g = l.backward(x, gradient: c.map { Float($0) }, rows: m, mode: .dense)
    let h: Float = 1e-2
    for j in stride(from: 0, to: l.weight.count, by: max(l.weight.count / 7, 1)) {
      let saved = l.weight[j]
      l.weight[j] = saved + h
      let up = loss(l, x)
      l.weight[j] = saved - h
      let numeric = (up - loss(l, x)) / Double(2 * h)
      l.weight[j] = saved
      #expect(abs(Double(g.weight[j]) - numeric) < 1e-3 * max(1, abs(numeric)), "dW[\(j)]: \(g.weight[j]) vs \(numeric)")
    }
    for j in stride(from: 0, to: x.count, by: max(x.count / 9, 1)) {
      var xp = x, xm = x
      xp[j] += h
      xm[j] -= h
      let numeric = (loss(l, xp) - loss(l, xm)) / Double(2 * h)
      #expect(abs(Double(g.input[j]) - numeric) < 1e-3 * max(1, abs(numeric)), "dX[\(j)]: \(g.input[j]) vs \(numeric)")
    }
    let gb0 = (0..<m).reduce(0.0) { r, row in r + (0..<(l.outHeight * l.outWidth)).reduce(0.0) { $0 + c[(row * l.outChannels) * l.outHeight * l.outWidth + $1] } }
    #expect(abs(Double(g.bias[0]) - gb0) < 1e-4 * max(1, abs(gb0)))
  }

  /// `auto` keeps a k × k convolution on the event path up to 20% input density, and a
  /// pointwise one up to the dense layers' 10%.
  @Test func autoThresholdDependsOnTheKernel() throws {
    let wide = try ConvProjection(inChannels: 2, outChannels: 2, kernel: 3, padding: 1, height: 5, width: 4, seed: 1)
    let pointwise = try ConvProjection(inChannels: 2, outChannels: 2, kernel: 1, height: 5, width: 4, seed: 1)
    let x = (0..<40).map { $0 % 20 < 3 ? Float(1) : 0 }  // 15% non-zero
    #expect(DenseProjection.resolve(.auto, input: x, threshold: wide.eventThreshold) == .event)
    #expect(DenseProjection.resolve(.auto, input: x, threshold: pointwise.eventThreshold) == .dense)
    let y = (0..<40).map { $0 % 20 < 5 ? Float(1) : 0 }  // 25%
    #expect(DenseProjection.resolve(.auto, input: y, threshold: wide.eventThreshold) == .dense)
  }

  @Test func badShapesAreErrors() {
    #expect(throws: ModelError.self) { try ConvProjection(inChannels: 3, outChannels: 4, kernel: 3, groups: 2, height: 5, width: 5, seed: 1) }
    #expect(throws: ModelError.self) { try ConvProjection(inChannels: 2, outChannels: 2, kernel: 9, height: 5, width: 5, seed: 1) }
    #expect(throws: ModelError.self) { try ConvProjection(inChannels: 2, outChannels: 2, kernel: 3, stride: 0, height: 5, width: 5, seed: 1) }
  }
}
