#!/usr/bin/env python3
"""Spikformer in SpikingJelly on PyTorch (CPU), built layer for layer as Myelin's
`Spikformer.network` builds it (docs/training.md), to time training steps and inference
side by side with `myelin train spikformer`. Not part of `make test`.

    /work/sj-venv/bin/python Tests/peers/spikingjelly_spikformer.py --threads 1 --batch 64 --steps 5

Prints one JSON line: median seconds per training step (forward, backward, AdamW update),
training and inference samples/s, peak RSS, parameter count and firing rates.
The model: SPS four Conv3x3-BN-LIF stages (D/8..D), max-pool 3/2/1 on spikes after the
stages in --pool-after, RPE, blocks x+SSA(x), x+MLP(x) with Linear(=1x1 on tokens)-BN-LIF,
attention LIF threshold 0.5, scale 0.125, head on the token and time average.
"""
import argparse

import torch
import torch.nn as nn
from spikingjelly.activation_based import functional, layer, neuron, surrogate
from sj_timing import parse_common, time_model


def lif(threshold=1.0):
    return neuron.LIFNode(tau=2.0, v_threshold=threshold, detach_reset=True, step_mode="m",
                          surrogate_function=surrogate.Sigmoid(alpha=4.0))


class ConvBNLIF(nn.Module):
    def __init__(self, cin, cout, k, pool, bias=False):
        super().__init__()
        self.conv = layer.SeqToANNContainer(nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias), nn.BatchNorm2d(cout))
        self.lif = lif()
        self.pool = layer.SeqToANNContainer(nn.MaxPool2d(3, 2, 1)) if pool else None

    def forward(self, x):
        x = self.lif(self.conv(x))
        return self.pool(x) if self.pool is not None else x


class SSA(nn.Module):
    def __init__(self, d, heads, qkv_bias=True):
        super().__init__()
        self.heads = heads
        self.q = ConvBNLIF(d, d, 1, False, qkv_bias)
        self.k = ConvBNLIF(d, d, 1, False, qkv_bias)
        self.v = ConvBNLIF(d, d, 1, False, qkv_bias)
        self.attn_lif = lif(0.5)
        self.proj = ConvBNLIF(d, d, 1, False, True)

    def forward(self, x):  # x: [T, B, D, H, W]
        T, B, D, H, W = x.shape
        q, k, v = self.q(x), self.k(x), self.v(x)
        def heads(t):  # [T, B, h, N, d]
            return t.reshape(T, B, self.heads, D // self.heads, H * W).transpose(-1, -2)
        q, k, v = heads(q), heads(k), heads(v)
        y = q @ (k.transpose(-1, -2) @ v) * 0.125
        y = y.transpose(-1, -2).reshape(T, B, D, H, W)
        return self.proj(self.attn_lif(y))


class Block(nn.Module):
    def __init__(self, d, heads, qkv_bias=True):
        super().__init__()
        self.ssa = SSA(d, heads, qkv_bias)
        self.mlp1 = ConvBNLIF(d, 4 * d, 1, False, True)
        self.mlp2 = ConvBNLIF(4 * d, d, 1, False, True)

    def forward(self, x):
        x = x + self.ssa(x)
        return x + self.mlp2(self.mlp1(x))


class Spikformer(nn.Module):
    def __init__(self, depth, d, heads, cin, classes, pool_after):
        super().__init__()
        chans = [cin, d // 8, d // 4, d // 2, d]
        self.sps = nn.Sequential(*[ConvBNLIF(chans[i], chans[i + 1], 3, i in pool_after) for i in range(4)])
        self.rpe = ConvBNLIF(d, d, 3, False)
        self.blocks = nn.Sequential(*[Block(d, heads) for _ in range(depth)])
        self.head = nn.Linear(d, classes)

    def forward(self, x):  # x: [T, B, C, H, W]
        x = self.sps(x)
        x = x + self.rpe(x)
        x = self.blocks(x)
        return self.head(x.flatten(3).mean(3).mean(0))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--image", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--pool-after", default="2,3")
    a = parse_common(p)
    pools = {int(s) for s in a.pool_after.split(",") if s}
    model = Spikformer(a.depth, a.dim, a.heads, a.channels, 10, pools)
    functional.set_step_mode(model, "m")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.rand(a.batch, a.channels, a.image, a.image)
    y = torch.randint(0, 10, (a.batch,))
    time_model(model, opt, x, lambda out: nn.functional.cross_entropy(out, y), a.T, a.steps, a.batch,
               {"threads": a.threads})


if __name__ == "__main__":
    main()
