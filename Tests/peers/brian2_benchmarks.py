#!/usr/bin/env python3
"""Brian2 peer benchmarks for Myelin (NOT part of the test suite).

Runs the Myelin example networks in Brian2's C++ standalone mode, single
thread, and prints one JSON line per model with timings and activity
statistics.  See README.md in this folder for set-up and for what each
number means.

Models (dt = 0.1 ms, default 1 s of biological time):

  cuba       Brian2 examples/CUBA.py (Brette et al. 2007 benchmark 2,
             Vogels & Abbott 2005), 3200 E + 800 I, current-based
             exponential synapses, exact integration.
  coba       Brian (1) examples/COBA.py by R. Brette (Brette et al. 2007
             benchmark 1), the Brian team's own conductance-based
             Vogels-Abbott network, Euler integration.
  brunel-si  Brunel (2000) model A as in NEST's brunel_delta_nest.py,
             g = 5, eta = 2.
  brunel-ai  same, g = 6, eta = 4.

Timing semantics (C++ standalone):
  simulate_s  = device._last_run_time: the time the generated binary spends
                inside Network::run(), measured in C++ with std::clock()
                (process CPU time; equal to wall time for one thread).  It
                excludes code generation, compilation, synapse creation,
                initialisation and writing results.  Median over --repeats
                runs of the same compiled binary.
  wall_s      = wall-clock time of the first repeat, from building the
                Brian2 objects in Python to the end of run(): code
                generation + compilation + binary (synapse creation, init,
                simulation, result writing) + reading back.
  compile_s   = device.timers['compile']['make'] (the 'make' call only).

Scheduling (--schedule):
  nest (default)  reproduce the NEST/Myelin update order: the threshold and
                  reset run after the synapses slot (so spikes arriving in a
                  step are added before the threshold test), spikes are
                  re-stamped t+dt, synaptic delays are shortened by one dt
                  (Brian2 then delivers a spike emitted in step n at step
                  n + d/dt, like NEST) and the refractory period is t_ref + dt
                  (Brian2 counts the spike step itself; NEST clamps for t_ref/dt
                  further updates).
  brian           Brian2's default schedule with the nominal delays and
                  refractory periods.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

MODELS = ["cuba", "coba", "brunel-si", "brunel-ai"]
DT_MS = 0.1


# --------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------
def spike_stats(i, t_ms, pops, duration_ms, transient_ms=0.0):
    """Rates, CV of ISI and synchrony from spike index/time arrays.

    pops: list of (name, start, stop) index ranges.
    Spikes before transient_ms are ignored for all statistics.
    """
    keep = t_ms >= transient_ms
    i = i[keep]
    t_ms = t_ms[keep]
    T = duration_ms - transient_ms
    out = {"rates_hz": {}, "cv_isi": {}, "n_spikes": {}}
    # CV of ISI per neuron (neurons with >= 3 spikes, i.e. >= 2 ISIs)
    order = np.lexsort((t_ms, i))
    i_s = i[order]
    t_s = t_ms[order]
    same = i_s[1:] == i_s[:-1]
    isi = np.diff(t_s)[same]
    isi_owner = i_s[1:][same]
    n_total = max(stop for _, _, stop in pops)
    cnt_isi = np.bincount(isi_owner, minlength=n_total)
    s1 = np.bincount(isi_owner, weights=isi, minlength=n_total)
    s2 = np.bincount(isi_owner, weights=isi * isi, minlength=n_total)
    ok = cnt_isi >= 2
    mean = np.zeros(n_total)
    var = np.zeros(n_total)
    mean[ok] = s1[ok] / cnt_isi[ok]
    # population variance of the ISIs (ddof = 0)
    var[ok] = s2[ok] / cnt_isi[ok] - mean[ok] ** 2
    cv = np.full(n_total, np.nan)
    ok2 = ok & (mean > 0)
    cv[ok2] = np.sqrt(np.maximum(var[ok2], 0.0)) / mean[ok2]
    for name, a, b in pops:
        n = b - a
        sel = (i >= a) & (i < b)
        out["n_spikes"][name] = int(sel.sum())
        out["rates_hz"][name] = float(sel.sum() / n / (T / 1000.0))
        c = cv[a:b]
        c = c[~np.isnan(c)]
        out["cv_isi"][name] = float(c.mean()) if c.size else None
    c = cv[~np.isnan(cv)]
    out["cv_isi"]["all"] = float(c.mean()) if c.size else None
    out["rates_hz"]["all"] = float(i.size / n_total / (T / 1000.0))
    # synchrony: CV of the population spike count in 1 ms bins
    nbins = int(round(T))
    counts, _ = np.histogram(t_ms, bins=nbins, range=(transient_ms, duration_ms))
    m = counts.mean()
    out["sync_cv_1ms"] = float(counts.std() / m) if m > 0 else None
    # coarse time course (all neurons, 100 ms bins) to spot transients/death
    nb = max(1, int(round(T / 100.0)))
    c100, _ = np.histogram(t_ms, bins=nb, range=(transient_ms, duration_ms))
    out["rate_hz_per_100ms"] = [round(float(x) / n_total / (T / nb / 1000.0), 3)
                                for x in c100]
    return out


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------
def build_model(name, b2, schedule, seed):
    """Create the Brian2 objects of one model.

    Returns (pops, synapse_objects, neuron_groups, other_objects).
    """
    ms, mV, Hz = b2.ms, b2.mV, b2.Hz
    dt = DT_MS * ms
    nest = schedule == "nest"
    # NEST semantics: delay d -> Brian2 delay d - dt, refractory t -> t + dt
    dshift = dt if nest else 0 * ms
    rshift = dt if nest else 0 * ms
    thr_op = ">=" if nest else ">"

    def nest_schedule(group):
        if nest:
            group.thresholder["spike"].when = "after_synapses"
            group.thresholder["spike"].order = 0
            group.resetter["spike"].when = "after_synapses"
            group.resetter["spike"].order = 1

    rng = np.random.default_rng(seed)

    if name == "cuba":
        # Brian2 examples/CUBA.py
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
        eqs = """
        dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        """
        P = b2.NeuronGroup(4000, eqs, threshold=f"v {thr_op} Vt", reset="v = Vr",
                           refractory=5 * ms + rshift, method="exact",
                           namespace=dict(taum=taum, taue=taue, taui=taui,
                                          Vt=Vt, Vr=Vr, El=El))
        nest_schedule(P)
        P.v = "Vr + rand() * (Vt - Vr)"
        P.ge = 0 * mV
        P.gi = 0 * mV
        we = (60 * 0.27 / 10) * mV  # 1.62 mV
        wi = (-20 * 4.5 / 10) * mV  # -9 mV
        Ce = b2.Synapses(P, P, on_pre="ge += we", delay=0.1 * ms - dshift,
                         namespace=dict(we=we))
        Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms - dshift,
                         namespace=dict(wi=wi))
        Ce.connect("i<3200", p=0.02)
        Ci.connect("i>=3200", p=0.02)
        return [("E", 0, 3200), ("I", 3200, 4000)], [Ce, Ci], [P], []

    if name == "coba":
        # Brian (1) examples/COBA.py (R. Brette, Dec 2007), Brette et al. 2007
        # benchmark 1, rewritten with absolute potentials:
        #   conductances ge, gi are in units of the leak conductance g_L
        #   (g_L = 10 nS, C_m = 200 pF in the original benchmark).
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        El, Ee, Ei = -60 * mV, 0 * mV, -80 * mV
        Vt, Vr = -50 * mV, -60 * mV
        eqs = """
        dv/dt  = (ge*(Ee-v)+gi*(Ei-v)+(El-v))/taum : volt (unless refractory)
        dge/dt = -ge/taue : 1
        dgi/dt = -gi/taui : 1
        """
        P = b2.NeuronGroup(4000, eqs, threshold=f"v {thr_op} Vt", reset="v = Vr",
                           refractory=5 * ms + rshift, method="euler",
                           namespace=dict(taum=taum, taue=taue, taui=taui,
                                          El=El, Ee=Ee, Ei=Ei, Vt=Vt, Vr=Vr))
        nest_schedule(P)
        P.v = "El + (randn()*5 - 5)*mV"
        P.ge = "randn()*1.5 + 4"
        P.gi = "randn()*12 + 20"
        we = 6.0 / 10.0   # 6 nS / 10 nS
        wi = 67.0 / 10.0  # 67 nS / 10 nS
        Ce = b2.Synapses(P, P, on_pre="ge += we", delay=0.1 * ms - dshift,
                         namespace=dict(we=we))
        Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms - dshift,
                         namespace=dict(wi=wi))
        Ce.connect("i<3200", p=0.02)
        Ci.connect("i>=3200", p=0.02)
        return [("E", 0, 3200), ("I", 3200, 4000)], [Ce, Ci], [P], []

    if name in ("brunel-si", "brunel-ai"):
        g, eta = (5.0, 2.0) if name == "brunel-si" else (6.0, 4.0)
        NE, NI = 10000, 2500
        N = NE + NI
        CE, CI = 1000, 250
        tau, theta, Vr, tref = 20 * ms, 20 * mV, 10 * mV, 2 * ms
        J = 0.1 * mV
        D = 1.5 * ms
        nu_th = theta / (J * CE * tau)  # 10 Hz
        nu_ex = eta * nu_th  # per external input; total eta*nu_th*CE
        eqs = "dv/dt = -v/tau : volt (unless refractory)"
        P = b2.NeuronGroup(N, eqs, threshold=f"v {thr_op} theta", reset="v = Vr",
                           refractory=tref + rshift, method="exact",
                           namespace=dict(tau=tau, theta=theta, Vr=Vr))
        nest_schedule(P)
        P.v = 0 * mV
        # fixed in-degree, autapses and multapses allowed (sampling with
        # replacement), like NEST's fixed_indegree defaults
        post_e = np.repeat(np.arange(N, dtype=np.int32), CE)
        pre_e = rng.integers(0, NE, size=N * CE, dtype=np.int32)
        post_i = np.repeat(np.arange(N, dtype=np.int32), CI)
        pre_i = rng.integers(0, NI, size=N * CI, dtype=np.int32)
        # v is "(unless refractory)", so Brian2 turns these writes into
        # conditional writes: input arriving while the target is refractory
        # is discarded, as NEST's iaf_psc_delta does (refractory_input=False).
        Se = b2.Synapses(P[:NE], P, on_pre="v_post += J", delay=D - dshift,
                         namespace=dict(J=J))
        Si = b2.Synapses(P[NE:], P, on_pre="v_post += -g*J", delay=D - dshift,
                         namespace=dict(J=J, g=g))
        Se.connect(i=pre_e, j=post_e)
        Si.connect(i=pre_i, j=post_i)
        # External drive: every neuron gets an independent Poisson train of
        # rate CE*eta*nu_th with weight J.  PoissonInput draws, per neuron
        # and step, binomial(CE, eta*nu_th*dt) events (the sum of CE
        # independent Poisson inputs) and adds weight*count to v in the
        # 'synapses' slot (also a conditional write -> dropped while
        # refractory, like NEST).
        ext = b2.PoissonInput(P, "v", N=CE, rate=nu_ex, weight=J)
        return [("E", 0, NE), ("I", NE, N)], [Se, Si], [P], [ext]

    raise ValueError(f"unknown model {name}")


# --------------------------------------------------------------------------
# one model, in this process
# --------------------------------------------------------------------------
def run_one(args):
    t_start = time.perf_counter()
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    workdir = tempfile.mkdtemp(prefix=f"b2_{args.model}_")
    try:
        b2.set_device("cpp_standalone", directory=workdir, with_output=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0  # no OpenMP: 1 thread
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{args.make_jobs}"]
        b2.defaultclock.dt = DT_MS * b2.ms
        b2.seed(args.seed)

        t_build0 = time.perf_counter()
        pops, syns, groups, others = build_model(args.model, b2, args.schedule, args.seed)
        mon = b2.SpikeMonitor(groups[0])
        net = b2.Network(*groups, *syns, *others, mon)
        t_build1 = time.perf_counter()
        net.run(args.duration * b2.ms)
        t_run1 = time.perf_counter()

        sims = [float(b2.device._last_run_time)]
        compile_s = float(b2.device.timers["compile"]["make"])
        run_binary_s = [float(b2.device.timers["run_binary"])]
        # statistics (read back from the results directory)
        i = np.asarray(mon.i[:], dtype=np.int64)
        t_ms = np.asarray(mon.t[:] / b2.ms, dtype=np.float64)
        n_syn = int(sum(len(s) for s in syns))
        t_done = time.perf_counter()
        wall_s = t_done - t_build0

        # further repeats: re-run the same compiled binary (same seed, so the
        # same network and the same spikes; only the timing varies)
        for _ in range(args.repeats - 1):
            b2.device.run(directory=workdir, with_output=False)
            sims.append(float(b2.device._last_run_time))
            run_binary_s.append(float(b2.device.timers["run_binary"]))

        if args.schedule == "nest":
            # Brian2 stamps the step start t_n; NEST/Myelin stamp t_{n+1}
            t_ms = t_ms + DT_MS
        stats = spike_stats(i, t_ms, pops, args.duration, args.transient)
        res = {
            "model": args.model,
            "simulator": "brian2",
            "brian2_version": b2.__version__,
            "device": "cpp_standalone",
            "threads": 1,
            "schedule": args.schedule,
            "dt_ms": DT_MS,
            "duration_ms": args.duration,
            "seed": args.seed,
            "n_neurons": int(len(groups[0])),
            "n_synapses": n_syn,
            "simulate_s": float(np.median(sims)),
            "simulate_s_all": sims,
            "wall_s": wall_s,
            "python_build_s": t_build1 - t_build0,
            "codegen_s": (t_run1 - t_build1) - compile_s - run_binary_s[0],
            "compile_s": compile_s,
            "run_binary_s": run_binary_s,
            "process_s": t_done - t_start,
            **stats,
        }
        print(json.dumps(res), flush=True)
    finally:
        if args.keep:
            print(f"# kept project directory {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="all", choices=MODELS + ["all"])
    ap.add_argument("--duration", type=float, default=1000.0, help="biological time, ms")
    ap.add_argument("--repeats", type=int, default=1,
                    help="runs of the compiled binary; simulate_s is their median")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--schedule", default="nest", choices=["nest", "brian"])
    ap.add_argument("--transient", type=float, default=0.0,
                    help="ignore spikes before this time (ms) in the statistics")
    ap.add_argument("--make-jobs", type=int, default=2, help="make -jN for the compile")
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    if args.model != "all":
        run_one(args)
        return
    # one fresh process per model: Brian2's standalone device holds global state
    rc = 0
    for m in MODELS:
        cmd = [sys.executable, os.path.abspath(__file__), "--model", m,
               "--duration", str(args.duration), "--repeats", str(args.repeats),
               "--seed", str(args.seed), "--schedule", args.schedule,
               "--transient", str(args.transient), "--make-jobs", str(args.make_jobs)]
        if args.keep:
            cmd.append("--keep")
        r = subprocess.run(cmd)
        rc = rc or r.returncode
    sys.exit(rc)


if __name__ == "__main__":
    main()
