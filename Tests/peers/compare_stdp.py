#!/usr/bin/env python3
"""Myelin, Brian2 C++ standalone and NEST on the STDP workloads, side by side.

Runs, one process at a time (never two simulations at once):

  song2000     brian2_song2000.py, nest_song2000.py and
               `myelin bench song2000 --duration MS --repeats N --json`
  brunel-stdp  brian2_brunel_stdp.py, nest_brunel_stdp.py and
               `myelin bench brunel-stdp --duration MS --repeats N --json`

and prints one Markdown table per workload with simulate times (medians,
simulation loop only), ratios, output/E rates and final-weight statistics.
A simulator that is missing or fails (e.g. a Myelin without these bench
workloads yet) is reported and left out of the table.  Not part of `make test`.

    Tests/peers/setup.sh --nest                # once: Brian2 and NEST virtualenvs
    swift build -c release
    /work/peers-venv/bin/python Tests/peers/compare_stdp.py --repeats 3

Expected Myelin JSON keys: simulate_s (median seconds; a list is also
accepted, and simulate_s_median wins if present, as in `myelin bench cuba`),
rate_hz (or rates_hz with E), and for song2000 low_fraction, high_fraction,
mean_weight_fraction (w/gmax), for brunel-stdp optionally w_mean_mV,
w_std_mV, frac_at_0, frac_at_wmax.  Missing keys show as "n/a".
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKLOADS = ["song2000", "brunel-stdp"]


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def run_json(cmd, label, env=None):
    """Run cmd, return (dict from its last JSON line, None) or (None, error message)."""
    log(f"{label}: {' '.join(cmd)}")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    except OSError as e:
        return None, f"{label}: cannot run ({e})"
    lines = [l for l in out.stdout.splitlines() if l.lstrip().startswith("{")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        return None, f"{label}: exit {out.returncode}, no JSON result ({tail})"
    try:
        return json.loads(lines[-1]), None
    except json.JSONDecodeError as e:
        return None, f"{label}: bad JSON ({e})"


def simulate_s(r):
    """Median simulate seconds from any of the layouts in use."""
    if r is None:
        return None
    if isinstance(r.get("simulate_s_median"), (int, float)):
        return float(r["simulate_s_median"])
    v = r.get("simulate_s")
    if isinstance(v, list) and v:
        return float(statistics.median(v))
    if isinstance(v, (int, float)):
        return float(v)
    return None


def rate(r):
    if r is None:
        return None
    if isinstance(r.get("rate_hz"), (int, float)):
        return float(r["rate_hz"])
    rates = r.get("rates_hz")
    if isinstance(rates, dict) and rates:
        # the output neuron (Song) or the excitatory population (Brunel)
        return float(rates.get("neuron", rates.get("E", next(iter(rates.values())))))
    return None


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="all", choices=WORKLOADS + ["all"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--song-duration", type=float, default=100.0, help="seconds (default 100)")
    ap.add_argument("--brunel-duration", type=float, default=1000.0, help="ms (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stdp-delay", default="dendritic", choices=["axonal", "dendritic"],
                    help="Brian2 delay convention (default dendritic = NEST's stdp_synapse)")
    ap.add_argument("--myelin", default=os.environ.get("MYELIN", os.path.join(ROOT, ".build/release/myelin")))
    ap.add_argument("--brian2-python", default=os.environ.get("BRIAN2_PYTHON", sys.executable))
    ap.add_argument("--nest-python", default=os.environ.get("NEST_PYTHON", "/work/nest-venv/bin/python"))
    ap.add_argument("--skip", default="", help="comma list of simulators to skip: brian2,nest,myelin")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    workloads = WORKLOADS if args.workload == "all" else [args.workload]
    notes = []
    rep = str(args.repeats)

    for wl in workloads:
        if wl == "song2000":
            dur_ms = args.song_duration * 1000.0
            b2_cmd = [args.brian2_python, os.path.join(HERE, "brian2_song2000.py"),
                      "--duration", str(args.song_duration), "--device", "standalone"]
            nest_cmd = [args.nest_python, os.path.join(HERE, "nest_song2000.py"),
                        "--duration", str(args.song_duration)]
        else:
            dur_ms = args.brunel_duration
            b2_cmd = [args.brian2_python, os.path.join(HERE, "brian2_brunel_stdp.py"),
                      "--duration", str(args.brunel_duration)]
            nest_cmd = [args.nest_python, os.path.join(HERE, "nest_brunel_stdp.py"),
                        "--duration", str(args.brunel_duration)]
        b2_cmd += ["--repeats", rep, "--seed", str(args.seed), "--stdp-delay", args.stdp_delay, "--json"]
        nest_cmd += ["--repeats", rep, "--seed", str(args.seed), "--json"]
        my_cmd = [args.myelin, "bench", wl, "--duration", f"{dur_ms:g}", "--repeats", rep, "--json"]

        res = {}
        if "brian2" not in skip:
            res["Brian2"], err = run_json(b2_cmd, f"{wl} brian2")
            if err:
                notes.append(err)
        if "nest" not in skip:
            if os.path.exists(args.nest_python):
                res["NEST"], err = run_json(nest_cmd, f"{wl} nest", env=dict(os.environ, PYNEST_QUIET="1"))
                if err:
                    notes.append(err)
            else:
                notes.append(f"{wl} nest: no interpreter at {args.nest_python} (Tests/peers/setup.sh --nest)")
        if "myelin" not in skip:
            if os.path.exists(args.myelin):
                res["Myelin"], err = run_json(my_cmd, f"{wl} myelin")
                if err:
                    notes.append(err + f" -- does this myelin have `bench {wl}`?")
            else:
                notes.append(f"{wl} myelin: no binary at {args.myelin} (swift build -c release)")
        res = {k: v for k, v in res.items() if v is not None}

        t_my = simulate_s(res.get("Myelin"))
        t_b2 = simulate_s(res.get("Brian2"))
        title = (f"song2000, {args.song_duration:g} s" if wl == "song2000"
                 else f"brunel-stdp, {args.brunel_duration:g} ms")
        print(f"\n### {title} (1 thread, dt 0.1 ms, seed {args.seed}, median of {args.repeats}; "
              f"Brian2 --stdp-delay {args.stdp_delay})\n")
        if wl == "song2000":
            print("| simulator | simulate (s) | / Myelin | / Brian2 | rate (Hz) | rate last 10% (Hz) | "
                  "w<0.1 gmax | w>0.9 gmax | mean w/gmax |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        else:
            print("| simulator | simulate (s) | / Myelin | / Brian2 | E rate (Hz) | "
                  "mean w (mV) | std w (mV) | at 0 | at w_max |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows = []
        for name in ("Myelin", "Brian2", "NEST"):
            r = res.get(name)
            if r is None:
                continue
            if name == "Myelin" and isinstance(r.get("plastic"), dict):
                # `myelin bench` nests the weight statistics under "plastic"
                p = r["plastic"]
                r = dict(r, low_fraction=p.get("low_fraction"), high_fraction=p.get("high_fraction"),
                         mean_weight_fraction=p.get("mean_weight_fraction"), w_mean_mV=p.get("mean_weight"),
                         w_std_mV=p.get("std_weight"), frac_at_0=p.get("frac_at_min"),
                         frac_at_wmax=p.get("frac_at_max"))
            rows.append((name, r))
            if name == "NEST" and isinstance(r.get("settled"), dict) and r["settled"]:
                # NEST applies facilitation lazily at the next pre spike; the settled
                # weights include it (see stdp_common.nest_pending_facilitation)
                rows.append(("NEST (settled w)", dict(r["settled"], simulate_s=None)))
        for name, r in rows:
            t = simulate_s(r)
            ratio_my = fmt(t / t_my if t and t_my else None, ".2f")
            ratio_b2 = fmt(t / t_b2 if t and t_b2 else None, ".2f")
            if wl == "song2000":
                print(f"| {name} | {fmt(t, '.3f')} | {ratio_my} | {ratio_b2} | {fmt(rate(r), '.2f')} | "
                      f"{fmt(r.get('rate_last10_hz'), '.2f')} | {fmt(r.get('low_fraction'), '.3f')} | "
                      f"{fmt(r.get('high_fraction'), '.3f')} | {fmt(r.get('mean_weight_fraction'), '.4f')} |")
            else:
                print(f"| {name} | {fmt(t, '.3f')} | {ratio_my} | {ratio_b2} | {fmt(rate(r), '.2f')} | "
                      f"{fmt(r.get('w_mean_mV'), '.5f')} | {fmt(r.get('w_std_mV'), '.5f')} | "
                      f"{fmt(r.get('frac_at_0'), '.4f')} | {fmt(r.get('frac_at_wmax'), '.4f')} |")
        extra = []
        if "Brian2" in res and res["Brian2"].get("compile_s") is not None:
            extra.append(f"Brian2 compile {res['Brian2']['compile_s']:.1f} s, wall {res['Brian2']['wall_s']:.1f} s")
        if "NEST" in res:
            extra.append(f"NEST build {res['NEST'].get('build_s', float('nan')):.1f} s")
        if "Myelin" in res and res["Myelin"].get("build_s_median") is not None:
            extra.append(f"Myelin build {res['Myelin']['build_s_median']:.3f} s")
        if extra:
            print("\n" + "; ".join(extra) + ". '/ X' = simulate time divided by X's (> 1: slower than X).")
    if notes:
        print("\nNot in the tables:")
        for n in notes:
            print(f"- {n}")


if __name__ == "__main__":
    main()
