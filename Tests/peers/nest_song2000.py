#!/usr/bin/env python3
"""NEST peer: Song, Miller & Abbott (2000) STDP (NOT part of the test suite).

The experiment of brian2_song2000.py in NEST 3.x, one thread, dt 0.1 ms:

  poisson_generator (15 Hz) -> 1000 parrot_neuron -> iaf_cond_exp
                     static, 0.1 ms         stdp_synapse, 0.1 ms

A poisson_generator draws an independent train for every target, but its
events cannot go through a plastic synapse (NEST only allows static
synapses from devices), so each train is relayed by its own parrot_neuron,
a real node that repeats its input: parrot i's output is input train i.
The parrots add one delay (0.1 ms) in front of the STDP synapse; it only
shifts all inputs in time.

iaf_cond_exp: g_L 10 nS, C_m 100 pF (tau_m 10 ms), E_L -74 mV, V_th -54,
V_reset -60, E_ex 0, tau_syn_ex 5 ms, t_ref 0, V_m(0) = -74 mV, tau_minus 20.
stdp_synapse: tau_plus 20 ms, lambda 0.01, alpha 1.05, mu_plus = mu_minus = 0
(additive, hard bounds [0, Wmax]), Wmax 0.1 nS (gmax = 0.01 g_L), initial
weight uniform in [0, Wmax], delay 0.1 ms.  All-to-all pair traces as in
Brian2's example: dApre = lambda*Wmax, dApost = -alpha*lambda*Wmax.

Final weights: NEST updates an stdp_synapse only at presynaptic spikes, so
the weights it holds after Simulate() lack the facilitation by the
postsynaptic spikes since each synapse's last presynaptic spike.  The
low/high/mean fields are the weights as NEST holds them; "settled" adds
the pending facilitation (stdp_common.nest_pending_facilitation, from the
recorded parrot and output spikes and each synapse's Kplus), which is what
Brian2's event-driven on_post has already applied.

Timing: simulate_s is the median over --repeats of the wall time of
nest.Simulate() (which includes NEST's Prepare/Cleanup and, in the first
call, the set-up of the connection tables; kernel timers are reported
too).  Every repeat resets the kernel and rebuilds the network with the
same seed.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stdp_common import (DT_MS, SONG, emit, last_spike_times, median, nest_pending_facilitation,  # noqa: E402
                         nest_reset, output_rates, song_weight_stats)


def build(nest, args):
    p = SONG
    nest_reset(nest, args.seed)
    g_L = p["g_L_nS"]
    wmax = p["gmax"] * g_L  # nS
    neuron = nest.Create("iaf_cond_exp", 1, params={
        "g_L": g_L, "C_m": g_L * p["taum_ms"],  # nS * ms = pF
        "E_L": p["El_mV"], "V_th": p["vt_mV"], "V_reset": p["vr_mV"],
        "E_ex": p["Ee_mV"], "tau_syn_ex": p["taue_ms"], "t_ref": 0.0,
        "V_m": p["El_mV"], "I_e": 0.0, "tau_minus": p["taupost_ms"]})
    pg = nest.Create("poisson_generator", params={"rate": p["rate_hz"]})
    parrots = nest.Create("parrot_neuron", p["N"])
    # one independent Poisson train per parrot
    nest.Connect(pg, parrots, "all_to_all", {"synapse_model": "static_synapse",
                                             "weight": 1.0, "delay": p["delay_ms"]})
    nest.CopyModel("stdp_synapse", "stdp_song", {
        "tau_plus": p["taupre_ms"], "lambda": p["dApre"], "alpha": p["alpha"],
        "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": wmax})
    nest.Connect(parrots, neuron, "all_to_all", {
        "synapse_model": "stdp_song",
        "weight": nest.random.uniform(min=0.0, max=wmax),
        "delay": p["delay_ms"]})
    sr = nest.Create("spike_recorder")
    nest.Connect(neuron, sr)
    # the parrots' spikes give each synapse's last presynaptic spike, needed
    # for the pending facilitation (see stdp_common.nest_pending_facilitation)
    sr_in = None
    if not args.no_settle:
        sr_in = nest.Create("spike_recorder")
        nest.Connect(parrots, sr_in)
    return neuron, parrots, sr, sr_in, wmax


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=100.0, help="biological time, seconds (default 100)")
    ap.add_argument("--repeats", type=int, default=1, help="simulate_s is the median of this many runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-settle", action="store_true",
                    help="do not record the parrots: no 'settled' weights, no input rate")
    ap.add_argument("--weights-out", metavar="FILE.npy", help="save the final w/Wmax")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    t_start = time.perf_counter()
    os.environ.setdefault("PYNEST_QUIET", "1")  # no banner on stdout
    import nest

    duration_ms = args.duration * 1000.0
    sims, builds, kernel = [], [], []
    for r in range(args.repeats):
        t_b0 = time.perf_counter()
        neuron, parrots, sr, sr_in, wmax = build(nest, args)
        t_b1 = time.perf_counter()
        nest.Simulate(duration_ms)
        t_s1 = time.perf_counter()
        sims.append(t_s1 - t_b1)
        builds.append(t_b1 - t_b0)
        ks = nest.GetKernelStatus()
        kernel.append({k: float(np.sum(ks[k])) for k in ("time_simulate", "time_communicate_prepare")
                       if k in ks})
    c = nest.GetConnections(parrots, neuron).get(["source", "weight", "Kplus"])
    w = np.asarray(c["weight"], dtype=float)
    t_out = np.asarray(sr.get("events")["times"], dtype=float)
    w_rel = w / wmax
    extra = {}
    if sr_in is not None:
        ev_in = sr_in.get("events")
        p0 = parrots[0].global_id
        t_last = last_spike_times(np.asarray(ev_in["senders"]) - p0, ev_in["times"], len(parrots))
        src = np.asarray(c["source"], dtype=np.int64) - p0
        w_settled = nest_pending_facilitation(
            w, c["Kplus"], t_last[src], np.zeros(w.size, dtype=np.int64),
            np.zeros(t_out.size, dtype=np.int64), t_out, duration_ms, SONG["delay_ms"],
            SONG["taupre_ms"], SONG["dApre"] * wmax, wmax)
        extra = {"input_rate_hz": sr_in.get("n_events") / SONG["N"] / args.duration,
                 # w/Wmax with the pending facilitation applied (comparable to Brian2)
                 "settled": song_weight_stats(w_settled / wmax)}
    if args.weights_out:
        np.save(args.weights_out, w_rel)
    res = {
        "model": "song2000",
        "simulator": "nest",
        "nest_version": nest.__version__,
        "threads": 1,
        "dt_ms": DT_MS,
        "duration_s": args.duration,
        "duration_ms": duration_ms,
        "seed": args.seed,
        "simulate_s": median(sims),
        "simulate_s_all": sims,
        "build_s": median(builds),
        "kernel_timers_s": kernel,
        "process_s": time.perf_counter() - t_start,
        **output_rates(t_out, duration_ms),
        # w/Wmax as NEST holds them after Simulate()
        **song_weight_stats(w_rel),
        **extra,
    }
    lines = [
        f"song2000 nest {nest.__version__}, {args.duration:g} s, seed {args.seed}: "
        f"simulate {res['simulate_s']:.3f} s (median of {args.repeats}), build {res['build_s']:.2f} s",
        f"output rate {res['rate_hz']:.2f} Hz (last 10%: {res['rate_last10_hz']:.2f} Hz), "
        f"w/Wmax: low(<0.1) {res['low_fraction']:.3f}, high(>0.9) {res['high_fraction']:.3f}, "
        f"mean {res['mean_weight_fraction']:.4f}"]
    if extra:
        st = extra["settled"]
        lines[-1] += (f"; settled: low {st['low_fraction']:.3f}, high {st['high_fraction']:.3f}, "
                      f"mean {st['mean_weight_fraction']:.4f}")
    lines.append("hist(20 bins) " + " ".join(str(c) for c in res["weight_hist_20"]))
    emit(res, args.json, lines)


if __name__ == "__main__":
    main()
