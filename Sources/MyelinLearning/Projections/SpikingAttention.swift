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
/// of Q·Kᵀ) is the number of tokens (or channels) where both fire, the popcount of the AND
/// of two bit rows, and Y adds rows of M for the active entries of Q only. All values are
/// small integers, exact in Float, so both paths give the same bits.
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

  /// Whether a tensor holds only 0 and 1 (the event path's precondition), sixteen at a time.
  static func isBinary(_ x: [Float]) -> Bool {
    x.withUnsafeBufferPointer { xb in
      guard let p = xb.baseAddress else { return true }
      var i = 0
      while i + 16 <= xb.count {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
        guard all((v .== 0) .| (v .== 1)) else { return false }
        i += 16
      }
      while i < xb.count {
        guard p[i] == 0 || p[i] == 1 else { return false }
        i += 1
      }
      return true
    }
  }

  /// Y [rows, D, N] from Q, K, V [rows, D, N]. The event path is taken for `event` or
  /// `auto` when Q, K and V are all binary.
  public func forward(q: [Float], k: [Float], v: [Float], rows m: Int, mode: ForwardMode = .auto, threads: Int = 1,
                      spikes: Bool = false) -> [Float] {
    precondition(q.count == m * size && k.count == q.count && v.count == q.count, "SpikingAttention.forward: shapes do not match")
    let event = mode != .dense && (spikes || Self.isBinary(q) && Self.isBinary(k) && Self.isBinary(v))
    var y = [Float](repeating: 0, count: q.count)
    let d = headSize, n = tokens, byTokens = n < d
    let words = (byTokens ? d + 63 : n + 63) / 64
    q.withUnsafeBufferPointer { qb in
      k.withUnsafeBufferPointer { kb in
        v.withUnsafeBufferPointer { vb in
          y.withUnsafeMutableBufferPointer { yb in
            nonisolated(unsafe) let (qp, kp, vp, yp) = (qb.baseAddress, kb.baseAddress, vb.baseAddress, yb.baseAddress)
            RowHalves.run(m, threads: threads) { _, rows in
              guard let qp, let kp, let vp, let yp else { return }
              let mat = UnsafeMutablePointer<Float>.allocate(capacity: byTokens ? n * n : d * d)
              // Event path: one bit per token (per channel when by tokens) for two operands.
              let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * max(n, d) * words)
              defer {
                mat.deallocate()
                bits.deallocate()
              }
              for r in rows {
                for h in 0..<heads {
                  let o = r * size + h * d * n
                  let (Q, K, V, Y) = (qp + o, kp + o, vp + o, yp + o)
                  if event {
                    coincidences(Q, K, V, into: Y, scratch: mat, bits: bits, words: words)
                  } else {
                    products(Q, K, V, into: Y, scratch: mat)
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

  /// One head, any values: the two matrix products of the cheaper order.
  private func products(_ Q: UnsafePointer<Float>, _ K: UnsafePointer<Float>, _ V: UnsafePointer<Float>,
                        into Y: UnsafeMutablePointer<Float>, scratch mat: UnsafeMutablePointer<Float>) {
    let d = headSize, n = tokens, s = scale
    if n < d {
      // A[a, b] = Σ_c Q[c, a] K[c, b];  Y[c, a] = s Σ_b A[a, b] V[c, b].
      mat.update(repeating: 0, count: n * n)
      for c in 0..<d {
        for a in 0..<n {
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
        for t in 0..<n {
          let w = qc[t]
          for c in 0..<d { Y[c * n + t] += w * row[c] }
        }
      }
      for i in 0..<(d * n) { Y[i] *= s }
    }
  }

  /// One head, binary Q, K, V: every entry of M = K·Vᵀ (or of A = Q·Kᵀ) is the number of
  /// tokens (channels) where both fire, the popcount of an AND of two bit rows; Y then adds
  /// rows of M for the spikes of Q only (or entries of A for the spikes of V). Integer
  /// counts are exact in Float, so the values are the dense path's.
  private func coincidences(_ Q: UnsafePointer<Float>, _ K: UnsafePointer<Float>, _ V: UnsafePointer<Float>,
                            into Y: UnsafeMutablePointer<Float>, scratch mat: UnsafeMutablePointer<Float>,
                            bits: UnsafeMutablePointer<UInt64>, words: Int) {
    let d = headSize, n = tokens, s = scale
    func count(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>) -> Float {
      var c = 0
      for w in 0..<words { c &+= (a[w] & b[w]).nonzeroBitCount }
      return Float(c)
    }
    if n < d {
      // Bits over channels, one row per token: A[a, b] = |Q[·, a] ∧ K[·, b]|.
      let (qt, kt) = (bits, bits + n * words)
      qt.update(repeating: 0, count: 2 * n * words)
      for c in 0..<d {
        let word = c >> 6, bit = UInt64(1) << UInt64(c & 63)
        SpikeScan.forEachNonZero(Q + c * n, count: n) { a in qt[a * words + word] |= bit }
        SpikeScan.forEachNonZero(K + c * n, count: n) { b in kt[b * words + word] |= bit }
      }
      for a in 0..<n { for b in 0..<n { mat[a * n + b] = count(qt + a * words, kt + b * words) } }
      for c in 0..<d {
        let vc = V + c * n
        for a in 0..<n {
          let row = mat + a * n
          var sum: Float = 0
          SpikeScan.forEachNonZero(vc, count: n) { b in sum += row[b] }
          Y[c * n + a] = s * sum
        }
      }
    } else {
      // Bits over tokens, one row per channel: M[c', c] = |K[c', ·] ∧ V[c, ·]|.
      let (kb, vb) = (bits, bits + d * words)
      kb.update(repeating: 0, count: 2 * d * words)
      for c in 0..<d {
        SpikeScan.forEachNonZero(K + c * n, count: n) { t in kb[c * words + t >> 6] |= UInt64(1) << UInt64(t & 63) }
        SpikeScan.forEachNonZero(V + c * n, count: n) { t in vb[c * words + t >> 6] |= UInt64(1) << UInt64(t & 63) }
      }
      for c1 in 0..<d { for c in 0..<d { mat[c1 * d + c] = count(kb + c1 * words, vb + c * words) } }
      for c1 in 0..<d {
        let row = mat + c1 * d
        SpikeScan.forEachNonZero(Q + c1 * n, count: n) { t in
          for c in 0..<d { Y[c * n + t] += row[c] }
        }
      }
      for i in 0..<(d * n) { Y[i] *= s }
    }
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
                    var scratch = [Float](repeating: 0, count: 2 * d * d + 2 * n * d)
                    scratch.withUnsafeMutableBufferPointer { sb in
                      let M = sb.baseAddress!, dM = M + d * d, Vt = dM + d * d, Gt = Vt + n * d
                      for r in rows {
                        for h in 0..<heads {
                          let o = r * size + h * d * n
                          let (Q, K, V, G) = (qp + o, kp + o, vp + o, gp + o)
                          let (GQ, GK, GV) = (gqp + o, gkp + o, gvp + o)
                          // M[c1, c] = Σ_t K[c1, t]·V[c, t] and dM = s·Σ_t Q[c1, t]·G[c, t], as
                          // rows: with V and G transposed to [t, c], each t adds a scaled row
                          // of d values (vector adds), where a dot product over t is one
                          // serial chain of scalar adds. Each entry still sums over t in order.
                          ChannelLayout.channelsLast(V, area: n, channels: d, into: Vt)
                          ChannelLayout.channelsLast(G, area: n, channels: d, into: Gt)
                          M.update(repeating: 0, count: 2 * d * d)
                          for c1 in 0..<d {
                            for t in 0..<n {
                              RowAdd.add(K[c1 * n + t], times: Vt + t * d, to: M + c1 * d, count: d)
                              RowAdd.add(Q[c1 * n + t], times: Gt + t * d, to: dM + c1 * d, count: d)
                            }
                          }
                          for i in 0..<(d * d) { dM[i] *= s }
                          for c1 in 0..<d {
                            for c in 0..<d {
                              let mv = s * M[c1 * d + c], dm = dM[c1 * d + c], dmT = dM[c * d + c1]
                              // Explicit vector rows: the plain loop over t, with six
                              // pointers that might overlap, was compiled scalar.
                              RowAdd.add(mv, times: G + c * n, to: GQ + c1 * n, count: n)
                              RowAdd.add(dm, times: V + c * n, to: GK + c1 * n, count: n)
                              RowAdd.add(dmT, times: K + c * n, to: GV + c1 * n, count: n)
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
