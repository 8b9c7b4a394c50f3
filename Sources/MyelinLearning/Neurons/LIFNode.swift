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
    /// The number of spikes in `spikes`, counted as they were made.
    public var spikeCount: Int
  }

  /// Runs T steps over N neurons. `parameter` is PLIF's w (ignored otherwise). With 2
  /// threads each takes half of the neurons (independent: the same values). Without
  /// `keepingCharge` (evaluation), H is not stored and the record's `h` is empty.
  public func forward(_ x: [Float], steps T: Int, parameter w: Float = 0, threads: Int = 1, keepingCharge: Bool = true)
    -> Record
  {
    let n = T > 0 ? x.count / T : 0
    var h = [Float](uninitializedCount: keepingCharge ? x.count : 0), s = [Float](uninitializedCount: x.count)
    let k = factor(w), node = self
    var counts = [0, 0]  // per half of the neurons
    x.withUnsafeBufferPointer { xb in
      h.withUnsafeMutableBufferPointer { hb in
        s.withUnsafeMutableBufferPointer { sb in
          counts.withUnsafeMutableBufferPointer { cb in
            nonisolated(unsafe) let (x0, h0, s0, c0) = (xb.baseAddress, keepingCharge ? hb.baseAddress : nil, sb.baseAddress,
                                                        cb.baseAddress)
            RowHalves.run(n, threads: threads) { half, neurons in
              guard let x0, let s0, let c0 else { return }
              c0[half] = node.run(neurons, steps: T, neurons: n, input: x0, charge: h0, spikes: s0, factor: k)
            }
          }
        }
      }
    }
    return Record(h: h, spikes: s, spikeCount: counts[0] + counts[1])
  }

  /// One backward step of a decay_input, hard-reset, detach_reset LIF: the general loop
  /// below with those flags fixed (the same arithmetic, so the same values).
  @inline(__always)
  static func backStep(_ range: Range<Int>, _ hp: UnsafePointer<Float>, _ sp: UnsafePointer<Float>, _ gsp: UnsafePointer<Float>,
                       _ gxp: UnsafeMutablePointer<Float>, _ gv: UnsafeMutablePointer<Float>, _ k: Float, _ th: Float,
                       _ derivative: (Float) -> Float) {
    for i in range {
      let dS = derivative(hp[i] - th)
      let gH = gsp[i] * dS + gv[i] * (1 - sp[i])
      gxp[i] = gH * k
      gv[i] = gH * (1 - k)
    }
  }

  /// BPTT: given dL/dS [T, N], returns dL/dX [T, N] and dL/dw (PLIF; 0 otherwise). With 2
  /// threads each takes half of the neurons; dL/dw is summed per half, then added.
  public func backward(_ record: Record, input x: [Float], gradient gS: [Float], steps T: Int,
                       parameter w: Float = 0, threads: Int = 1) -> (input: [Float], parameter: Float) {
    let n = T > 0 ? gS.count / T : 0
    var gX = [Float](uninitializedCount: gS.count)  // every step writes all of it
    let k = factor(w), vr = reset ?? 0, th = threshold, hard = reset != nil, detach = detachReset
    let isIF = kind == .integrateAndFire, decay = decayInput, isPLIF = if case .plif = kind { true } else { false }
    let fast = !isIF && !isPLIF && decay && hard && detach
    // dL/dV[t], flowing back from step t + 1 (the fast path carries it per 16 neurons instead).
    var gV = [Float](repeating: 0, count: fast ? 0 : n)
    let surrogate = surrogate
    var halves: [Float] = [0, 0]
    record.h.withUnsafeBufferPointer { hb in
      record.spikes.withUnsafeBufferPointer { sb in
        gS.withUnsafeBufferPointer { gsb in
          x.withUnsafeBufferPointer { xb in
            gX.withUnsafeMutableBufferPointer { gxb in
              gV.withUnsafeMutableBufferPointer { gvb in
                halves.withUnsafeMutableBufferPointer { partial in
                nonisolated(unsafe) let (hb, sb, gsb, xb, gxb, gv, pw) = (hb.baseAddress, sb.baseAddress, gsb.baseAddress,
                                                                          xb.baseAddress, gxb.baseAddress, gvb.baseAddress, partial.baseAddress!)
                RowHalves.run(n, threads: threads) { half, neurons in
                guard let hb, let sb, let gsb, let gxb else { return }
                var gW: Float = 0
                // Spikformer's and the conv SNN's LIF (decay_input, hard reset, detach_reset)
                // gets a loop per surrogate without branches, which the compiler vectorises.
                // Time is the inner loop, over sixteen neurons at a time: their dL/dV stays in
                // a 16-float buffer in L1 instead of going to memory and back at every step.
                if fast {
                  let carried = UnsafeMutablePointer<Float>.allocate(capacity: 16)
                  defer { carried.deallocate() }
                  for base in stride(from: neurons.lowerBound, to: neurons.upperBound, by: 16) {
                    let lanes = 0..<min(16, neurons.upperBound - base)
                    carried.update(repeating: 0, count: 16)
                    for t in stride(from: T - 1, through: 0, by: -1) {
                      let o = t * n + base
                      switch surrogate {
                      case .atan(let a):
                        Self.backStep(lanes, hb + o, sb + o, gsb + o, gxb + o, carried, k, th) { x in
                          let u = Float.pi / 2 * a * x
                          return a / 2 / (1 + u * u)
                        }
                      case .triangle(let a):
                        Self.backStep(lanes, hb + o, sb + o, gsb + o, gxb + o, carried, k, th) { x in max(0, a - a * a * abs(x)) }
                      case .sigmoid(let a):
                        Self.backStep(lanes, hb + o, sb + o, gsb + o, gxb + o, carried, k, th) { x in Surrogate.sigmoidDerivative(x, alpha: a) }
                      }
                    }
                  }
                  return
                }
                guard let gv else { return }
                for t in stride(from: T - 1, through: 0, by: -1) {
                  let o = t * n
                  for i in neurons {
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
                        gW += decay ? gH * (xb![o + i] - (vPrevious - vr)) * k * (1 - k) : -(gH * (vPrevious - vr) * k * (1 - k))
                      }
                    }
                  }
                }
                pw[half] = gW
                }
                }
              }
            }
          }
        }
      }
    }
    return (gX, halves[0] + halves[1])
  }
}
