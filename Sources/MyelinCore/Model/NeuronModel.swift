// SPDX-License-Identifier: Apache-2.0

/// The dynamics of a population. LIF models follow the NEST models of the same name,
/// with NEST's parameter names, defaults and units (ms, mV, pA, nS, pF).
public enum NeuronModel: Sendable, Equatable {
  /// LIF with exponential current synapses, integrated exactly (NEST `iaf_psc_exp`).
  case iafPscExp(IafPscExp)
  /// LIF whose synaptic input is a jump of V_m by the weight in mV (NEST `iaf_psc_delta`).
  case iafPscDelta(IafPscDelta)
  /// Conductance-based LIF with exponential conductances (NEST `iaf_cond_exp`).
  case iafCondExp(IafCondExp)
  /// Independent Poisson trains, at most one spike per neuron and step (rate in Hz).
  case poissonGenerator(rate: Double)
  /// Explicit spike times in ms, one list per neuron.
  case spikeGenerator(spikeTimes: [[Double]])
  /// Deep-SNN nodes, run by the Trainer over [T × batch] (docs/training.md):
  /// multi-step LIF, IF or PLIF neurons with SpikingJelly's semantics,
  case lifNode(LIFNode)
  /// a non-spiking read-out whose output is its input current (averaged over time by the loss),
  case readout
  /// a node whose output is the sum of what its projections deliver, without dynamics
  /// (pooled spikes, a residual stream, a reshape),
  case sum
  /// and the data fed in at every step (an image, or encoded spikes).
  case input

  /// The name used in model files (NEST's name).
  public var name: String {
    switch self {
    case .iafPscExp: "iaf_psc_exp"
    case .iafPscDelta: "iaf_psc_delta"
    case .iafCondExp: "iaf_cond_exp"
    case .poissonGenerator: "poisson_generator"
    case .spikeGenerator: "spike_generator"
    case .lifNode(let node):
      switch node.kind {
      case .lif: "lif_node"
      case .integrateAndFire: "if_node"
      case .plif: "plif_node"
      }
    case .readout: "readout"
    case .sum: "sum"
    case .input: "input"
    }
  }

  public static let names = [
    "iaf_psc_exp", "iaf_psc_delta", "iaf_cond_exp", "poisson_generator", "spike_generator",
  ]

  /// Whether the Trainer runs this node (a deep-SNN layer) rather than the Simulation.
  public var isLayerNode: Bool {
    switch self {
    case .lifNode, .readout, .sum, .input: true
    case .iafPscExp, .iafPscDelta, .iafCondExp, .poissonGenerator, .spikeGenerator: false
    }
  }

  /// The state variables the model has, which may be given initial values.
  public var stateVariables: [StateVariable] {
    switch self {
    case .iafPscExp: [.V_m, .I_syn_ex, .I_syn_in]
    case .iafPscDelta: [.V_m]
    case .iafCondExp: [.V_m, .g_ex, .g_in]
    case .poissonGenerator, .spikeGenerator, .lifNode, .readout, .sum, .input: []
    }
  }

  /// The resting value of each state variable before initial values apply.
  func restingValue(_ variable: StateVariable) -> Double {
    switch (self, variable) {
    case (.iafPscExp(let p), .V_m): p.E_L
    case (.iafPscDelta(let p), .V_m): p.E_L
    case (.iafCondExp(let p), .V_m): p.E_L
    default: 0
    }
  }

  /// Whether spikes onto this model need separate excitatory and inhibitory channels.
  var receptorChannels: Int {
    switch self {
    case .iafPscExp, .iafCondExp: 2
    case .iafPscDelta, .lifNode, .readout, .sum: 1
    case .poissonGenerator, .spikeGenerator, .input: 0
    }
  }

  /// The unit of a synaptic weight onto this model.
  public var weightUnit: String {
    switch self {
    case .iafPscExp: "pA"
    case .iafPscDelta: "mV"
    case .iafCondExp: "nS"
    case .poissonGenerator, .spikeGenerator, .lifNode, .readout, .sum, .input: "-"
    }
  }

  public var isSource: Bool { receptorChannels == 0 }

  func validate(_ field: String, size: Int) throws(ModelError) {
    switch self {
    case .iafPscExp(let p): try p.validate(field + ".params")
    case .iafPscDelta(let p): try p.validate(field + ".params")
    case .iafCondExp(let p): try p.validate(field + ".params")
    case .poissonGenerator(let rate): try Check.nonNegative(rate, field + ".rate", unit: "Hz")
    case .spikeGenerator(let times):
      guard times.count == size else {
        throw ModelError(field: field + ".spike_times", problem: "has \(times.count) lists",
                         allowed: "one list per neuron: \(size)")
      }
      for (i, list) in times.enumerated() {
        for (k, t) in list.enumerated() {
          try Check.positive(t, "\(field).spike_times[\(i)][\(k)]", unit: "ms")
        }
      }
    case .lifNode(let node): try node.validate(field + ".params")
    case .readout, .sum, .input: break
    }
  }
}

/// State variables that can be initialised and, later, recorded.
public enum StateVariable: String, Sendable, CaseIterable {
  case V_m, I_syn_ex, I_syn_in, g_ex, g_in
}

/// Parameters shared by the three LIF models.
private func validateLIF(
  _ field: String, C_m: Double, tau_m: Double, t_ref: Double, V_th: Double, V_reset: Double,
  E_L: Double, I_e: Double
) throws(ModelError) {
  try Check.positive(C_m, field + ".C_m", unit: "pF")
  try Check.positive(tau_m, field + ".tau_m", unit: "ms")
  try Check.nonNegative(t_ref, field + ".t_ref", unit: "ms")
  try Check.finite(V_th, field + ".V_th")
  try Check.finite(E_L, field + ".E_L")
  try Check.finite(I_e, field + ".I_e")
  try Check.finite(V_reset, field + ".V_reset")
  guard V_reset < V_th else {
    throw ModelError(field: field + ".V_reset", problem: "is \(V_reset) mV, not below V_th \(V_th)",
                     allowed: "V_reset < V_th")
  }
}

/// NEST `iaf_psc_exp`. Defaults are NEST's.
public struct IafPscExp: Sendable, Equatable {
  public var C_m = 250.0  // pF
  public var tau_m = 10.0  // ms
  public var tau_syn_ex = 2.0  // ms
  public var tau_syn_in = 2.0  // ms
  public var t_ref = 2.0  // ms
  public var E_L = -70.0  // mV
  public var V_reset = -70.0  // mV
  public var V_th = -55.0  // mV
  public var I_e = 0.0  // pA
  public init() {}

  func validate(_ field: String) throws(ModelError) {
    try validateLIF(field, C_m: C_m, tau_m: tau_m, t_ref: t_ref, V_th: V_th, V_reset: V_reset,
                    E_L: E_L, I_e: I_e)
    try Check.positive(tau_syn_ex, field + ".tau_syn_ex", unit: "ms")
    try Check.positive(tau_syn_in, field + ".tau_syn_in", unit: "ms")
  }
}

/// NEST `iaf_psc_delta`. Spikes arriving during the refractory period are discarded.
public struct IafPscDelta: Sendable, Equatable {
  public var C_m = 250.0  // pF
  public var tau_m = 10.0  // ms
  public var t_ref = 2.0  // ms
  public var E_L = -70.0  // mV
  public var V_reset = -70.0  // mV
  public var V_th = -55.0  // mV
  public var V_min = -Double.infinity  // mV, lower bound of V_m
  public var I_e = 0.0  // pA
  public init() {}

  func validate(_ field: String) throws(ModelError) {
    try validateLIF(field, C_m: C_m, tau_m: tau_m, t_ref: t_ref, V_th: V_th, V_reset: V_reset,
                    E_L: E_L, I_e: I_e)
    guard !V_min.isNaN, V_min < V_th else {
      throw ModelError(field: field + ".V_min", problem: "is \(V_min)", allowed: "V_min < V_th")
    }
  }
}

/// NEST `iaf_cond_exp`. Defaults are NEST's.
public struct IafCondExp: Sendable, Equatable {
  public var C_m = 250.0  // pF
  public var g_L = 16.6667  // nS
  public var t_ref = 2.0  // ms
  public var E_L = -70.0  // mV
  public var E_ex = 0.0  // mV
  public var E_in = -85.0  // mV
  public var V_reset = -60.0  // mV
  public var V_th = -55.0  // mV
  public var tau_syn_ex = 0.2  // ms
  public var tau_syn_in = 2.0  // ms
  public var I_e = 0.0  // pA
  public init() {}

  public var tau_m: Double { C_m / g_L }

  func validate(_ field: String) throws(ModelError) {
    try Check.positive(g_L, field + ".g_L", unit: "nS")
    try validateLIF(field, C_m: C_m, tau_m: C_m / g_L, t_ref: t_ref, V_th: V_th,
                    V_reset: V_reset, E_L: E_L, I_e: I_e)
    try Check.finite(E_ex, field + ".E_ex")
    try Check.finite(E_in, field + ".E_in")
    try Check.positive(tau_syn_ex, field + ".tau_syn_ex", unit: "ms")
    try Check.positive(tau_syn_in, field + ".tau_syn_in", unit: "ms")
  }
}
