// SPDX-License-Identifier: Apache-2.0
import Dispatch
import MyelinCore

/// Spikformer's spiking self-attention (SSA) on [rows, D, N] maps (D channels in `heads`
/// groups of d = D/heads, N tokens, channels-first as the conv layout): per row and head,
/// with Q, K, V as d × N matrices,
///
///     M = K·Vᵀ (d × d),   Y = scale · Mᵀ·Q      (the order Q·(Kᵀ·V), 2·N·d² operations)
///
/// which equals (Q·Kᵀ)·V·scale without softmax. The other order costs 2·N²·d and is taken
/// when N < d. The event path counts coincidences: for binary Q, K, V every entry of M (or
/// of Q·Kᵀ) is a count of tokens (or channels) where both fire, accumulated by adding 1 for
/// each pair of active entries, and Y adds rows of M for the active entries of Q only. All
/// values are small integers, exact in Float, so both paths give the same bits.
public struct SpikingAttention: Sendable, Equatable {
  public let channels: Int, tokens: Int, heads: Int
  public let scale: Float

  public init(channels: Int, tokens: Int, heads: Int, scale: Float) {
    self.channels = channels
    self.tokens = tokens
    self.heads = heads
    self.scale = scale
  }

  var headSize: Int { channels / heads }
  var size: Int { channels * tokens }

  /// Whether a tensor holds only 0 and 1 (the event path's precondition).
  static func isBinary(_ x: [Float]) -> Bool { x.allSatisfy { $0 == 0 || $0 == 1 } }

  /// Y [rows, D, N] from Q, K, V [rows, D, N]. The event path is taken for `event` or
  /// `auto` when Q, K and V are all binary.
  public func forward(q: [Float], k: [Float], v: [Float], rows m: Int, mode: ForwardMode = .auto, threads: Int = 1) -> [Float] {
    precondition(q.count == m * size && k.count == q.count && v.count == q.count, "SpikingAttention.forward: shapes do not match")
    let event = mode != .dense && Self.isBinary(q) && Self.isBinary(k) && Self.isBinary(v)
    var y = [Float](repeating: 0, count: q.count)
    let d = headSize, n = tokens, s = scale, byTokens = n < d
    q.withUnsafeBufferPointer { qb in
      k.withUnsafeBufferPointer { kb in
        v.withUnsafeBufferPointer { vb in
          y.withUnsafeMutableBufferPointer { yb in
            nonisolated(unsafe) let (qp, kp, vp, yp) = (qb.baseAddress, kb.baseAddress, vb.baseAddress, yb.baseAddress)
            RowHalves.run(m, threads: threads) { _, rows in
              guard let qp, let kp, let vp, let yp else { return }
              var scratch = [Float](repeating: 0, count: byTokens ? n * n : d * d)
              scratch.withUnsafeMutableBufferPointer { mb in
                let mat = mb.baseAddress!
                for r in rows {
                  for h in 0..<heads {
                    let o = r * size + h * d * n
                    let (Q, K, V, Y) = (qp + o, kp + o, vp + o, yp + o)
                    mat.update(repeating: 0, count: byTokens ? n * n : d * d)
                    if byTokens {
                      // A[a, b] = Σ_c Q[c, a] K[c, b];  Y[c, a] = s Σ_b A[a, b] V[c, b].
                      for c in 0..<d {
                        for a in 0..<n where !event || Q[c * n + a] != 0 {
                          let qa = Q[c * n + a], row = mat + a * n, kc = K + c * n
                          for b in 0..<n { row[b] += qa * kc[b] }
                        }
                      }
                      for c in 0..<d {
                        for a in 0..<n {
                          let row = mat + a * n, vc = V + c * n
                          var sum: Float = 0
                          for b in 0..<n { sum += row[b] * vc[b] }
                          Y[c * n + a] = s * sum
                        }
                      }
                    } else {
                      // M[c', c] = Σ_t K[c', t] V[c, t];  Y[c, t] = s Σ_c' M[c', c] Q[c', t].
                      for c1 in 0..<d {
                        let kc = K + c1 * n, row = mat + c1 * d
                        for c in 0..<d {
                          let vc = V + c * n
                          var sum: Float = 0
                          for t in 0..<n { sum += kc[t] * vc[t] }
                          row[c] = sum
                        }
                      }
                      for c1 in 0..<d {
                        let qc = Q + c1 * n, row = mat + c1 * d
                        for t in 0..<n where !event || qc[t] != 0 {
                          let w = qc[t]
                          for c in 0..<d { Y[c * n + t] += w * row[c] }
                        }
                      }
                      for i in 0..<(d * n) { Y[i] *= s }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return y
  }

  /// dL/dQ, dL/dK, dL/dV from dL/dY, through M = K·Vᵀ and Y = s·Mᵀ·Q:
  /// dQ = s·M·dY, dM = s·Q·dYᵀ, dK = dM·V, dV = dMᵀ·K.
  public func backward(q: [Float], k: [Float], v: [Float], gradient gy: [Float], rows m: Int, threads: Int = 1)
    -> (q: [Float], k: [Float], v: [Float])
  {
    precondition(q.count == m * size && gy.count == q.count, "SpikingAttention.backward: shapes do not match")
    var gq = [Float](repeating: 0, count: q.count), gk = gq, gv = gq
    let d = headSize, n = tokens, s = scale
    q.withUnsafeBufferPointer { qb in
      k.withUnsafeBufferPointer { kb in
        v.withUnsafeBufferPointer { vb in
          gy.withUnsafeBufferPointer { gb in
            gq.withUnsafeMutableBufferPointer { gqb in
              gk.withUnsafeMutableBufferPointer { gkb in
                gv.withUnsafeMutableBufferPointer { gvb in
                  nonisolated(unsafe) let pointers = (qb.baseAddress, kb.baseAddress, vb.baseAddress, gb.baseAddress,
                                                      gqb.baseAddress, gkb.baseAddress, gvb.baseAddress)
                  RowHalves.run(m, threads: threads) { _, rows in
                    guard let qp = pointers.0, let kp = pointers.1, let vp = pointers.2, let gp = pointers.3,
                      let gqp = pointers.4, let gkp = pointers.5, let gvp = pointers.6 else { return }
                    var scratch = [Float](repeating: 0, count: 2 * d * d)
                    scratch.withUnsafeMutableBufferPointer { sb in
                      let M = sb.baseAddress!, dM = M + d * d
                      for r in rows {
                        for h in 0..<heads {
                          let o = r * size + h * d * n
                          let (Q, K, V, G) = (qp + o, kp + o, vp + o, gp + o)
                          let (GQ, GK, GV) = (gqp + o, gkp + o, gvp + o)
                          for c1 in 0..<d {
                            for c in 0..<d {
                              var sm: Float = 0, sd: Float = 0
                              for t in 0..<n {
                                sm += K[c1 * n + t] * V[c * n + t]
                                sd += Q[c1 * n + t] * G[c * n + t]
                              }
                              M[c1 * d + c] = sm
                              dM[c1 * d + c] = s * sd
                            }
                          }
                          for c1 in 0..<d {
                            for c in 0..<d {
                              let mv = s * M[c1 * d + c], dm = dM[c1 * d + c], dmT = dM[c * d + c1]
                              for t in 0..<n {
                                GQ[c1 * n + t] += mv * G[c * n + t]
                                GK[c1 * n + t] += dm * V[c * n + t]
                                GV[c1 * n + t] += dmT * K[c * n + t]
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
          }
        }
      }
    }
    return (gq, gk, gv)
  }
}
