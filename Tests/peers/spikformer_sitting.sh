#!/usr/bin/env bash
# One sitting of Spikformer speed against SpikingJelly (docs/benchmarks.md, issue 6):
# alternating rounds of Myelin training and inference (each binary given) and SpikingJelly,
# on 1 and 2 threads, so that a noisy machine slows all of them alike. Not part of `make test`.
#
#   Tests/peers/spikformer_sitting.sh ROUNDS CHECKPOINT BINARY...
#
# Prints one line per measurement (round, program, what, threads, samples/s), then the
# medians over rounds and each Myelin binary's ratio to SpikingJelly per round. Myelin trains with
# `train spikformer --train-limit 640 --batch 64 --loss ce` (10 steps from initialisation on
# real images) and infers with `eval --test-limit 2048` on CHECKPOINT; SpikingJelly runs
# spikingjelly_spikformer.py --batch 64 --steps 5 (training steps and inference on one batch).
set -euo pipefail
rounds=$1 checkpoint=$2
shift 2
python=${SJ_PYTHON:-/work/sj-venv/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
field() { python3 -c "import json,sys; print(round(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'], 1))"; }
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for round in $(seq 1 "$rounds"); do
  for threads in 1 2; do
    for binary in "$@"; do
      name=$(basename "$binary")
      train=$("$binary" train spikformer --dataset fashion-mnist --epochs 1 --batch 64 --loss ce --train-limit 640 \
        --test-limit 64 --threads "$threads" --json 2>/dev/null | field train_samples_per_s)
      infer=$("$binary" eval --checkpoint "$checkpoint" --test-limit 2048 --threads "$threads" --json 2>/dev/null | field samples_per_s)
      echo "$round $name train ${threads}t $train" | tee -a "$lines"
      echo "$round $name infer ${threads}t $infer" | tee -a "$lines"
    done
    sj=$("$python" "$here/spikingjelly_spikformer.py" --threads "$threads" --batch 64 --steps 5 2>/dev/null)
    echo "$round spikingjelly train ${threads}t $(echo "$sj" | field train_samples_per_s)" | tee -a "$lines"
    echo "$round spikingjelly infer ${threads}t $(echo "$sj" | field infer_samples_per_s)" | tee -a "$lines"
  done
done
python3 - "$lines" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(dict)  # (program, what) -> round -> samples/s
for line in open(sys.argv[1]):
    r, program, what, threads, value = line.split()
    runs[(program, f"{what} {threads}")][int(r)] = float(value)
print("\nmedian samples/s, and ratio to SpikingJelly per round:")
for (program, what), values in sorted(runs.items()):
    text = f"{program:24s} {what:9s} {statistics.median(values.values()):8.1f}"
    peer = runs.get(("spikingjelly", what), {})
    if program != "spikingjelly" and peer:
        text += "   " + ", ".join(f"{values[r] / peer[r]:.2f}" for r in sorted(values) if r in peer)
    print(text)
PY
