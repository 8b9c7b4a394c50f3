#!/usr/bin/env python3
"""NEST peer: Brunel (2000) g = 5, eta = 2 with plastic E->E synapses (NOT part of the test suite).

As in NEST's brunel_delta_nest.py (iaf_psc_delta, C_m 1 pF, tau_m 20 ms,
t_ref 2 ms, E_L 0, V_reset 10 mV, V_th 20 mV, V_m(0) = 0, NE 10000, NI 2500,
fixed in-degree CE 1000 / CI 250 with autapses and multapses, J 0.1 mV,
g 5, D 1.5 ms, one poisson_generator at CE*eta*nu_th = 20 kHz to every
neuron with weight J), except that E->E uses stdp_synapse:

  tau_plus 20 ms (synapse), tau_minus 20 ms (E neurons), lambda 0.005,
  alpha 1.05, mu_plus = mu_minus = 0 (additive, hard bounds), Wmax 0.2 mV,
  initial weight J = 0.1 mV, delay 1.5 ms
  => A_plus = lambda*Wmax = 0.001 mV, A_minus = alpha*A_plus.

NEST treats the whole delay of an stdp_synapse as dendritic (pairing
uses t_post + D - t_pre); brian2_brunel_stdp.py --stdp-delay dendritic
reproduces that.  One thread, dt 0.1 ms, a spike_recorder on all neurons.

Final weights: NEST updates an stdp_synapse only at presynaptic spikes, so
the weights it holds after Simulate() lack the facilitation by the
postsynaptic spikes since each synapse's last presynaptic spike (about
+0.0005 mV on the mean after 200 ms).  The w_* / frac_* fields are the
weights as NEST holds them; "settled" adds the pending facilitation
(stdp_common.nest_pending_facilitation), comparable to Brian2.  Reading
the 10 M weights takes one to two minutes (--no-weights skips it).

Timing: simulate_s is the median over --repeats of the wall time of
nest.Simulate() (includes Prepare, i.e. the first-call set-up of NEST's
connection tables, reported separately by the kernel as
time_communicate_prepare).  Every repeat resets the kernel and rebuilds the
network with the same seed.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from brian2_benchmarks import spike_stats  # noqa: E402  (numpy only)
from stdp_common import (BRUNEL, DT_MS, brunel_nu_ext_hz, emit, last_spike_times, median,  # noqa: E402
                         nest_pending_facilitation, nest_reset, weight_bound_stats)


def build(nest, args):
    p = BRUNEL
    nest_reset(nest, args.seed)
    NE, NI, CE, CI = p["NE"], p["NI"], p["CE"], p["CI"]
    J, D, g = p["J_mV"], p["D_ms"], p["g"]
    params = {"C_m": 1.0, "tau_m": p["tau_m_ms"], "t_ref": p["t_ref_ms"], "E_L": 0.0,
              "V_reset": p["V_r_mV"], "V_m": 0.0, "V_th": p["theta_mV"],
              "tau_minus": p["tau_minus_ms"]}
    E = nest.Create("iaf_psc_delta", NE, params=params)
    I = nest.Create("iaf_psc_delta", NI, params=params)
    noise = nest.Create("poisson_generator", params={"rate": brunel_nu_ext_hz() * CE})
    nest.CopyModel("static_synapse", "excitatory", {"weight": J, "delay": D})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -g * J, "delay": D})
    nest.CopyModel("stdp_synapse", "stdp_ee", {
        "weight": p["w_init_mV"], "delay": D, "tau_plus": p["tau_plus_ms"],
        "lambda": p["A_plus_mV"] / p["w_max_mV"], "alpha": p["alpha"],
        "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": p["w_max_mV"]})
    nest.Connect(noise, E + I, syn_spec="excitatory")
    nest.Connect(E, E, {"rule": "fixed_indegree", "indegree": CE}, "stdp_ee")
    nest.Connect(E, I, {"rule": "fixed_indegree", "indegree": CE}, "excitatory")
    nest.Connect(I, E + I, {"rule": "fixed_indegree", "indegree": CI}, "inhibitory")
    sr = nest.Create("spike_recorder")
    nest.Connect(E + I, sr)
    return E, I, sr


def read_plastic(nest, sources, targets, model, chunk=200):
    """source, target (node ids), weight and Kplus of sources->targets.

    Read a block of `chunk` targets at a time: SynapseCollection.get() builds
    the full status dict of every connection before picking the keys, which
    for the 10 M E->E synapses is more than 24 GB of Python objects (the
    process gets OOM-killed).  200 targets (200 000 synapses) per block keep
    it to a few hundred MB; reading all 10 M still takes over a minute.
    """
    keys = ("source", "target", "weight", "Kplus")
    parts = {k: [] for k in keys}
    for k in range(0, len(targets), chunk):
        c = nest.GetConnections(sources, targets[k:k + chunk], synapse_model=model)
        if len(c):
            d = c.get(list(keys))
            for key in keys:
                parts[key].append(np.atleast_1d(np.asarray(d[key])))
    return {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="biological time, ms (default 1000)")
    ap.add_argument("--repeats", type=int, default=1, help="simulate_s is the median of this many runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weights-out", metavar="FILE.npy",
                    help="save the final E->E weights (mV, as NEST holds them)")
    ap.add_argument("--no-weights", action="store_true",
                    help="skip reading the 10 M weights (over a minute); timing and rates only")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    t_start = time.perf_counter()
    os.environ.setdefault("PYNEST_QUIET", "1")  # no banner on stdout
    import nest

    sims, builds, kernel = [], [], []
    for r in range(args.repeats):
        t_b0 = time.perf_counter()
        E, I, sr = build(nest, args)
        t_b1 = time.perf_counter()
        nest.Simulate(args.duration)
        t_s1 = time.perf_counter()
        log(f"repeat {r + 1}/{args.repeats}: build {t_b1 - t_b0:.1f} s, simulate {t_s1 - t_b1:.2f} s")
        sims.append(t_s1 - t_b1)
        builds.append(t_b1 - t_b0)
        ks = nest.GetKernelStatus()
        kernel.append({k: float(np.sum(ks[k])) for k in
                       ("time_simulate", "time_communicate_prepare", "time_construction_connect")
                       if k in ks})
    NE, NI = BRUNEL["NE"], BRUNEL["NI"]
    p = BRUNEL
    n_syn = int(nest.GetKernelStatus("num_connections"))
    ev = sr.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64) - E[0].global_id
    t_ms = np.asarray(ev["times"], dtype=float)
    stats = spike_stats(senders, t_ms, [("E", 0, NE), ("I", NE, NE + NI)], args.duration)
    wstats, settled, read_s = {}, {}, None
    if not args.no_weights:
        t_w0 = time.perf_counter()
        c = read_plastic(nest, E, E, "stdp_ee")
        read_s = time.perf_counter() - t_w0
        log(f"read {c['weight'].size} E->E synapses in {read_s:.1f} s")
        w = c["weight"].astype(float)
        wstats = weight_bound_stats(w, p["w_max_mV"])
        # the facilitation NEST applies only at each synapse's next pre spike
        isE = senders < NE
        t_last = last_spike_times(senders[isE], t_ms[isE], NE)
        src = c["source"].astype(np.int64) - E[0].global_id
        tgt = c["target"].astype(np.int64) - E[0].global_id
        w_settled = nest_pending_facilitation(
            w, c["Kplus"], t_last[src], tgt, senders[isE], t_ms[isE], args.duration,
            p["D_ms"], p["tau_plus_ms"], p["A_plus_mV"], p["w_max_mV"])
        settled = weight_bound_stats(w_settled, p["w_max_mV"])
        if args.weights_out:
            np.save(args.weights_out, w)
    res = {
        "model": "brunel-stdp",
        "simulator": "nest",
        "nest_version": nest.__version__,
        "threads": 1,
        "dt_ms": DT_MS,
        "duration_ms": args.duration,
        "seed": args.seed,
        "n_neurons": NE + NI,
        "n_connections": n_syn,  # includes the 12500 from the poisson_generator and to the recorder
        "simulate_s": median(sims),
        "simulate_s_all": sims,
        "build_s": median(builds),
        "kernel_timers_s": kernel,
        "read_weights_s": read_s,
        "process_s": time.perf_counter() - t_start,
        "rate_hz": stats["rates_hz"]["E"],  # mean E rate (compare_stdp.py)
        **stats,
        # E->E weights as NEST holds them after Simulate()
        **wstats,
        # ... and with the pending facilitation applied (comparable to Brian2)
        "settled": settled,
    }
    lines = [
        f"brunel-stdp nest {nest.__version__}, {args.duration:g} ms, seed {args.seed}: simulate "
        f"{res['simulate_s']:.3f} s (median of {args.repeats}), build {res['build_s']:.1f} s",
        f"rates E {stats['rates_hz']['E']:.2f} Hz, I {stats['rates_hz']['I']:.2f} Hz"]
    for label, ws in (("as read", wstats), ("settled", settled)):
        if ws:
            lines.append(f"E->E w {label}: mean {ws['w_mean_mV']:.5f} mV, std {ws['w_std_mV']:.5f} mV, "
                         f"at 0 {ws['frac_at_0']:.4f}, at w_max {ws['frac_at_wmax']:.4f}")
    emit(res, args.json, lines)


if __name__ == "__main__":
    main()
