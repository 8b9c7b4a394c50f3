#!/usr/bin/env python3
"""Brian2 peer: Song, Miller & Abbott (2000) STDP (NOT part of the test suite).

Brian2's examples/synapses/STDP.py with two changes: v starts at El (the
example leaves it at 0) and the pre pathway has a 0.1 ms delay (one step,
Myelin's minimum).  N = 1000 PoissonGroup inputs at 15 Hz, one
conductance-based LIF neuron, additive all-to-all pair STDP with hard
bounds [0, gmax].  dt = 0.1 ms, one thread.

  dv/dt  = (ge*(Ee-v) + El - v)/taum      taum 10 ms, Ee 0, El -74 mV
  dge/dt = -ge/taue                       taue 5 ms (ge in units of g_L)
  threshold v > vt (-54 mV), reset v = vr (-60 mV), no refractoriness
  w = rand()*gmax, gmax 0.01, taupre = taupost = 20 ms,
  dApre = 0.01*gmax, dApost = -1.05*dApre
  on_pre:  ge += w; Apre += dApre; w = clip(w + Apost, 0, gmax)
  on_post: Apost += dApost; w = clip(w + Apre, 0, gmax)

Timing: simulate_s is the median over --repeats of device._last_run_time,
the main simulation loop only (standalone: std::clock() inside the
generated Network::run(), excluding code generation, compilation,
synapse creation and initialisation; runtime: the Python main loop,
excluding code generation/compilation in before_run).  Standalone repeats
re-run the same compiled binary, runtime repeats restore the network
(including the random state) to t = 0: either way every repeat simulates
the same spikes, only the timing varies.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stdp_common import DT_MS, SONG, emit, median, output_rates, song_weight_stats  # noqa: E402


def build(b2, args):
    ms, mV, Hz = b2.ms, b2.mV, b2.Hz
    p = SONG
    gmax = p["gmax"]
    dApre = p["dApre"] * gmax
    dApost = -p["alpha"] * dApre * (p["taupre_ms"] / p["taupost_ms"])
    ns = dict(taum=p["taum_ms"] * ms, Ee=p["Ee_mV"] * mV, vt=p["vt_mV"] * mV,
              vr=p["vr_mV"] * mV, El=p["El_mV"] * mV, taue=p["taue_ms"] * ms,
              gmax=gmax, taupre=p["taupre_ms"] * ms, taupost=p["taupost_ms"] * ms,
              dApre=dApre, dApost=dApost)
    d = p["delay_ms"] * ms

    inp = b2.PoissonGroup(p["N"], rates=p["rate_hz"] * Hz)
    eqs = """
    dv/dt = (ge * (Ee-v) + El - v) / taum : volt
    dge/dt = -ge / taue : 1
    """
    neuron = b2.NeuronGroup(1, eqs, threshold="v>vt", reset="v = vr",
                            method=args.method, namespace=ns)
    neuron.v = p["El_mV"] * mV
    model = """w : 1
               dApre/dt = -Apre / taupre : 1 (event-driven)
               dApost/dt = -Apost / taupost : 1 (event-driven)"""
    plast_pre = """Apre += dApre
                   w = clip(w + Apost, 0, gmax)"""
    on_post = """Apost += dApost
                 w = clip(w + Apre, 0, gmax)"""
    if args.stdp_delay == "axonal":
        # as in the brief / Brian2 example: the whole pre pathway is delayed
        S = b2.Synapses(inp, neuron, model,
                        on_pre="ge += w\n" + plast_pre, on_post=on_post,
                        delay=d, namespace=ns)
    else:
        # NEST's stdp_synapse convention (delay entirely dendritic): the
        # transmission is delayed, the pre-side plasticity is not, and post
        # spikes reach the synapse after the delay.
        S = b2.Synapses(inp, neuron, model,
                        on_pre={"pre": "ge += w", "plast": plast_pre}, on_post=on_post,
                        delay={"pre": d, "plast": 0 * ms, "post": d}, namespace=ns)
    S.connect()
    S.w = "rand() * gmax"
    mon = b2.SpikeMonitor(neuron)
    objs = [inp, neuron, S, mon]
    in_mon = None
    if args.record_inputs:
        in_mon = b2.SpikeMonitor(inp)
        objs.append(in_mon)
    return b2.Network(*objs), S, mon, in_mon


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=100.0, help="biological time, seconds (default 100)")
    ap.add_argument("--repeats", type=int, default=1, help="simulate_s is the median of this many runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="standalone", choices=["standalone", "runtime"])
    ap.add_argument("--target", default="auto", choices=["auto", "cython", "numpy"],
                    help="runtime code generation target (runtime device only)")
    ap.add_argument("--method", default="euler",
                    help="state updater for the neuron (default euler, as in the Brian2 example)")
    ap.add_argument("--stdp-delay", default="axonal", choices=["axonal", "dendritic"],
                    help="axonal: whole on_pre delayed 0.1 ms (default); "
                         "dendritic: NEST stdp_synapse convention")
    ap.add_argument("--record-inputs", action="store_true",
                    help="also record the 1000 input trains (reports their mean rate)")
    ap.add_argument("--weights-out", metavar="FILE.npy", help="save the final w/gmax")
    ap.add_argument("--make-jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the generated C++ project")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    t_start = time.perf_counter()
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    duration_ms = args.duration * 1000.0
    workdir = None
    try:
        if args.device == "standalone":
            workdir = tempfile.mkdtemp(prefix="b2_song2000_")
            b2.set_device("cpp_standalone", directory=workdir, with_output=False)
            b2.prefs.devices.cpp_standalone.openmp_threads = 0  # no OpenMP: 1 thread
            b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{args.make_jobs}"]
        else:
            b2.prefs.codegen.target = args.target
        b2.defaultclock.dt = DT_MS * b2.ms
        b2.seed(args.seed)

        t_b0 = time.perf_counter()
        net, S, mon, in_mon = build(b2, args)
        t_b1 = time.perf_counter()
        sims, run_binary_s, compile_s = [], [], None
        if args.device == "standalone":
            net.run(duration_ms * b2.ms)
            sims.append(float(b2.device._last_run_time))
            compile_s = float(b2.device.timers["compile"]["make"])
            run_binary_s.append(float(b2.device.timers["run_binary"]))
            w = np.asarray(S.w[:], dtype=float)
            t_out = np.asarray(mon.t[:] / b2.ms, dtype=float)
            n_in = int(in_mon.num_spikes) if in_mon is not None else None
            wall_s = time.perf_counter() - t_b0
            for _ in range(args.repeats - 1):
                b2.device.run(directory=workdir, with_output=False)
                sims.append(float(b2.device._last_run_time))
                run_binary_s.append(float(b2.device.timers["run_binary"]))
            target = "cpp_standalone"
        else:
            net.store("t0")
            for r in range(args.repeats):
                if r:
                    net.restore("t0", restore_random_state=True)
                net.run(duration_ms * b2.ms)
                sims.append(float(b2.device._last_run_time))
                if r == 0:
                    wall_s = time.perf_counter() - t_b0
            w = np.asarray(S.w[:], dtype=float)
            t_out = np.asarray(mon.t[:] / b2.ms, dtype=float)
            n_in = int(in_mon.num_spikes) if in_mon is not None else None
            target = b2.prefs.codegen.target
            if target == "auto":  # what 'auto' resolved to (cython unless unavailable)
                from brian2.devices.device import auto_target
                target = f"auto ({auto_target().class_name})"

        w_rel = w / SONG["gmax"]
        if args.weights_out:
            np.save(args.weights_out, w_rel)
        res = {
            "model": "song2000",
            "simulator": "brian2",
            "brian2_version": b2.__version__,
            "device": args.device,
            "target": target,
            "threads": 1,
            "dt_ms": DT_MS,
            "duration_s": args.duration,
            "duration_ms": duration_ms,
            "seed": args.seed,
            "method": args.method,
            "stdp_delay": args.stdp_delay,
            "simulate_s": median(sims),
            "simulate_s_all": sims,
            "wall_s": wall_s,
            "python_build_s": t_b1 - t_b0,
            "compile_s": compile_s,
            "run_binary_s": run_binary_s or None,
            "process_s": time.perf_counter() - t_start,
            **output_rates(t_out, duration_ms),
            **song_weight_stats(w_rel),
        }
        if n_in is not None:
            res["input_rate_hz"] = n_in / SONG["N"] / args.duration
        emit(res, args.json, [
            f"song2000 brian2 {args.device} ({target}), {args.duration:g} s, seed {args.seed}: "
            f"simulate {res['simulate_s']:.3f} s (median of {args.repeats}), wall {wall_s:.1f} s",
            f"output rate {res['rate_hz']:.2f} Hz (last 10%: {res['rate_last10_hz']:.2f} Hz), "
            f"w/gmax: low(<0.1) {res['low_fraction']:.3f}, high(>0.9) {res['high_fraction']:.3f}, "
            f"mean {res['mean_weight_fraction']:.3f}",
            "hist(20 bins) " + " ".join(str(c) for c in res["weight_hist_20"]),
        ])
    finally:
        if workdir:
            if args.keep:
                print(f"# kept project directory {workdir}", file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
