// SPDX-License-Identifier: Apache-2.0

// Neuron update kernels. Each walks a neuron range [lo, hi) of structure-of-arrays state
// with no branches in the body, so the compiler vectorises it. Pointers come from
// PopulationState, whose arrays are allocated once with the population's size; every
// range handed in lies inside it (Partition guarantees hi <= size).
//
// The kernels advance every neuron; refractory ones are then clamped back to V_reset by
// RefractoryList.clamp, which touches only the few neurons that are refractory. Keeping
// the counter out of these loops is what lets them vectorise.

/// Exact propagators of NEST `iaf_psc_exp` for one step h (Rotter & Diesmann 1999).
public struct PscExpPropagators<S: SimulationScalar>: Sendable {
  var p22: S, p21ex: S, p21in: S, p20: S, p11ex: S, p11in: S
}

enum IntegrateKernels {
  /// iaf_psc_exp, in NEST's order: V advances with the currents at t_k
  /// (V ← P22·V + P21ex·I_ex + P21in·I_in + P20·I_ext, unless refractory), then the
  /// currents decay and the spikes due at t_{k+1} are added. V is relative to E_L.
  @inline(__always)
  static func pscExp<S: SimulationScalar>(
    v: UnsafeMutablePointer<S>, iEx: UnsafeMutablePointer<S>, iIn: UnsafeMutablePointer<S>,
    inEx: UnsafeMutablePointer<S>, inIn: UnsafeMutablePointer<S>, lo: Int, hi: Int,
    p: PscExpPropagators<S>, current: S
  ) {
    S.pscExpStep(
      v: v, iEx: iEx, iIn: iIn, inEx: inEx, inIn: inIn, lo: lo, hi: hi, p: p,
      drive: p.p20 * current)
  }

  /// The body of ``pscExp``, over vectors of type `V`: one pass that loads each state
  /// variable once. The scalar tail runs the same arithmetic, in the same order.
  @inline(__always)
  static func pscExpBlocks<V: SIMD>(
    _: V.Type, v: UnsafeMutablePointer<V.Scalar>, iEx: UnsafeMutablePointer<V.Scalar>,
    iIn: UnsafeMutablePointer<V.Scalar>, inEx: UnsafeMutablePointer<V.Scalar>,
    inIn: UnsafeMutablePointer<V.Scalar>, lo: Int, hi: Int, p: PscExpPropagators<V.Scalar>,
    drive: V.Scalar
  ) where V.Scalar: SimulationScalar {
    let p22 = V(repeating: p.p22), p21ex = V(repeating: p.p21ex), p21in = V(repeating: p.p21in)
    let p11ex = V(repeating: p.p11ex), p11in = V(repeating: p.p11in), d = V(repeating: drive)
    let width = V.scalarCount
    var n = lo
    while n &+ width <= hi {
      func load(_ x: UnsafeMutablePointer<V.Scalar>) -> V {
        UnsafeRawPointer(x + n).loadUnaligned(as: V.self)
      }
      func store(_ value: V, _ x: UnsafeMutablePointer<V.Scalar>) {
        UnsafeMutableRawPointer(x + n).storeBytes(of: value, as: V.self)
      }
      let e = load(iEx), i = load(iIn)
      store(load(v) * p22 + e * p21ex + i * p21in + d, v)
      store(e * p11ex + load(inEx), iEx)
      store(i * p11in + load(inIn), iIn)
      store(V(), inEx)
      store(V(), inIn)
      n &+= width
    }
    while n < hi {
      let e = iEx[n], i = iIn[n]
      v[n] = v[n] * p.p22 + e * p.p21ex + i * p.p21in + drive
      iEx[n] = e * p.p11ex + inEx[n]
      iIn[n] = i * p.p11in + inIn[n]
      inEx[n] = 0
      inIn[n] = 0
      n &+= 1
    }
  }

  /// Both receptor channels at once: x ← x·decay + input; input ← 0.
  @inline(__always)
  static func decayAndAdd<S: SimulationScalar>(
    _ x: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
    _ y: UnsafeMutablePointer<S>, _ yInput: UnsafeMutablePointer<S>, lo: Int, hi: Int,
    decay: S, _ yDecay: S
  ) {
    for n in lo..<hi {
      x[n] = x[n] * decay + input[n]
      y[n] = y[n] * yDecay + yInput[n]
      input[n] = 0
      yInput[n] = 0
    }
  }

  /// x ← x·decay + input; input ← 0.
  @inline(__always)
  static func decayAndAdd<S: SimulationScalar>(
    _ x: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>, lo: Int, hi: Int, decay: S
  ) {
    for n in lo..<hi {
      x[n] = x[n] * decay + input[n]
      input[n] = 0
    }
  }

  /// iaf_psc_delta: V ← P33·V + P30·I_ext + Σw, bounded below by V_min; input that
  /// arrives while refractory is discarded, as in NEST.
  @inline(__always)
  static func pscDelta<S: SimulationScalar>(
    v: UnsafeMutablePointer<S>, input: UnsafeMutablePointer<S>, lo: Int, hi: Int, p33: S,
    p30: S, current: S, vMin: S
  ) {
    let drive = p30 * current
    for n in lo..<hi {
      let free = v[n] * p33 + drive + input[n]
      v[n] = free < vMin ? vMin : free
      input[n] = 0
    }
  }

  /// iaf_cond_exp: classic RK4 on V over the step, with the conductances taken from their
  /// exact exponential decay at t, t + h/2 and t + h; then spikes due at t_{k+1} add to g.
  /// V is absolute (mV). docs/concepts.md gives the measured accuracy.
  ///
  /// RK4 is stable only while (g_L + g_ex + g_in)·h/C stays below about 2.8. The caller
  /// finds the (rare) neurons that may be stiff first and redoes them with
  /// ``restepStiff`` before the conductances decay.
  @inline(__always)
  static func condExp<S: SimulationScalar>(
    v: UnsafeMutablePointer<S>, gEx: UnsafeMutablePointer<S>, gIn: UnsafeMutablePointer<S>,
    inEx: UnsafeMutablePointer<S>, inIn: UnsafeMutablePointer<S>, lo: Int, hi: Int,
    c: CondExpConstants<S>, current: S
  ) {
    for n in lo..<hi { v[n] = rk4(v[n], gEx[n], gIn[n], c, current) }
  }

  /// Redoes, with substeps, the neurons that ``condExp`` stepped while stiff: those whose
  /// (g_L + g_ex + g_in)·h/C exceeds 1 take RK4 substeps of at most 1/2 each. `candidates`
  /// lists neurons that may be stiff, with their potential before the step in `saved`;
  /// conductances must not have decayed yet. The choice is per neuron, so results do not
  /// depend on how neurons are split between threads.
  static func restepStiff<S: SimulationScalar>(
    v: UnsafeMutablePointer<S>, gEx: UnsafeMutablePointer<S>, gIn: UnsafeMutablePointer<S>,
    candidates: UnsafePointer<Int32>, saved: UnsafePointer<S>, count: Int,
    c: CondExpConstants<S>, current: S
  ) {
    for k in 0..<count {
      let n = Int(candidates[k])
      let z = Double((c.gL + gEx[n] + gIn[n]) * c.h * c.invC)
      guard z > 1 else { continue }
      let substeps = Int(min((z / 0.5).rounded(.up), 1e6))
      let h = Double(c.h) / Double(substeps)
      var sub = c
      sub.h = S(h)
      sub.halfEx = S(_exp(-h / 2 / c.tauEx))
      sub.fullEx = S(_exp(-h / c.tauEx))
      sub.halfIn = S(_exp(-h / 2 / c.tauIn))
      sub.fullIn = S(_exp(-h / c.tauIn))
      var vn = saved[k], ge = gEx[n], gi = gIn[n]
      for _ in 0..<substeps {
        vn = rk4(vn, ge, gi, sub, current)
        ge *= sub.fullEx
        gi *= sub.fullIn
      }
      v[n] = vn
    }
  }

  /// One RK4 step of C dV/dt = I − g_L(V − E_L) − g_ex(V − E_ex) − g_in(V − E_in).
  @inline(__always)
  static func rk4<S: SimulationScalar>(_ v0: S, _ ge0: S, _ gi0: S, _ c: CondExpConstants<S>, _ current: S) -> S {
    let h = c.h, half = c.h / 2, sixth = c.h / 6
    let gl = c.gL, el = c.eL, eex = c.eEx, ein = c.eIn, invC = c.invC
    let geH = ge0 * c.halfEx, giH = gi0 * c.halfIn
    let ge1 = ge0 * c.fullEx, gi1 = gi0 * c.fullIn
    let k1 = (current - gl * (v0 - el) - ge0 * (v0 - eex) - gi0 * (v0 - ein)) * invC
    let v1 = v0 + half * k1
    let k2 = (current - gl * (v1 - el) - geH * (v1 - eex) - giH * (v1 - ein)) * invC
    let v2 = v0 + half * k2
    let k3 = (current - gl * (v2 - el) - geH * (v2 - eex) - giH * (v2 - ein)) * invC
    let v3 = v0 + h * k3
    let k4 = (current - gl * (v3 - el) - ge1 * (v3 - eex) - gi1 * (v3 - ein)) * invC
    return v0 + sixth * (k1 + 2 * k2 + 2 * k3 + k4)
  }
}

/// Per-step constants of iaf_cond_exp.
struct CondExpConstants<S: SimulationScalar> {
  var h: S, gL: S, eL: S, eEx: S, eIn: S, invC: S
  var halfEx: S, fullEx: S, halfIn: S, fullIn: S
  /// Synaptic time constants (ms), for substeps.
  var tauEx: Double, tauIn: Double

  /// A neuron is stiff when g_L + g_ex + g_in > C/h; then g_ex or g_in is at least this.
  var stiffConductance: S { max((1 / (h * invC) - gL) / 2, 0) }
}
