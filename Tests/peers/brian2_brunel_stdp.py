#!/usr/bin/env python3
"""Brian2 peer: Brunel (2000) g = 5, eta = 2 with plastic E->E synapses (NOT part of the test suite).

The brunel-si network of brian2_benchmarks.py (same construction, same
random draws for a given --seed: NE 10000, NI 2500, fixed in-degree CE 1000
/ CI 250 with replacement, J 0.1 mV, D 1.5 ms, tau_m 20 ms, theta 20 mV,
V_r 10 mV, t_ref 2 ms, delta synapses on v, PoissonInput drive at
eta*nu_th from CE inputs), except that the E->E projection is plastic:
additive all-to-all pair STDP,

  tau_plus = tau_minus = 20 ms, A_plus = 0.001 mV, A_minus = 1.05 A_plus,
  hard bounds [0, w_max = 0.2 mV = 2 J], initial weight J = 0.1 mV
  on_pre (delay D):  v_post += w; Apre += A_plus; w = clip(w + Apost, 0, w_max)
  on_post:           Apost -= A_minus; w = clip(w + Apre, 0, w_max)

E->I, I->E and I->I stay static.  C++ standalone, one thread, dt 0.1 ms,
SpikeMonitor on all neurons.

--schedule nest|brian as in brian2_benchmarks.py (default nest: threshold
and reset after the synapses slot, delays D - dt, refractory t_ref + dt,
threshold >=, spike times + dt).  --stdp-delay axonal (default: the whole
pre pathway is delayed by D, post spikes act at once) or dendritic (NEST's
stdp_synapse convention: the delay is dendritic, so the pre-side update
happens at the spike, post spikes reach the synapse D later, and only the
v_post += w transmission is delayed).

Timing as in brian2_benchmarks.py: simulate_s is the median over --repeats
of device._last_run_time (the generated Network::run() loop only);
repeats re-run the same binary.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from brian2_benchmarks import spike_stats  # noqa: E402
from stdp_common import BRUNEL, DT_MS, brunel_nu_ext_hz, emit, median, weight_bound_stats  # noqa: E402


def build(b2, args):
    """Mirror of brian2_benchmarks.build_model('brunel-si') with E->E plastic."""
    ms, mV, Hz = b2.ms, b2.mV, b2.Hz
    p = BRUNEL
    dt = DT_MS * ms
    nest = args.schedule == "nest"
    dshift = dt if nest else 0 * ms
    rshift = dt if nest else 0 * ms
    thr_op = ">=" if nest else ">"
    rng = np.random.default_rng(args.seed)

    NE, NI, CE, CI = p["NE"], p["NI"], p["CE"], p["CI"]
    N = NE + NI
    g = p["g"]
    tau, theta, Vr = p["tau_m_ms"] * ms, p["theta_mV"] * mV, p["V_r_mV"] * mV
    tref = p["t_ref_ms"] * ms
    J = p["J_mV"] * mV
    D = p["D_ms"] * ms
    P = b2.NeuronGroup(N, "dv/dt = -v/tau : volt (unless refractory)",
                       threshold=f"v {thr_op} theta", reset="v = Vr",
                       refractory=tref + rshift, method="exact",
                       namespace=dict(tau=tau, theta=theta, Vr=Vr))
    if nest:
        P.thresholder["spike"].when = "after_synapses"
        P.thresholder["spike"].order = 0
        P.resetter["spike"].when = "after_synapses"
        P.resetter["spike"].order = 1
    P.v = 0 * mV
    # identical draws to brian2_benchmarks.py: post-major, sources with replacement
    post_e = np.repeat(np.arange(N, dtype=np.int32), CE)
    pre_e = rng.integers(0, NE, size=N * CE, dtype=np.int32)
    post_i = np.repeat(np.arange(N, dtype=np.int32), CI)
    pre_i = rng.integers(0, NI, size=N * CI, dtype=np.int32)
    nEE = NE * CE  # the first NE*CE entries target E neurons

    ns = dict(taupre=p["tau_plus_ms"] * ms, taupost=p["tau_minus_ms"] * ms,
              Aplus=p["A_plus_mV"] * mV, Aminus=p["alpha"] * p["A_plus_mV"] * mV,
              wmax=p["w_max_mV"] * mV)
    model = """w : volt
               dApre/dt = -Apre / taupre : volt (event-driven)
               dApost/dt = -Apost / taupost : volt (event-driven)"""
    plast_pre = """Apre += Aplus
                   w = clip(w + Apost, 0*mV, wmax)"""
    on_post = """Apost -= Aminus
                 w = clip(w + Apre, 0*mV, wmax)"""
    if args.stdp_delay == "axonal":
        See = b2.Synapses(P[:NE], P[:NE], model, on_pre="v_post += w\n" + plast_pre,
                          on_post=on_post, delay=D - dshift, namespace=ns)
    else:
        See = b2.Synapses(P[:NE], P[:NE], model,
                          on_pre={"pre": "v_post += w", "plast": plast_pre}, on_post=on_post,
                          delay={"pre": D - dshift, "plast": 0 * ms, "post": D}, namespace=ns)
    See.connect(i=pre_e[:nEE], j=post_e[:nEE])
    See.w = p["w_init_mV"] * mV
    Sei = b2.Synapses(P[:NE], P[NE:], on_pre="v_post += J", delay=D - dshift,
                      namespace=dict(J=J))
    Sei.connect(i=pre_e[nEE:], j=post_e[nEE:] - NE)
    Si = b2.Synapses(P[NE:], P, on_pre="v_post += -g*J", delay=D - dshift,
                     namespace=dict(J=J, g=g))
    Si.connect(i=pre_i, j=post_i)
    ext = b2.PoissonInput(P, "v", N=CE, rate=brunel_nu_ext_hz() * Hz, weight=J)
    mon = b2.SpikeMonitor(P)
    net = b2.Network(P, See, Sei, Si, ext, mon)
    return net, See, [Sei, Si], mon, [("E", 0, NE), ("I", NE, N)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="biological time, ms (default 1000)")
    ap.add_argument("--repeats", type=int, default=1, help="runs of the compiled binary; simulate_s is their median")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--schedule", default="nest", choices=["nest", "brian"])
    ap.add_argument("--stdp-delay", default="axonal", choices=["axonal", "dendritic"])
    ap.add_argument("--weights-out", metavar="FILE.npy", help="save the final E->E weights (mV)")
    ap.add_argument("--make-jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the generated C++ project")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    t_start = time.perf_counter()
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    workdir = tempfile.mkdtemp(prefix="b2_brunel_stdp_")
    try:
        b2.set_device("cpp_standalone", directory=workdir, with_output=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0  # no OpenMP: 1 thread
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{args.make_jobs}"]
        b2.defaultclock.dt = DT_MS * b2.ms
        b2.seed(args.seed)

        t_b0 = time.perf_counter()
        net, See, static, mon, pops = build(b2, args)
        t_b1 = time.perf_counter()
        net.run(args.duration * b2.ms)
        t_r1 = time.perf_counter()
        sims = [float(b2.device._last_run_time)]
        compile_s = float(b2.device.timers["compile"]["make"])
        run_binary_s = [float(b2.device.timers["run_binary"])]
        i = np.asarray(mon.i[:], dtype=np.int64)
        t_ms = np.asarray(mon.t[:] / b2.ms, dtype=float)
        w = np.asarray(See.w[:] / b2.mV, dtype=float)
        n_syn = int(len(See) + sum(len(s) for s in static))
        wall_s = time.perf_counter() - t_b0
        for _ in range(args.repeats - 1):
            b2.device.run(directory=workdir, with_output=False)
            sims.append(float(b2.device._last_run_time))
            run_binary_s.append(float(b2.device.timers["run_binary"]))
        if args.schedule == "nest":
            t_ms = t_ms + DT_MS  # NEST/Myelin stamp t_{n+1}
        if args.weights_out:
            np.save(args.weights_out, w)
        stats = spike_stats(i, t_ms, pops, args.duration)
        res = {
            "model": "brunel-stdp",
            "simulator": "brian2",
            "brian2_version": b2.__version__,
            "device": "cpp_standalone",
            "threads": 1,
            "schedule": args.schedule,
            "stdp_delay": args.stdp_delay,
            "dt_ms": DT_MS,
            "duration_ms": args.duration,
            "seed": args.seed,
            "n_neurons": int(pops[-1][2]),
            "n_synapses": n_syn,
            "simulate_s": median(sims),
            "simulate_s_all": sims,
            "wall_s": wall_s,
            "python_build_s": t_b1 - t_b0,
            "codegen_s": (t_r1 - t_b1) - compile_s - run_binary_s[0],
            "compile_s": compile_s,
            "run_binary_s": run_binary_s,
            "process_s": time.perf_counter() - t_start,
            "rate_hz": stats["rates_hz"]["E"],  # mean E rate (compare_stdp.py)
            **stats,
            **weight_bound_stats(w, BRUNEL["w_max_mV"]),
        }
        emit(res, args.json, [
            f"brunel-stdp brian2 standalone, {args.duration:g} ms, seed {args.seed}, schedule "
            f"{args.schedule}, stdp-delay {args.stdp_delay}: simulate {res['simulate_s']:.3f} s "
            f"(median of {args.repeats}), compile {compile_s:.1f} s, wall {wall_s:.1f} s",
            f"rates E {stats['rates_hz']['E']:.2f} Hz, I {stats['rates_hz']['I']:.2f} Hz; "
            f"E->E w: mean {res['w_mean_mV']:.5f} mV, std {res['w_std_mV']:.5f} mV, "
            f"at 0 {res['frac_at_0']:.4f}, at w_max {res['frac_at_wmax']:.4f}",
        ])
    finally:
        if args.keep:
            print(f"# kept project directory {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
