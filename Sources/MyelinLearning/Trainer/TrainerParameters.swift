// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// The Trainer's tensors by name: trainable parameters (what the optimizer updates, and
/// what parameter counts count, as PyTorch does) and buffers (BN running statistics).
extension Trainer {
  /// Trainable tensors in a fixed order: each projection's weight, bias, BN γ and β in
  /// declaration order, then PLIF's w per PLIF population.
  public var parameters: [ParameterTensor] {
    var out: [ParameterTensor] = []
    for kernel in kernels { for p in kernel.parameters { out.append(ParameterTensor(p.values, decays: p.decays)) } }
    for p in network.populations.indices where isPLIF(p) { out.append(ParameterTensor([plif[p]], decays: false)) }
    return out
  }

  public var parameterNames: [String] {
    var out: [String] = []
    for (j, kernel) in kernels.enumerated() {
      for p in kernel.parameters { out.append("\(network.projections[j].name).\(p.suffix)") }
    }
    for p in network.populations.indices where isPLIF(p) { out.append("\(network.populations[p].name).plif_w") }
    return out
  }

  /// Sets the trainable tensors (``parameters`` order and sizes).
  public mutating func setParameters(_ values: [[Float]]) {
    precondition(values.count == parameters.count, "Trainer.setParameters: \(values.count) tensors for \(parameters.count)")
    var k = 0
    for j in kernels.indices {
      let n = kernels[j].parameters.count
      kernels[j].setParameters(values[k..<k + n])
      k += n
    }
    for p in network.populations.indices where isPLIF(p) {
      plif[p] = values[k][0]
      k += 1
    }
  }

  /// Lets `body` change the trainable tensors in place (an optimizer step). The kernels let
  /// go of their storage meanwhile, so the tensors are not copied on write.
  public mutating func updateParameters(_ body: (inout [ParameterTensor]) -> Void) {
    var tensors = parameters
    for j in kernels.indices {
      kernels[j].setParameters(ArraySlice(Array(repeating: [], count: kernels[j].parameters.count)))
    }
    body(&tensors)
    setParameters(tensors.map(\.values))
  }

  /// Number of trainable values (weights, biases, BN γ and β, PLIF w).
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.values.count } }

  /// Trainable parameters of projection `j`.
  public func parameterCount(projection j: Int) -> Int { kernels[j].parameterCount }

  /// Multiply-accumulates per sample and step if projection `j` ran densely.
  public func denseOperations(projection j: Int) -> Int { kernels[j].denseOperationsPerRow }

  /// Every tensor a checkpoint stores: the parameters, then the BN running statistics.
  public var state: (names: [String], tensors: [[Float]]) {
    var names = parameterNames, tensors = parameters.map(\.values)
    for (j, kernel) in kernels.enumerated() {
      guard let bn = kernel.batchNorm else { continue }
      names += ["\(network.projections[j].name).bn.running_mean", "\(network.projections[j].name).bn.running_var"]
      tensors += [bn.runningMean, bn.runningVariance]
    }
    return (names, tensors)
  }

  /// Restores ``state`` from a checkpoint; names and sizes must match this graph.
  public mutating func restore(names: [String], tensors: [[Float]]) throws(ModelError) {
    let own = state
    guard names == own.names else {
      let first = zip(names, own.names).first { $0 != $1 }.map { "'\($0.0)' where '\($0.1)' was expected" }
        ?? "\(names.count) tensors for \(own.names.count)"
      throw ModelError(field: "checkpoint tensors", problem: "do not belong to this model: \(first)",
                       allowed: "a checkpoint of the same model")
    }
    for (k, tensor) in tensors.enumerated() where tensor.count != own.tensors[k].count {
      throw ModelError(field: "checkpoint tensor '\(names[k])'", problem: "has \(tensor.count) values",
                       allowed: "\(own.tensors[k].count) for this model")
    }
    let trainable = parameters.count
    setParameters(Array(tensors[0..<trainable]))
    var k = trainable
    for j in kernels.indices where kernels[j].batchNorm != nil {
      kernels[j].batchNorm!.runningMean = tensors[k]
      kernels[j].batchNorm!.runningVariance = tensors[k + 1]
      k += 2
    }
  }
}
