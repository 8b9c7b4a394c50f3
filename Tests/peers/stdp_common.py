"""Shared parameters and statistics for the STDP peer scripts (NOT part of the test suite).

Imported by brian2_song2000.py, nest_song2000.py, brian2_brunel_stdp.py,
nest_brunel_stdp.py and compare_stdp.py.  Needs only numpy, so it works in
both the Brian2 venv and the NEST venv.  See README.md for the models.
"""
import json

import numpy as np

DT_MS = 0.1

# --------------------------------------------------------------------------
# Song, Miller & Abbott (2000), as in Brian2's examples/synapses/STDP.py
# --------------------------------------------------------------------------
SONG = dict(
    N=1000,            # Poisson inputs
    rate_hz=15.0,      # per input
    taum_ms=10.0,
    Ee_mV=0.0,
    vt_mV=-54.0,
    vr_mV=-60.0,
    El_mV=-74.0,
    taue_ms=5.0,
    gmax=0.01,         # in units of the leak conductance (0.1 nS for g_L = 10 nS)
    taupre_ms=20.0,
    taupost_ms=20.0,
    dApre=0.01,        # relative to gmax: dApre = 0.01 * gmax
    alpha=1.05,        # dApost = -alpha * dApre  (taupre == taupost)
    delay_ms=0.1,      # one step: Myelin's minimum delay
    g_L_nS=10.0,       # for NEST: C_m = g_L * taum = 100 pF, Wmax = gmax * g_L = 0.1 nS
)

# --------------------------------------------------------------------------
# Brunel (2000) g = 5, eta = 2 with plastic E->E synapses
# --------------------------------------------------------------------------
BRUNEL = dict(
    NE=10000, NI=2500, CE=1000, CI=250,
    g=5.0, eta=2.0,
    J_mV=0.1, D_ms=1.5,
    tau_m_ms=20.0, theta_mV=20.0, V_r_mV=10.0, t_ref_ms=2.0,
    # additive all-to-all pair STDP on E->E
    tau_plus_ms=20.0, tau_minus_ms=20.0,
    w_max_mV=0.2,       # 2 J
    A_plus_mV=0.001,    # NEST: lambda = A_plus / Wmax = 0.005
    alpha=1.05,         # A_minus = alpha * A_plus
    w_init_mV=0.1,      # J
)


def brunel_nu_ext_hz(p=BRUNEL):
    """Rate of each of the CE external inputs (eta * nu_th); the total per neuron is CE times this."""
    nu_th = p["theta_mV"] / (p["J_mV"] * p["CE"] * p["tau_m_ms"]) * 1000.0  # Hz
    return p["eta"] * nu_th


# --------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------
def median(xs):
    return float(np.median(np.asarray(xs, dtype=float)))


def song_weight_stats(w_rel):
    """w_rel: final weights divided by gmax (Wmax in NEST)."""
    w = np.asarray(w_rel, dtype=float)
    counts, edges = np.histogram(w, bins=20, range=(0.0, 1.0))
    return {
        "n_synapses": int(w.size),
        "low_fraction": float(np.mean(w < 0.1)),
        "high_fraction": float(np.mean(w > 0.9)),
        "mean_weight_fraction": float(w.mean()),
        "weight_hist_20": [int(c) for c in counts],
        "weight_hist_edges": [round(float(e), 4) for e in edges],
    }


def output_rates(t_ms, duration_ms, n_neurons=1):
    """Rate over the whole run and over its last 10 %."""
    t = np.asarray(t_ms, dtype=float)
    T = duration_ms / 1000.0
    tail0 = 0.9 * duration_ms
    return {
        "n_output_spikes": int(t.size),
        "rate_hz": float(t.size / n_neurons / T),
        "rate_last10_hz": float(np.sum(t >= tail0) / n_neurons / (0.1 * T)),
    }


def weight_bound_stats(w, w_max, rtol=1e-6):
    w = np.asarray(w, dtype=float)
    tol = rtol * w_max
    return {
        "n_plastic": int(w.size),
        "w_mean_mV": float(w.mean()),
        "w_std_mV": float(w.std()),
        "w_min_mV": float(w.min()),
        "w_max_mV": float(w.max()),
        "frac_at_0": float(np.mean(w <= tol)),
        "frac_at_wmax": float(np.mean(w >= w_max - tol)),
    }


def emit(res, as_json, summary_lines):
    """One JSON line (--json) or a short human summary."""
    if as_json:
        print(json.dumps(res), flush=True)
    else:
        for line in summary_lines:
            print(line)


def nest_pending_facilitation(w, kplus, t_last, tgt, post_tgt, post_t, t_end,
                              delay, tau_plus, a_plus, w_max):
    """Apply the facilitation NEST's stdp_synapse has not applied yet.

    NEST updates an stdp_synapse only when its presynaptic neuron fires: the
    facilitation due to the postsynaptic spikes t_post in (t_last - d, t_next - d]
    is applied at the next presynaptic spike t_next (the delay d is
    dendritic).  The weights read after Simulate() therefore miss the
    facilitation by the postsynaptic spikes in (t_last - d, t_end - d], which
    Brian2 (event-driven on_post) has already applied.  This adds it, as
    NEST's facilitate_() with mu_plus = 0 would: w += a_plus * Kplus *
    exp(-(t_post + d - t_last)/tau_plus), clipped at w_max.

    Per synapse: w, kplus (the stored Kplus, i.e. just after t_last), t_last
    (last spike of the source, NaN if none), tgt (0-based target index).
    post_tgt/post_t: all postsynaptic spikes (0-based target, stamp in ms).
    """
    w = np.array(w, dtype=float)
    post_tgt = np.asarray(post_tgt, dtype=np.int64)
    post_t = np.asarray(post_t, dtype=float)
    if post_t.size == 0:
        return w
    span = float(t_end) + 10.0 * delay + 1.0
    keys = np.sort(post_tgt * span + post_t)
    ok = ~np.isnan(t_last)
    idx = np.nonzero(ok)[0]
    base = np.asarray(tgt, dtype=np.int64)[idx] * span
    tl = np.asarray(t_last, dtype=float)[idx]
    eps = 1e-6
    lo = np.searchsorted(keys, base + tl - delay + eps, side="left")   # t_post > t_last - d
    hi = np.searchsorted(keys, base + t_end - delay + eps, side="left")  # t_post <= t_end - d
    kp = np.asarray(kplus, dtype=float)[idx]
    j = 0
    while True:
        m = lo + j < hi
        if not m.any():
            break
        sel = idx[m]
        tp = keys[lo[m] + j] - base[m]
        w[sel] = np.minimum(w[sel] + a_plus * kp[m] * np.exp(-(tp + delay - tl[m]) / tau_plus), w_max)
        j += 1
    return w


def last_spike_times(senders, times, n):
    """Last spike time of each of n sources (0-based senders), NaN if silent."""
    out = np.full(n, np.nan)
    s = np.asarray(senders, dtype=np.int64)
    t = np.asarray(times, dtype=float)
    if s.size:
        order = np.lexsort((t, s))
        s, t = s[order], t[order]
        last = np.r_[s[1:] != s[:-1], True]
        out[s[last]] = t[last]
    return out


def nest_reset(nest, seed):
    """Fresh NEST kernel for one run: quiet, dt = DT_MS, one thread, the given seed."""
    nest.ResetKernel()
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR  # NEST >= 3.10
    except AttributeError:
        nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": DT_MS, "local_num_threads": 1,
                          "rng_seed": seed, "print_time": False})
