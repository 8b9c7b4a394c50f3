#!/usr/bin/env python3
"""SpikingJelly's Fashion-MNIST conv SNN on PyTorch (CPU), built as `myelin train csnn`
builds it (docs/benchmarks.md, issue 5), to time training steps and inference side by side
with Myelin. Not part of `make test`.

    /work/sj-venv/bin/python Tests/peers/spikingjelly_csnn.py --threads 1 --batch 64 --steps 5

Prints one JSON line: median seconds per training step (forward, backward, Adam update),
training and inference samples/s, peak RSS and the parameter count. The model:
{Conv3x3(C, no bias), BN, LIF, MaxPool2}x2, [Dropout], Linear(49C -> 16C, no bias), LIF,
[Dropout], Linear(16C -> 10, no bias), LIF; LIF tau = 2 with decay_input, hard reset to 0,
detach_reset, ATan surrogate (alpha = 2); MSE on the firing rates, T steps of the image.
SpikingJelly's dense kernels do not depend on the input, so random images are used.
"""
import argparse

import torch
import torch.nn as nn
from spikingjelly.activation_based import functional, layer, neuron, surrogate
from sj_timing import parse_common, time_model


def lif():
    return neuron.LIFNode(tau=2.0, decay_input=True, v_reset=0.0, detach_reset=True, step_mode="m",
                          surrogate_function=surrogate.ATan(alpha=2.0))


def csnn(channels, dropout):
    def drop():
        return [layer.Dropout(dropout, step_mode="m")] if dropout > 0 else []
    return nn.Sequential(
        layer.Conv2d(1, channels, 3, padding=1, bias=False), layer.BatchNorm2d(channels), lif(), layer.MaxPool2d(2, 2),
        layer.Conv2d(channels, channels, 3, padding=1, bias=False), layer.BatchNorm2d(channels), lif(), layer.MaxPool2d(2, 2),
        layer.Flatten(), *drop(), layer.Linear(channels * 7 * 7, channels * 4 * 4, bias=False), lif(),
        *drop(), layer.Linear(channels * 4 * 4, 10, bias=False), lif())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--channels", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.0)
    a = parse_common(p)
    model = csnn(a.channels, a.dropout)
    functional.set_step_mode(model, "m")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x = torch.rand(a.batch, 1, 28, 28)
    target = nn.functional.one_hot(torch.randint(0, 10, (a.batch,)), 10).float()
    time_model(model, opt, x, lambda out: nn.functional.mse_loss(out.mean(0), target), a.T, a.steps, a.batch,
               {"model": "csnn", "threads": a.threads, "dropout": a.dropout})


if __name__ == "__main__":
    main()
