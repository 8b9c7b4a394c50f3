// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// SpikingJelly's multi-step `layer.Dropout` on a projection's input (``Projection/dropout``):
/// one keep-or-drop draw per sample and input, the same at every time step (a neuron is
/// silenced for the whole sample, not step by step), and kept values scaled by 1/(1 − p) so
/// that evaluation, which keeps every input, sees the same mean.
struct Dropout: Sendable {
  let probability: Float
  let seed: UInt64
  /// One Philox stream per projection, keyed by the training step: a resumed run draws the
  /// same masks, and the thread count does not enter.
  let stream: UInt32

  init(probability: Double, seed: UInt64, projection index: Int) {
    self.probability = Float(probability)
    self.seed = seed
    stream = 0xB000_0000 &+ UInt32(truncatingIfNeeded: index)
  }

  /// The mask [batch, size] of training step `step`: 0 or 1/(1 − p).
  func mask(step: Int, batch: Int, size: Int) -> [Float] {
    var random = RandomSequence(philox: Philox(seed: seed), stream: stream, wideIndex: step)
    let p = Double(probability), keep = 1 / (1 - probability)
    return (0..<(batch * size)).map { _ in random.nextUniform() < p ? 0 : keep }
  }

  /// `x` [T, batch, size] with every step multiplied by the mask [batch, size]. The backward
  /// pass applies the same product to dL/dx.
  static func apply(_ mask: [Float], to x: [Float]) -> [Float] {
    var y = x
    let span = mask.count  // one time step's rows: batch × size
    guard span > 0 else { return y }
    y.withUnsafeMutableBufferPointer { yb in
      mask.withUnsafeBufferPointer { mb in
        var start = 0
        while start < yb.count {
          for i in 0..<min(span, yb.count - start) { yb[start + i] *= mb[i] }
          start += span
        }
      }
    }
    return y
  }
}
