// SPDX-License-Identifier: Apache-2.0

/// All synapses from one population to another; the edges of a ``Network``.
///
/// The sign of a weight picks the receptor: positive weights go to the excitatory
/// channel and negative ones to the inhibitory channel, as in NEST. Onto conductance
/// models the inhibitory conductance grows by |w|.
public struct Projection: Sendable, Equatable {
  public var name: String
  public var source: String
  public var target: String
  public var connector: Connector
  /// Weight in the target model's unit (pA, mV or nS). Ignored by `.explicit`.
  public var weight: ValueDistribution
  /// Delay in ms, at least one step. Ignored by `.explicit`.
  public var delay: ValueDistribution
  /// Online learning of the weights (STDP); nil keeps them fixed.
  public var plasticity: Plasticity?
  /// The connectivity kind: `sparse` (the connector above) or a deep-SNN layer.
  public var kind: ProjectionKind = .sparse
  /// Batch normalisation of the projection's output current (dense and conv2d layers):
  /// per channel (the target's first extent) over T × batch × the other extents.
  public var batchNorm = false
  /// Dropout on the projection's input in training (dense and conv2d layers), as
  /// SpikingJelly's multi-step `layer.Dropout`: each sample drops each input with this
  /// probability, with one mask for all T steps, and scales the kept ones by 1/(1 − p).
  /// Evaluation and inference use every input unscaled.
  public var dropout = 0.0

  /// A deep-SNN layer projection (see ``ProjectionKind``).
  public init(name: String? = nil, source: String, target: String, kind: ProjectionKind, batchNorm: Bool = false,
              dropout: Double = 0) {
    self.init(name: name, source: source, target: target, connector: .allToAll(), weight: .constant(0),
              delay: .constant(0))
    self.kind = kind
    self.batchNorm = batchNorm
    self.dropout = dropout
  }

  public init(
    name: String? = nil, source: String, target: String, connector: Connector,
    weight: ValueDistribution = .constant(1), delay: ValueDistribution = .constant(1),
    plasticity: Plasticity? = nil
  ) {
    self.name = name ?? "\(source)->\(target)"
    self.source = source
    self.target = target
    self.connector = connector
    self.weight = weight
    self.delay = delay
    self.plasticity = plasticity
  }
}

/// Which pairs of neurons a projection connects (NEST's connection rules).
public enum Connector: Sendable, Equatable {
  case allToAll(allowAutapses: Bool = true)
  case oneToOne
  /// Each pair independently with probability p.
  case pairwiseBernoulli(p: Double, allowAutapses: Bool = true)
  /// Each target receives exactly `indegree` synapses from random sources.
  case fixedIndegree(Int, allowAutapses: Bool = true, allowMultapses: Bool = true)
  /// Each source makes exactly `outdegree` synapses onto random targets.
  case fixedOutdegree(Int, allowAutapses: Bool = true, allowMultapses: Bool = true)
  /// Exactly `count` synapses between random pairs.
  case fixedTotalNumber(Int, allowAutapses: Bool = true, allowMultapses: Bool = true)
  /// Explicit synapse arrays.
  case explicit(SynapseList)

  public var rule: String {
    switch self {
    case .allToAll: "all_to_all"
    case .oneToOne: "one_to_one"
    case .pairwiseBernoulli: "pairwise_bernoulli"
    case .fixedIndegree: "fixed_indegree"
    case .fixedOutdegree: "fixed_outdegree"
    case .fixedTotalNumber: "fixed_total_number"
    case .explicit: "explicit"
    }
  }

  public static let rules = [
    "all_to_all", "one_to_one", "pairwise_bernoulli", "fixed_indegree", "fixed_outdegree",
    "fixed_total_number", "explicit",
  ]
}

/// Synapses given one by one: parallel arrays of source, target, weight and delay (ms).
public struct SynapseList: Sendable, Equatable {
  public var sources: [UInt32]
  public var targets: [UInt32]
  public var weights: [Double]
  public var delays: [Double]

  public init(sources: [UInt32], targets: [UInt32], weights: [Double], delays: [Double]) {
    self.sources = sources
    self.targets = targets
    self.weights = weights
    self.delays = delays
  }
}
