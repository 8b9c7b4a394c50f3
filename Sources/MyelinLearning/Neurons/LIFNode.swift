// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore

/// The Trainer's kernels for ``LIFNode`` (defined in MyelinCore as graph data): the forward
/// pass over [T, N] row-major (T steps of N = batch × features neurons, state starting at
/// V_reset for every sample) and BPTT with surrogate gradients.
extension LIFNode {
  /// What the backward pass needs: H at every step.
  public struct Record: Sendable {
    public var h: [Float]
    public var spikes: [Float]
  }

  /// Runs T steps over N neurons. `parameter` is PLIF's w (ignored otherwise).
  public func forward(_ x: [Float], steps T: Int, parameter w: Float = 0) -> Record {
    let n = T > 0 ? x.count / T : 0
    var h = [Float](repeating: 0, count: x.count), s = [Float](repeating: 0, count: x.count)
    var v = [Float](repeating: reset ?? 0, count: n)
    let k = factor(w), vr = reset ?? 0, th = threshold, hard = reset != nil
    let isIF = kind == .integrateAndFire, decay = decayInput
    x.withUnsafeBufferPointer { xb in
      h.withUnsafeMutableBufferPointer { hb in
        s.withUnsafeMutableBufferPointer { sb in
          v.withUnsafeMutableBufferPointer { vp in
            for t in 0..<T {
              let xp = xb.baseAddress! + t * n, hp = hb.baseAddress! + t * n, sp = sb.baseAddress! + t * n
              // The branches are loop-invariant; the compiler unswitches them.
              for i in 0..<n {
                let vi = vp[i]
                let hv = isIF ? vi + xp[i] : decay ? vi + (xp[i] - (vi - vr)) * k : vi - (vi - vr) * k + xp[i]
                let spike: Float = hv - th >= 0 ? 1 : 0
                hp[i] = hv
                sp[i] = spike
                vp[i] = hard ? hv * (1 - spike) + vr * spike : hv - th * spike
              }
            }
          }
        }
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
    let k = factor(w), vr = reset ?? 0, th = threshold, hard = reset != nil, detach = detachReset
    let isIF = kind == .integrateAndFire, decay = decayInput, isPLIF = if case .plif = kind { true } else { false }
    let surrogate = surrogate
    var gW: Float = 0
    record.h.withUnsafeBufferPointer { hb in
      record.spikes.withUnsafeBufferPointer { sb in
        gS.withUnsafeBufferPointer { gsb in
          x.withUnsafeBufferPointer { xb in
            gX.withUnsafeMutableBufferPointer { gxb in
              gV.withUnsafeMutableBufferPointer { gv in
                for t in stride(from: T - 1, through: 0, by: -1) {
                  let o = t * n
                  for i in 0..<n {
                    let hv = hb[o + i], spike = sb[o + i]
                    let dS = surrogate.derivative(hv - th)
                    // dV[t]/dH[t], with or without the reset path's gradient.
                    let dV: Float = hard ? (1 - spike) + (detach ? 0 : (vr - hv) * dS) : 1 - (detach ? 0 : th * dS)
                    let gH = gsb[o + i] * dS + gv[i] * dV
                    if isIF {
                      gxb[o + i] = gH
                      gv[i] = gH
                    } else {
                      gxb[o + i] = decay ? gH * k : gH
                      gv[i] = gH * (1 - k)
                      if isPLIF {
                        // H[t] from V[t−1] and X[t].
                        let vPrevious: Float
                        if t == 0 {
                          vPrevious = vr
                        } else {
                          let ph = hb[o - n + i], ps = sb[o - n + i]
                          vPrevious = hard ? ph * (1 - ps) + vr * ps : ph - th * ps
                        }
                        gW += decay ? gH * (xb[o + i] - (vPrevious - vr)) * k * (1 - k) : -(gH * (vPrevious - vr) * k * (1 - k))
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return (gX, gW)
  }
}
