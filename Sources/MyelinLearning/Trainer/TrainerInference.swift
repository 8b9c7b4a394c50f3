// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Hands a trained model to the Simulation executor for step-major inference.
extension Trainer {
  /// Every projection's trained values in evaluation mode: weights, bias (zeros without
  /// one), and BatchNorm as its running-statistics affine.
  public var layerWeights: [LayerWeights?] {
    kernels.map { kernel in
      var w: LayerWeights?
      switch kernel.operation {
      case .dense(let p): w = LayerWeights(weight: p.weight, bias: p.bias)
      case .conv(let p): w = LayerWeights(weight: p.weight, bias: p.bias)
      case .pool, .copy, .attention: w = nil
      }
      if let bn = kernel.batchNorm {
        let (scale, shift) = bn.affine
        if w == nil { w = LayerWeights() }
        w?.scale = scale
        w?.shift = shift
      }
      return w
    }
  }

  /// The trained model as a ``LayerSimulation``: one sample at a time, step by step,
  /// delivering only spikes. Its spikes equal this Trainer's evaluation forward pass in
  /// event mode (``ForwardMode/event``).
  public func layerSimulation() throws(ModelError) -> LayerSimulation {
    var trained: [String: Float] = [:]
    for p in network.populations.indices where isPLIF(p) { trained[network.populations[p].name] = plif[p] }
    return try LayerSimulation(network: network, weights: layerWeights, plif: trained)
  }
}
