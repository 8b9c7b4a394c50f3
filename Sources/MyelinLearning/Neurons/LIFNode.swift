// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Multi-step spiking neurons for deep SNNs, with SpikingJelly's semantics
/// (`MultiStepLIFNode`; docs/training.md gives the equations). Inputs and outputs are
/// [T, N] row-major: T time steps of N neurons (batch × features). State starts at V_reset
/// for every sample.
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

  /// What the backward pass needs: H at every step.
  public struct Record: Sendable {
    public var h: [Float]
    public var spikes: [Float]
  }

  /// k (the leak and input factor) for a PLIF parameter `w`, or from τ.
  func factor(_ w: Float) -> Float {
    switch kind {
    case .lif(let tau): return 1 / tau
    case .integrateAndFire: return 0
    case .plif: return 1 / (1 + Foundation.exp(-w))
    }
  }

  /// Runs T steps over N neurons. `parameter` is PLIF's w (ignored otherwise).
  public func forward(_ x: [Float], steps T: Int, parameter w: Float = 0) -> Record {
    let n = T > 0 ? x.count / T : 0
    var h = [Float](repeating: 0, count: x.count), s = [Float](repeating: 0, count: x.count)
    var v = [Float](repeating: reset ?? 0, count: n)
    let k = factor(w), vr = reset ?? 0, isIF = kind == .integrateAndFire
    for t in 0..<T {
      for i in 0..<n {
        let o = t * n + i
        let hv: Float
        if isIF {
          hv = v[i] + x[o]
        } else if decayInput {
          hv = v[i] + (x[o] - (v[i] - vr)) * k
        } else {
          hv = v[i] - (v[i] - vr) * k + x[o]
        }
        let spike: Float = hv - threshold >= 0 ? 1 : 0
        h[o] = hv
        s[o] = spike
        v[i] = reset.map { hv * (1 - spike) + $0 * spike } ?? hv - threshold * spike
      }
    }
    return Record(h: h, spikes: s)
  }

  /// BPTT: given dL/dS [T, N], returns dL/dX [T, N] and dL/dw (PLIF; 0 otherwise).
  public func backward(_ record: Record, input x: [Float], gradient gS: [Float], steps T: Int,
                       parameter w: Float = 0) -> (input: [Float], parameter: Float) {
    let n = T > 0 ? gS.count / T : 0
    var gX = [Float](repeating: 0, count: gS.count)
    var gV = [Float](repeating: 0, count: n)  // dL/dV[t], flowing back from step t + 1
    let k = factor(w), vr = reset ?? 0, isIF = kind == .integrateAndFire
    var gW: Float = 0
    for t in stride(from: T - 1, through: 0, by: -1) {
      for i in 0..<n {
        let o = t * n + i
        let hv = record.h[o], spike = record.spikes[o]
        let dS = surrogate.derivative(hv - threshold)
        // dV[t]/dH[t], with or without the reset path's gradient.
        let dV: Float
        if let reset {
          dV = (1 - spike) + (detachReset ? 0 : (reset - hv) * dS)
        } else {
          dV = 1 - (detachReset ? 0 : threshold * dS)
        }
        let gH = gS[o] * dS + gV[i] * dV
        // H[t] from V[t−1] and X[t].
        let vPrevious: Float
        if t == 0 {
          vPrevious = vr
        } else {
          let p = o - n
          vPrevious = reset.map { record.h[p] * (1 - record.spikes[p]) + $0 * record.spikes[p] }
            ?? record.h[p] - threshold * record.spikes[p]
        }
        if isIF {
          gX[o] = gH
          gV[i] = gH
        } else if decayInput {
          gX[o] = gH * k
          gV[i] = gH * (1 - k)
          if case .plif = kind { gW += gH * (x[o] - (vPrevious - vr)) * k * (1 - k) }
        } else {
          gX[o] = gH
          gV[i] = gH * (1 - k)
          if case .plif = kind { gW -= gH * (vPrevious - vr) * k * (1 - k) }
        }
      }
    }
    return (gX, gW)
  }
}
