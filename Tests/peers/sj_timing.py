"""Timing shared by the SpikingJelly peer scripts: median training-step and inference time
of a multi-step model on one batch repeated over T steps, and the JSON line they print."""
import json, resource, statistics, time

import torch
from spikingjelly.activation_based import functional


def parse_common(parser):
    """Adds the options both scripts share, parses, and sets threads and seed."""
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--T", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    return a


def time_model(model, opt, x, loss_of, T, steps, batch, fields):
    """Runs steps + 1 training steps (forward, loss_of(output), backward, update) and
    steps + 1 inference passes; the first of each warms up the allocator and is not
    counted. Prints one JSON line with `fields` and the medians."""
    def run(train):
        times = []
        for step in range(steps + 1):
            start = time.perf_counter()
            out = model(x.unsqueeze(0).repeat(T, 1, 1, 1, 1))
            if train:
                loss = loss_of(out)
                opt.zero_grad()
                loss.backward()
                opt.step()
            functional.reset_net(model)
            if step > 0:
                times.append(time.perf_counter() - start)
        return statistics.median(times)
    step_s = run(True)
    model.eval()
    with torch.no_grad():
        infer_s = run(False)
    print(json.dumps({
        "peer": "spikingjelly", "torch": torch.__version__, **fields, "batch": batch, "T": T,
        "parameters": sum(t.numel() for t in model.parameters()),
        "train_step_s_median": step_s, "train_samples_per_s": batch / step_s,
        "infer_samples_per_s": batch / infer_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
