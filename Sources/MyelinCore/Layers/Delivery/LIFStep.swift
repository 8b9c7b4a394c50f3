// SPDX-License-Identifier: Apache-2.0

/// One step of a deep-SNN LIF node, shared by both executors (DESIGN.md §1): the Trainer
/// calls it for each of its T steps over batch × features neurons, ``LayerSimulation`` once
/// per step. SpikingJelly's semantics: charge H = V + (X − (V − V_reset))·k (decay_input),
/// V − (V − V_reset)·k + X (without), or V + X (IF); fire S = [H ≥ V_th]; reset to V_reset
/// (hard) or subtract V_th (soft).
extension LIFNode {
  /// Advances neurons `range`: reads the input X, writes H and S, updates V in place.
  /// `factor` is k (``factor(_:)``, which takes PLIF's w).
  @inlinable
  public func advance(_ range: Range<Int>, input x: UnsafePointer<Float>, charge h: UnsafeMutablePointer<Float>,
                      spikes s: UnsafeMutablePointer<Float>, potential v: UnsafeMutablePointer<Float>, factor k: Float) {
    let vr = reset ?? 0, th = threshold, hard = reset != nil
    let isIF = kind == .integrateAndFire, decay = decayInput
    // Constant flags, so that each call inlines into a branch-free, vectorised loop.
    switch (isIF, decay, hard) {
    case (true, _, true): Self.step(range, x, h, s, v, k, vr, th, isIF: true, decay: false, hard: true)
    case (true, _, false): Self.step(range, x, h, s, v, k, vr, th, isIF: true, decay: false, hard: false)
    case (false, true, true): Self.step(range, x, h, s, v, k, vr, th, isIF: false, decay: true, hard: true)
    case (false, true, false): Self.step(range, x, h, s, v, k, vr, th, isIF: false, decay: true, hard: false)
    case (false, false, true): Self.step(range, x, h, s, v, k, vr, th, isIF: false, decay: false, hard: true)
    case (false, false, false): Self.step(range, x, h, s, v, k, vr, th, isIF: false, decay: false, hard: false)
    }
  }

  @inlinable @inline(__always)
  static func step(_ range: Range<Int>, _ xp: UnsafePointer<Float>, _ hp: UnsafeMutablePointer<Float>,
                   _ sp: UnsafeMutablePointer<Float>, _ vp: UnsafeMutablePointer<Float>, _ k: Float, _ vr: Float, _ th: Float,
                   isIF: Bool, decay: Bool, hard: Bool) {
    for i in range {
      let vi = vp[i]
      let hv = isIF ? vi + xp[i] : decay ? vi + (xp[i] - (vi - vr)) * k : vi - (vi - vr) * k + xp[i]
      let spike: Float = hv - th >= 0 ? 1 : 0
      hp[i] = hv
      sp[i] = spike
      vp[i] = hard ? hv * (1 - spike) + vr * spike : hv - th * spike
    }
  }
}
