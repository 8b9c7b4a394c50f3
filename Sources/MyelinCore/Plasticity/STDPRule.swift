// SPDX-License-Identifier: Apache-2.0

/// Online plasticity of a sparse projection, applied in the *learn* phase of every step.
///
/// Timing follows NEST's convention for dendritic delays: a presynaptic spike is seen by
/// the synapse at its emission time, a postsynaptic spike `dendriticDelay` later. A pair's
/// Δt is `t_post + dendriticDelay − t_pre`; pairs with Δt = 0 are not counted (as in NEST).
/// Weights stay within `[wMin, wMax]`, with `0 <= wMin <= wMax`.
public struct Plasticity: Sendable, Equatable {
  public var rule: STDPRule
  /// ms; nil means the projection's delay (which must then be the same for every synapse).
  public var dendriticDelay: Double?

  public init(_ rule: STDPRule, dendriticDelay: Double? = nil) {
    self.rule = rule
    self.dendriticDelay = dendriticDelay
  }
}

/// The plasticity rules (closed set).
public enum STDPRule: Sendable, Equatable {
  /// Pair-based STDP with synaptic traces (NEST's `stdp_synapse` and its nearest-neighbour
  /// variants).
  case pair(PairSTDP)
  /// Pfister & Gerstner (2006), minimal all-to-all triplet model (NEST's `stdp_triplet_synapse`).
  case triplet(TripletSTDP)
  /// Three-factor rule: eligibility trace × neuromodulator (Izhikevich 2007; NEST's
  /// `stdp_dopamine_synapse`).
  case rewardModulated(RewardSTDP)

  public var name: String {
    switch self {
    case .pair: "stdp"
    case .triplet: "stdp_triplet"
    case .rewardModulated: "stdp_dopamine"
    }
  }

  public var bounds: WeightBounds {
    switch self {
    case .pair(let r): r.bounds
    case .triplet(let r): r.bounds
    case .rewardModulated(let r): r.bounds
    }
  }
}

/// Which spike pairs interact (Morrison, Diesmann & Gerstner 2008, Fig. 7).
public enum PairingScheme: String, Sendable, Equatable, CaseIterable {
  /// Every pre spike with every post spike.
  case allToAll = "all_to_all"
  /// Each post spike with the nearest preceding pre spike, each pre spike with the nearest
  /// preceding post spike (NEST `stdp_nn_symm_synapse`).
  case nearestSymmetric = "nearest_symmetric"
  /// Each pre spike with the nearest preceding post spike and with the nearest following
  /// one (NEST `stdp_nn_pre_centered_synapse`).
  case nearestPreCentered = "nearest_pre_centered"
  /// As symmetric, but a pair counts only if no spike of the same neuron came between
  /// (NEST `stdp_nn_restr_synapse`).
  case nearestRestricted = "nearest_restricted"
}

/// Hard bounds, in the weight's unit.
public struct WeightBounds: Sendable, Equatable {
  public var wMin: Double
  public var wMax: Double
  public init(wMin: Double = 0, wMax: Double) {
    self.wMin = wMin
    self.wMax = wMax
  }
}

/// Pair-based STDP. With `x` the presynaptic and `y` the postsynaptic trace (each jumping
/// at its neuron's spikes and decaying with τ+ and τ−), and ŵ = (w − wMin)/(wMax − wMin):
/// at a post spike w += A+·(1 − ŵ)^μ+·x, at a pre spike w −= A−·ŵ^μ−·y, then w is clipped
/// to the bounds. μ = 0 is additive STDP, μ = 1 multiplicative (Gütig et al. 2003).
/// NEST's λ, α and Wmax map to A+ = λ·Wmax and A− = α·λ·Wmax.
public struct PairSTDP: Sendable, Equatable {
  public var tauPlus: Double
  public var tauMinus: Double
  public var aPlus: Double
  public var aMinus: Double
  public var muPlus: Double
  public var muMinus: Double
  public var bounds: WeightBounds
  public var scheme: PairingScheme

  public init(tauPlus: Double = 20, tauMinus: Double = 20, aPlus: Double, aMinus: Double,
              muPlus: Double = 0, muMinus: Double = 0, bounds: WeightBounds,
              scheme: PairingScheme = .allToAll) {
    self.tauPlus = tauPlus
    self.tauMinus = tauMinus
    self.aPlus = aPlus
    self.aMinus = aMinus
    self.muPlus = muPlus
    self.muMinus = muMinus
    self.bounds = bounds
    self.scheme = scheme
  }
}

/// Pfister & Gerstner (2006), all-to-all. Pre traces r1 (τ+), r2 (τx); post traces o1 (τ−),
/// o2 (τy). At a post spike w += r1·(A2+ + A3+·o2), at a pre spike w −= o1·(A2− + A3−·r2),
/// where o2 and r2 are read just before their own neuron's spike; then clipped.
/// Defaults are NEST's `stdp_triplet_synapse` (and the neuron's τ−, τ_minus_triplet).
public struct TripletSTDP: Sendable, Equatable {
  public var tauPlus: Double = 16.8
  public var tauX: Double = 101
  public var tauMinus: Double = 20
  public var tauY: Double = 110
  public var aPlus2: Double = 5e-10
  public var aPlus3: Double = 6.2e-3
  public var aMinus2: Double = 7e-3
  public var aMinus3: Double = 2.3e-4
  public var bounds: WeightBounds

  public init(bounds: WeightBounds) { self.bounds = bounds }
}

/// Three-factor STDP. Pair events change an eligibility trace c (c += A+·x at post spikes,
/// c −= A−·y at pre spikes; c decays with τc). Spikes of the `modulator` population raise
/// the neuromodulator n by 1/τn each (n decays with τn), and dw/dt = c·(n − b), integrated
/// exactly between events, then clipped. Defaults are NEST's `stdp_dopamine_synapse`.
public struct RewardSTDP: Sendable, Equatable {
  public var tauPlus: Double = 20
  public var tauMinus: Double = 20
  public var aPlus: Double = 1
  public var aMinus: Double = 1.5
  public var tauC: Double = 1000
  public var tauN: Double = 200
  /// Baseline neuromodulator level.
  public var b: Double = 0
  public var bounds: WeightBounds
  /// The population whose spikes carry the neuromodulator (NEST's volume transmitter).
  public var modulator: String

  public init(modulator: String, bounds: WeightBounds) {
    self.modulator = modulator
    self.bounds = bounds
  }
}

extension Plasticity {
  /// Checks parameters and the projection it sits on; `network` resolves names.
  func validate(_ field: String, projection: Projection, network: Network) throws(ModelError) {
    let bounds = rule.bounds
    try Check.nonNegative(bounds.wMin, field + ".w_min", unit: "")
    try Check.finite(bounds.wMax, field + ".w_max")
    guard bounds.wMax >= bounds.wMin else {
      throw ModelError(field: field + ".w_max", problem: "is \(bounds.wMax), below w_min = \(bounds.wMin)",
                       allowed: ">= w_min")
    }
    if let d = dendriticDelay { try Check.nonNegative(d, field + ".dendritic_delay", unit: "ms") }
    switch rule {
    case .pair(let r):
      for (value, name) in [(r.tauPlus, "tau_plus"), (r.tauMinus, "tau_minus")] {
        try Check.positive(value, "\(field).\(name)", unit: "ms")
      }
      for (value, name) in [(r.aPlus, "A_plus"), (r.aMinus, "A_minus"), (r.muPlus, "mu_plus"), (r.muMinus, "mu_minus")] {
        try Check.nonNegative(value, "\(field).\(name)", unit: "")
      }
    case .triplet(let r):
      for (value, name) in [(r.tauPlus, "tau_plus"), (r.tauX, "tau_plus_triplet"), (r.tauMinus, "tau_minus"),
                            (r.tauY, "tau_minus_triplet")] {
        try Check.positive(value, "\(field).\(name)", unit: "ms")
      }
      for (value, name) in [(r.aPlus2, "A2_plus"), (r.aPlus3, "A3_plus"), (r.aMinus2, "A2_minus"), (r.aMinus3, "A3_minus")] {
        try Check.nonNegative(value, "\(field).\(name)", unit: "")
      }
    case .rewardModulated(let r):
      for (value, name) in [(r.tauPlus, "tau_plus"), (r.tauMinus, "tau_minus"), (r.tauC, "tau_c"), (r.tauN, "tau_n")] {
        try Check.positive(value, "\(field).\(name)", unit: "ms")
      }
      for (value, name) in [(r.aPlus, "A_plus"), (r.aMinus, "A_minus")] {
        try Check.nonNegative(value, "\(field).\(name)", unit: "")
      }
      try Check.finite(r.b, field + ".b")
      guard network.populationIndex(named: r.modulator) != nil else {
        throw ModelError(field: field + ".modulator", problem: "unknown population '\(r.modulator)'",
                         allowed: network.populations.map(\.name).joined(separator: ", "))
      }
    }
    if case .explicit = projection.connector {
      // Explicit weights are checked against the bounds when built.
    } else {
      let (lo, hi) = projection.weight.bounds
      guard lo >= bounds.wMin - 1e-12 * abs(bounds.wMin), hi <= bounds.wMax + 1e-12 * abs(bounds.wMax) else {
        throw ModelError(field: field.replacingOccurrences(of: ".plasticity", with: ".weight"),
                         problem: "initial weights span [\(lo), \(hi)], outside the plasticity bounds",
                         allowed: "within [w_min, w_max] = [\(bounds.wMin), \(bounds.wMax)]")
      }
    }
  }
}
