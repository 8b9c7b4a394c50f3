#!/usr/bin/env python3
"""Three-way reference check: plain numpy, Brian2 and Myelin, spike for spike.

NOT part of the test suite.  A small feed-forward network in double
precision:

    stim (spike_generator, 3)  --stim_out-->  out (iaf_psc_exp, 5, I_e = 0)
    stim                       --stim_dc--->  dc  (iaf_psc_exp, 2, I_e = 400 pA)
    out                        --out_dc---->  dc

with explicit synapses (positive and negative weights in pA, one multapse,
delays 0.1 .. 3 ms) strong enough to make every neuron fire, including
inputs that arrive during refractoriness.

Semantics (NEST iaf_psc_exp, which Myelin follows), step t_k -> t_{k+1}:
  1. V advances with the exact solution of the linear ODE, starting from the
     synaptic currents at t_k (they decay within the step), unless the neuron
     is refractory;
  2. the currents decay by exp(-dt/tau_syn);
  3. spikes due at t_{k+1} are added to the currents (weight in pA; w > 0
     goes to I_ex, w < 0 to I_in);
  4. V >= V_th is tested; a spike is stamped t_{k+1}, V = V_reset and V stays
     clamped for t_ref/dt further steps (from s through s + t_ref).
  A spike stamped s with delay d enters the current at s + d (so it first
  moves V at s + d + dt).  A generator spike at time t is stamped t.

Brian2 mapping (see brian2_model() for the code):
  * Brian2 stamps a spike with the START of the step in which it is detected
    (t_n, after integrating t_n -> t_{n+1}).  Brian2 step n is NEST step
    k = n, so  Myelin stamp = Brian2 stamp + dt.
  * Brian2's default schedule is groups (integrate) -> thresholds -> synapses
    -> resets, i.e. input arriving in a step is only tested after a further
    integration step.  We move the thresholder and resetter to
    'after_synapses' so the order is integrate -> add input -> threshold ->
    reset, as in NEST.
  * With the thresholder after the synapses slot, a spike detected in step n
    is pushed into the spike queue in step n+1, so a Brian2 delay of d - dt
    delivers it in step n + d/dt, which is NEST's "enters the current at
    s + d".  Minimum delay dt -> Brian2 delay 0.
  * The spike generator also runs in 'after_synapses' and gets the times
    t - dt (so its stamps follow the same +dt rule and its spikes take the
    same delay path as neuron spikes).
  * Brian2's refractoriness counts the spike step itself:
    not_refractory = timestep(t - lastspike) >= timestep(refractory); NEST
    clamps V for t_ref/dt *further* updates.  So Brian2 refractory =
    t_ref + dt.  Only v is '(unless refractory)'; the currents keep decaying
    and integrating input during refractoriness, as in NEST.
  * method='exact' solves the same coupled linear system as NEST's
    propagators (only rounding differs).

Exit status: 0 = numpy, Brian2 and Myelin agree; 1 = a disagreement or a
Myelin failure; 2 = Myelin binary not found (numpy vs Brian2 still checked;
a disagreement there gives 1).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve()
REPO = _HERE.parents[2] if len(_HERE.parents) > 2 else Path.cwd()  # Tests/peers/ -> repo
DT = 0.1
DURATION = 100.0

NEURON_PARAMS = {"C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0,
                 "t_ref": 2.0, "E_L": -70.0, "V_reset": -70.0, "V_th": -55.0,
                 "I_e": 0.0}


def make_model():
    """The Myelin JSON model (dict)."""
    stim_times = [
        [1.0, 5.0, 5.5, 20.0, 40.0, 40.3, 60.0, 88.0],
        [2.0, 10.0, 30.0, 30.1, 70.5, 88.0],
        [3.3, 15.0, 45.0, 80.0, 80.1, 80.2, 95.0],
    ]
    out_params = dict(NEURON_PARAMS)
    dc_params = dict(NEURON_PARAMS, I_e=400.0)  # V_inf = -54 mV: slow tonic firing
    # (source, target, weight pA, delay ms)
    stim_out = [
        (0, 0, 3500.0, 1.0), (1, 0, -2500.0, 0.1), (2, 0, 2000.0, 2.5),
        (0, 1, 2000.0, 0.5), (1, 1, 2000.0, 1.5), (2, 1, 2000.0, 0.1),
        (0, 2, 6000.0, 0.1), (1, 2, -4000.0, 3.0), (0, 2, 1000.0, 0.4),
        (2, 3, 8000.0, 1.2), (0, 3, -1500.0, 2.0),
        (1, 4, 3000.0, 0.3), (2, 4, 1600.0, 0.7), (0, 4, 1600.0, 2.9),
    ]
    out_dc = [(0, 0, 2500.0, 1.0), (2, 1, -3000.0, 0.5), (3, 0, 1800.0, 2.2),
              (4, 1, 2600.0, 0.1), (1, 1, 1200.0, 3.0)]
    stim_dc = [(1, 0, 1000.0, 3.0), (2, 1, -800.0, 0.2)]

    def conn(lst):
        return {"rule": "explicit",
                "source": [s for s, _, _, _ in lst], "target": [t for _, t, _, _ in lst],
                "weight": [w for _, _, w, _ in lst], "delay": [d for _, _, _, d in lst]}

    return {
        "name": "ff_reference",
        "description": "Feed-forward iaf_psc_exp reference network "
                       "(Tests/peers/brian2_reference.py)",
        "dt": DT, "duration": DURATION, "seed": 1, "precision": "double",
        "populations": [
            {"name": "stim", "model": "spike_generator", "size": 3,
             "spike_times": stim_times},
            {"name": "out", "model": "iaf_psc_exp", "size": 5, "params": out_params,
             "initial": {"V_m": -70.0}},
            {"name": "dc", "model": "iaf_psc_exp", "size": 2, "params": dc_params,
             "initial": {"V_m": -70.0}},
        ],
        "projections": [
            {"name": "stim_out", "source": "stim", "target": "out", "connector": conn(stim_out)},
            {"name": "out_dc", "source": "out", "target": "dc", "connector": conn(out_dc)},
            {"name": "stim_dc", "source": "stim", "target": "dc", "connector": conn(stim_dc)},
        ],
    }


def steps_of(x, dt):
    s = round(x / dt)
    if abs(s * dt - x) > 1e-9:
        raise ValueError(f"{x} ms is not on the {dt} ms grid")
    return s


# --------------------------------------------------------------------------
# 1. plain numpy (NEST propagators), the independent check of the mapping
# --------------------------------------------------------------------------
VARIANTS = {
    "refractory one step shorter": dict(ref=-1),
    "refractory one step longer": dict(ref=+1),
    "delays one step longer": dict(delay=+1),
    "delays one step shorter (min 1)": dict(delay=-1),
    "input added before the current decay": dict(add_first=True),
}


def simulate_numpy(model, ref=0, delay=0, add_first=False):
    """NEST iaf_psc_exp semantics.  ref/delay/add_first perturb them (used
    only by the sensitivity self-check)."""
    dt = model["dt"]
    nsteps = steps_of(model["duration"], dt)
    pops = {p["name"]: p for p in model["populations"]}
    maxd = max(steps_of(d, dt) for pr in model["projections"] for d in pr["connector"]["delay"])
    nbuf = nsteps + maxd + 2
    buf = {}  # target -> (ex[nbuf, n], in[nbuf, n]); index = update k in which it is added
    state = {}
    for name, p in pops.items():
        if p["model"] == "iaf_psc_exp":
            q = p["params"]
            n = p["size"]
            buf[name] = (np.zeros((nbuf, n)), np.zeros((nbuf, n)))
            h = dt
            P11ex = math.exp(-h / q["tau_syn_ex"])
            P11in = math.exp(-h / q["tau_syn_in"])
            P22 = math.exp(-h / q["tau_m"])

            def p21(ts, tm=q["tau_m"], C=q["C_m"]):
                # contribution to V(h) of a unit current decaying with ts
                return tm * ts / (C * (ts - tm)) * (math.exp(-h / ts) - math.exp(-h / tm))

            state[name] = dict(
                V=np.full(n, p.get("initial", {}).get("V_m", q["E_L"]) - q["E_L"]),
                Iex=np.zeros(n), Iin=np.zeros(n), r=np.zeros(n, dtype=int),
                P11ex=P11ex, P11in=P11in, P22=P22, P21ex=p21(q["tau_syn_ex"]),
                P21in=p21(q["tau_syn_in"]),
                P20=q["tau_m"] / q["C_m"] * (1.0 - P22), Ie=q["I_e"],
                theta=q["V_th"] - q["E_L"], Vreset=q["V_reset"] - q["E_L"],
                refc=steps_of(q["t_ref"], dt) + ref)
    outgoing = {name: [] for name in pops}
    for pr in model["projections"]:
        c = pr["connector"]
        syn = [(s, t, w, max(1, steps_of(d, dt) + delay)) for s, t, w, d in
               zip(c["source"], c["target"], c["weight"], c["delay"])]
        outgoing[pr["source"]].append((pr["target"], syn))

    def deliver(src, idx, stamp_step):
        # spike stamped stamp_step*dt enters the current in update stamp_step-1+D
        for tgt, syn in outgoing[src]:
            ex, inh = buf[tgt]
            for s, t, w, D in syn:
                if s == idx:
                    k = stamp_step - 1 + D
                    if k < nbuf:
                        (ex if w > 0 else inh)[k, t] += w

    spikes = set()
    for name, p in pops.items():
        if p["model"] == "spike_generator":
            for idx, times in enumerate(p["spike_times"]):
                for tt in times:
                    j = steps_of(tt, dt)
                    if j < 1:
                        raise ValueError("generator spike times must be > 0")
                    spikes.add((name, idx, j))
                    deliver(name, idx, j)
    margin = float("inf")
    for k in range(nsteps):
        for name, st in state.items():
            free = st["r"] == 0
            Vn = (st["P22"] * st["V"] + st["P21ex"] * st["Iex"] + st["P21in"] * st["Iin"]
                  + st["P20"] * st["Ie"])
            st["V"] = np.where(free, Vn, st["V"])
            st["r"] = np.where(free, st["r"], st["r"] - 1)
            if add_first:  # wrong order, for the self-check only
                st["Iex"] = (st["Iex"] + buf[name][0][k]) * st["P11ex"]
                st["Iin"] = (st["Iin"] + buf[name][1][k]) * st["P11in"]
            else:  # NEST: decay, then add the spikes due at t_{k+1}
                st["Iex"] = st["Iex"] * st["P11ex"] + buf[name][0][k]
                st["Iin"] = st["Iin"] * st["P11in"] + buf[name][1][k]
            d = np.abs(st["V"][free] - st["theta"])
            if d.size:
                margin = min(margin, float(d.min()))
            fired = np.nonzero(st["V"] >= st["theta"])[0]
            for i in fired:
                st["r"][i] = st["refc"]
                st["V"][i] = st["Vreset"]
                spikes.add((name, int(i), k + 1))
                deliver(name, int(i), k + 1)
    return spikes, margin


# --------------------------------------------------------------------------
# 2. Brian2 (runtime device, numpy target, float64)
# --------------------------------------------------------------------------
def simulate_brian2(model):
    import brian2 as b2
    from brian2 import ms, mV, pA, pF

    b2.prefs.codegen.target = "numpy"
    b2.prefs.core.default_float_dtype = np.float64
    b2.prefs.logging.console_log_level = "WARNING"
    b2.start_scope()
    dt = model["dt"]
    b2.defaultclock.dt = dt * ms
    objs, groups, mons = [], {}, {}
    eqs = """
    dv/dt = (E_L - v)/tau_m + (I_ex + I_in + I_e)/C_m : volt (unless refractory)
    dI_ex/dt = -I_ex/tau_ex : amp
    dI_in/dt = -I_in/tau_in : amp
    I_e : amp (constant)
    """
    for p in model["populations"]:
        if p["model"] == "spike_generator":
            idx, tms = [], []
            for i, times in enumerate(p["spike_times"]):
                for tt in times:
                    idx.append(i)
                    # Brian2 stamp = Myelin stamp - dt (integer steps to avoid rounding)
                    tms.append((steps_of(tt, dt) - 1) * dt)
            G = b2.SpikeGeneratorGroup(p["size"], np.array(idx, dtype=int),
                                       np.array(tms) * ms, when="after_synapses", order=0,
                                       name=p["name"])
        elif p["model"] == "iaf_psc_exp":
            q = p["params"]
            ns = dict(E_L=q["E_L"] * mV, tau_m=q["tau_m"] * ms, C_m=q["C_m"] * pF,
                      tau_ex=q["tau_syn_ex"] * ms, tau_in=q["tau_syn_in"] * ms,
                      V_th=q["V_th"] * mV, V_reset=q["V_reset"] * mV)
            G = b2.NeuronGroup(p["size"], eqs, threshold="v >= V_th", reset="v = V_reset",
                               refractory=(q["t_ref"] + dt) * ms, method="exact",
                               namespace=ns, name=p["name"])
            G.thresholder["spike"].when = "after_synapses"
            G.thresholder["spike"].order = 0
            G.resetter["spike"].when = "after_synapses"
            G.resetter["spike"].order = 1
            G.v = p.get("initial", {}).get("V_m", q["E_L"]) * mV
            G.I_e = q["I_e"] * pA
        else:
            raise ValueError(p["model"])
        groups[p["name"]] = G
        mons[p["name"]] = b2.SpikeMonitor(G, name=f"mon_{p['name']}")
        objs += [G, mons[p["name"]]]
    for pr in model["projections"]:
        c = pr["connector"]
        S = b2.Synapses(groups[pr["source"]], groups[pr["target"]], "w : amp",
                        on_pre="I_ex_post += w * int(w > 0*amp)\n"
                               "I_in_post += w * int(w < 0*amp)",
                        name=pr["name"])
        S.connect(i=np.array(c["source"]), j=np.array(c["target"]))
        S.w = np.array(c["weight"]) * pA
        # Brian2 delay = d - dt (see the module docstring)
        S.delay = (np.array([steps_of(d, dt) for d in c["delay"]]) - 1) * dt * ms
        objs.append(S)
    net = b2.Network(*objs)
    net.run(model["duration"] * ms)
    spikes = set()
    for name, m in mons.items():
        for i, t in zip(np.asarray(m.i[:]), np.asarray(m.t[:] / ms)):
            spikes.add((name, int(i), int(round(t / dt)) + 1))  # Myelin stamp = t + dt
    return spikes, b2.__version__


# --------------------------------------------------------------------------
# 3. Myelin
# --------------------------------------------------------------------------
def find_myelin(cli):
    if cli:
        return Path(cli)
    env = os.environ.get("MYELIN")
    if env:
        return Path(env)
    return REPO / ".build" / "release" / "myelin"


def run_myelin(binary, model, workdir):
    mpath = Path(workdir) / "ff_reference.json"
    cpath = Path(workdir) / "ff_reference_spikes.csv"
    mpath.write_text(json.dumps(model, indent=1))
    cmd = [str(binary), "run", str(mpath), "--precision", "double", "--spikes-csv", str(cpath)]
    print("# running:", " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"myelin exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    if not cpath.exists():
        raise RuntimeError(f"myelin did not write {cpath}")
    sizes = {p["name"]: p["size"] for p in model["populations"]}
    names = [p["name"] for p in model["populations"]]
    rows = []
    with open(cpath, newline="") as f:
        rd = csv.DictReader(f)
        need = {"population", "node_id", "step", "time_ms"}
        if not need.issubset(rd.fieldnames or []):
            raise RuntimeError(f"unexpected CSV header {rd.fieldnames}, want {sorted(need)}")
        for row in rd:
            rows.append((row["population"], int(row["node_id"]), int(row["step"]),
                         float(row["time_ms"])))
    # node_id: population-local (0-based) expected; fall back to global ids
    # (0- or 1-based, populations in file order) if the local reading does
    # not fit, and say so.
    mapping = "local"
    if any(nid >= sizes.get(pop, 0) or nid < 0 for pop, nid, _, _ in rows):
        offs, acc = {}, 0
        for n in names:
            offs[n] = acc
            acc += sizes[n]
        for base in (0, 1):
            if all(0 <= nid - offs[pop] - base < sizes[pop] for pop, nid, _, _ in rows):
                mapping = f"global {base}-based"
                rows = [(pop, nid - offs[pop] - base, st, t) for pop, nid, st, t in rows]
                break
        else:
            raise RuntimeError("node_id fits neither local nor global numbering")
    notes = [f"node_id numbering: {mapping}"]
    step_vs_time = {st - int(round(t / model["dt"])) for _, _, st, t in rows}
    notes.append(f"CSV step - round(time_ms/dt) takes values {sorted(step_vs_time)} "
                 "(time_ms is authoritative)")
    spikes = {(pop, nid, int(round(t / model["dt"]))) for pop, nid, _, t in rows}
    return spikes, notes


# --------------------------------------------------------------------------
def compare(name_a, a, name_b, b, pops):
    a = {s for s in a if s[0] in pops}
    b = {s for s in b if s[0] in pops}
    only_a = sorted(a - b, key=lambda s: (s[2], s[0], s[1]))
    only_b = sorted(b - a, key=lambda s: (s[2], s[0], s[1]))
    ok = not only_a and not only_b
    print(f"{'PASS' if ok else 'FAIL'}: {name_a} vs {name_b}: {len(a)} / {len(b)} spikes, "
          f"{len(a & b)} identical")
    for s in only_a[:20]:
        print(f"    only in {name_a}: {s[0]}[{s[1]}] at step {s[2]} ({s[2] * DT:.1f} ms)")
    for s in only_b[:20]:
        print(f"    only in {name_b}: {s[0]}[{s[1]}] at step {s[2]} ({s[2] * DT:.1f} ms)")
    return ok


def main():
    ap = argparse.ArgumentParser(description="numpy / Brian2 / Myelin spike-for-spike check")
    ap.add_argument("--myelin", help="myelin binary (default: $MYELIN or .build/release/myelin)")
    ap.add_argument("--no-myelin", action="store_true", help="only numpy vs Brian2")
    ap.add_argument("--write-model", metavar="PATH", help="also write the model JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--verbose", action="store_true", help="list all spikes")
    args = ap.parse_args()

    model = make_model()
    if args.write_model:
        Path(args.write_model).write_text(json.dumps(model, indent=1))
    neuron_pops = {p["name"] for p in model["populations"] if p["model"] == "iaf_psc_exp"}
    gen_pops = {p["name"] for p in model["populations"] if p["model"] == "spike_generator"}

    ref, margin = simulate_numpy(model)
    per = {n: sum(1 for s in ref if s[0] == n) for n in sorted(neuron_pops)}
    silent = [(p["name"], i) for p in model["populations"] if p["name"] in neuron_pops
              for i in range(p["size"]) if not any(s[0] == p["name"] and s[1] == i for s in ref)]
    print(f"# numpy reference: spikes per population {per}; "
          f"closest non-refractory approach to V_th: {margin:.3g} mV")
    if silent:
        print(f"# warning: silent neurons {silent}")
    if args.verbose:
        for s in sorted(ref, key=lambda s: (s[2], s[0], s[1])):
            print(f"    {s[0]}[{s[1]}] step {s[2]} ({s[2] * DT:.1f} ms)")

    # sensitivity self-check: every off-by-one variant of the semantics must
    # change the spike train of this network, or the check could not see it
    sens_ok = True
    for vname, kw in VARIANTS.items():
        alt, _ = simulate_numpy(model, **kw)
        changed = ref ^ alt
        diff = len({s for s in changed if s[0] in neuron_pops})
        detail = ", ".join(f"{n}: {sum(1 for s in changed if s[0] == n)}"
                           for n in sorted(neuron_pops))
        print(f"# sensitivity: '{vname}' changes {diff} spikes ({detail})")
        sens_ok &= diff > 0
    if not sens_ok:
        print("FAIL: the reference network does not exercise every semantic detail")

    b2spk, b2ver = simulate_brian2(model)
    print(f"# Brian2 {b2ver} (runtime, numpy target, float64)")
    ok = sens_ok & compare("numpy", ref, "brian2", b2spk, neuron_pops)
    ok &= compare("numpy", ref, "brian2", b2spk, gen_pops)  # generator stamp mapping

    if args.no_myelin:
        print("SUMMARY:", "PASS (numpy == Brian2; Myelin not run)" if ok else "FAIL")
        sys.exit(0 if ok else 1)

    binary = find_myelin(args.myelin)
    if not binary.exists():
        print(f"SKIP: Myelin binary not found at {binary} "
              "(build it with `swift build -c release` or set MYELIN=/path/to/myelin)")
        print("SUMMARY:", "numpy == Brian2 PASS; Myelin NOT RUN" if ok
              else "FAIL (numpy != Brian2); Myelin NOT RUN")
        sys.exit(2 if ok else 1)

    workdir = tempfile.mkdtemp(prefix="myelin_ref_")
    try:
        my, notes = run_myelin(binary, model, workdir)
    except Exception as e:  # noqa: BLE001 - report any failure as FAIL
        print(f"FAIL: myelin run failed: {e}")
        print(f"# model and output kept in {workdir}")
        sys.exit(1)
    for n in notes:
        print("#", n)
    ok_m = compare("numpy", ref, "myelin", my, neuron_pops)
    if any(s[0] in gen_pops for s in my):
        ok_m &= compare("numpy", ref, "myelin", my, gen_pops)
    else:
        print("# myelin CSV has no spike_generator rows (not compared)")
    ok_m &= compare("brian2", b2spk, "myelin", my, neuron_pops)
    if args.keep or not (ok and ok_m):
        print(f"# model and output kept in {workdir}")
    else:
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    allok = ok and ok_m
    print("SUMMARY:", "PASS (numpy == Brian2 == Myelin)" if allok else "FAIL")
    sys.exit(0 if allok else 1)


if __name__ == "__main__":
    main()
