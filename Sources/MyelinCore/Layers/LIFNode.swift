// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The multi-step spiking neuron of deep SNNs, as data: SpikingJelly's `MultiStepLIFNode`
/// (and IF, PLIF) in dimensionless steps. The Trainer (MyelinLearning) runs it over [T, N]
/// with BPTT; docs/training.md gives the equations.
///
///     H[t] = V[t−1] + (X[t] − (V[t−1] − V_reset)) · k   (LIF, decay_input; k = 1/τ)
///     H[t] = V[t−1] − (V[t−1] − V_reset) · k + X[t]     (LIF, decay_input = false)
///     H[t] = V[t−1] + X[t]                               (IF)
///     S[t] = Θ(H[t] − V_th)
///     V[t] = H[t]·(1 − S[t]) + V_reset·S[t]              (hard reset)
///     V[t] = H[t] − V_th·S[t]                            (soft reset)
///
/// PLIF learns k = σ(w) (Fang et al. 2021).
public struct LIFNode: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case lif(tau: Float)
    case integrateAndFire
    /// Learnable time constant: k = σ(w), initialised to 1/τ.
    case plif(initialTau: Float)
  }

  public var kind: Kind
  public var decayInput: Bool
  public var threshold: Float
  /// nil: soft reset (subtract the threshold).
  public var reset: Float?
  /// The reset path gets no gradient (SpikingJelly's `detach_reset`).
  public var detachReset: Bool
  public var surrogate: Surrogate

  public init(kind: Kind = .lif(tau: 2), decayInput: Bool = true, threshold: Float = 1, reset: Float? = 0,
              detachReset: Bool = true, surrogate: Surrogate = .standard) {
    self.kind = kind
    self.decayInput = decayInput
    self.threshold = threshold
    self.reset = reset
    self.detachReset = detachReset
    self.surrogate = surrogate
  }

  /// The initial PLIF parameter w with σ(w) = 1/τ; 0 for other kinds.
  public var initialParameter: Float {
    if case .plif(let tau) = kind { return -Foundation.log(tau - 1) }
    return 0
  }

  /// k (the leak and input factor) for a PLIF parameter `w`, or from τ.
  public func factor(_ w: Float) -> Float {
    switch kind {
    case .lif(let tau): return 1 / tau
    case .integrateAndFire: return 0
    case .plif: return 1 / (1 + Foundation.exp(-w))
    }
  }

  func validate(_ field: String) throws(ModelError) {
    switch kind {
    case .lif(let tau), .plif(let tau):
      guard tau.isFinite, tau > 1 else {
        throw ModelError(field: field + ".tau", problem: "is \(tau)", allowed: "a finite τ > 1 step")
      }
    case .integrateAndFire: break
    }
    guard threshold.isFinite, threshold > (reset ?? -.infinity) else {
      throw ModelError(field: field + ".v_threshold", problem: "is \(threshold)",
                       allowed: "finite and above v_reset \(reset.map { "\($0)" } ?? "(soft reset)")")
    }
    if let reset, !reset.isFinite {
      throw ModelError(field: field + ".v_reset", problem: "is \(reset)", allowed: "finite, or null for soft reset")
    }
    try surrogate.validate(field + ".surrogate")
  }
}
