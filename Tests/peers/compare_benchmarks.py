#!/usr/bin/env python3
"""Myelin against Brian2 C++ standalone, side by side in one sitting.

Runs `myelin bench` and `brian2_benchmarks.py` on the same models, one after the other,
and prints a Markdown table of simulate times (medians), rates and ratios for
docs/benchmarks.md. Not part of `make test`.

    Tests/peers/setup.sh                       # once: the Brian2 virtualenv
    swift build -c release
    /work/peers-venv/bin/python Tests/peers/compare_benchmarks.py --repeats 5
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Myelin workload -> Brian2 model name in brian2_benchmarks.py
PAIRS = [("cuba", "cuba"), ("coba", "coba"), ("brunel", "brunel-si")]


def myelin(binary, workload, threads, repeats):
    out = subprocess.run(
        [binary, "bench", workload, "--threads", str(threads), "--repeats", str(repeats), "--json"],
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def brian2(model, repeats):
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "brian2_benchmarks.py"), "--model", model,
         "--repeats", str(repeats)], check=True, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--myelin", default=os.environ.get("MYELIN", os.path.join(ROOT, ".build/release/myelin")))
    args = ap.parse_args()
    if not os.path.exists(args.myelin):
        sys.exit(f"no myelin binary at {args.myelin}; run `swift build -c release` first")
    rows = []
    for workload, model in PAIRS:
        m1 = myelin(args.myelin, workload, 1, args.repeats)
        m2 = myelin(args.myelin, workload, 2, args.repeats)
        b = brian2(model, min(args.repeats, 3))
        rows.append((workload, m1, m2, b))
        print(f"# {workload}: myelin 1t {m1['simulate_s_median']:.4f} s, 2t {m2['simulate_s_median']:.4f} s, "
              f"brian2 {b['simulate_s']:.4f} s", file=sys.stderr)
    print("| model | Brian2 simulate (s) | Myelin 1 thread (s) | ratio | Myelin 2 threads (s) | 2 vs 1 thread | "
          "Myelin build (s) | Brian2 wall incl. compile (s) | rates Myelin / Brian2 (Hz) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for workload, m1, m2, b in rows:
        rates_m = " / ".join(f"{v:.2f}" for v in m1["rates_hz"].values())
        rates_b = " / ".join(f"{v:.2f}" for k, v in b["rates_hz"].items() if k != "all")
        print(f"| {workload} | {b['simulate_s']:.3f} | {m1['simulate_s_median']:.3f} | "
              f"{b['simulate_s'] / m1['simulate_s_median']:.1f}x | {m2['simulate_s_median']:.3f} | "
              f"{m1['simulate_s_median'] / m2['simulate_s_median']:.2f}x | {m1['build_s_median']:.3f} | "
              f"{b['wall_s']:.1f} | {rates_m} / {rates_b} |")


if __name__ == "__main__":
    main()
