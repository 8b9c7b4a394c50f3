// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// How a batch of images becomes T steps of network input.
public enum InputEncoding: String, Sendable, CaseIterable {
  /// The analog image repeated T times (the first layer sees it as a current), as
  /// SpikingJelly's and Spikformer's recipes do.
  case direct
  /// Rate coding: at each step a pixel spikes with probability equal to its intensity in
  /// [0, 1] (a Bernoulli draw per step, the discrete-time Poisson process).
  case poisson

  /// Inputs for T steps, [T, batch values] row-major. `poisson` expects intensities in
  /// [0, 1] (``Normalization/unit(channels:)``); values outside are clamped. Draws come from
  /// Philox keyed by (seed, step of training, value), so they do not depend on threads.
  public func encode(_ inputs: [Float], timeSteps: Int, seed: UInt64, trainingStep: Int) -> [Float] {
    let n = inputs.count
    var out = [Float](repeating: 0, count: n * max(timeSteps, 0))
    guard timeSteps > 0 else { return out }
    switch self {
    case .direct:
      for t in 0..<timeSteps { out.replaceSubrange(t * n..<(t + 1) * n, with: inputs) }
    case .poisson:
      let philox = Philox(seed: seed)
      for t in 0..<timeSteps {
        var random = RandomSequence(
          philox: philox, stream: UInt32(truncatingIfNeeded: 0x7000_0000 + t & 0xFFFF), wideIndex: trainingStep)
        for i in 0..<n {
          let p = Double(min(max(inputs[i], 0), 1))
          out[t * n + i] = random.nextUniform() < p ? 1 : 0
        }
      }
    }
    return out
  }
}
