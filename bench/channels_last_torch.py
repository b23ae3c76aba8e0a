"""Reference for bench/channels-last.ts: the demo network's convolution stack (DENET_CPU_SMALL up to
its corner head, with a 1×1 convolution to 36 channels in place of DNC) in PyTorch, one training
step (forward, backward of the mean square) on NCHW and on channels-last input.

Usage: /usr/bin/python3 bench/channels_last_torch.py THREADS BATCH SIZE STEPS
Prints one JSON line: {"default_ms": ..., "channels_last_ms": ...} (ms per step, best of 3 rounds).
"""
import json
import sys
import time

import torch
import torch.nn as nn

threads, batch, size, steps = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)


def cbr(cin, cout, stride=1):
    return [nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU()]


class Block(nn.Module):
    """RSN.O: post-activation basic block with a projection shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = nn.Sequential(*cbr(cin, cout, stride), nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.p = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if cin != cout or stride != 1 else nn.Identity()

    def forward(self, x):
        return torch.relu(self.a(x) + self.p(x))


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*cbr(3, 24, 2), *cbr(24, 48, 2))
        self.b1 = Block(48, 96, 2)
        self.b2 = nn.Sequential(Block(96, 128, 2), Block(128, 128, 1))
        self.up1, self.skip1, self.bn1 = nn.Conv2d(128, 96, 3, 1, 1), nn.Conv2d(96, 96, 1), nn.BatchNorm2d(96)
        self.up2, self.skip2, self.bn2 = nn.Conv2d(96, 48, 3, 1, 1), nn.Conv2d(48, 48, 1), nn.BatchNorm2d(48)
        self.head = nn.Conv2d(48, 36, 1)

    def forward(self, x):
        s4 = self.stem(x)
        s8 = self.b1(s4)
        y = self.b2(s8)
        y = torch.relu(self.bn1(self.up1(nn.functional.interpolate(y, scale_factor=2)) + self.skip1(s8)))
        y = torch.relu(self.bn2(self.up2(nn.functional.interpolate(y, scale_factor=2)) + self.skip2(s4)))
        return self.head(y)


net = Stack()
x = torch.randn(batch, 3, size, size)
result = {}
for name, fmt in (("default", torch.contiguous_format), ("channels_last", torch.channels_last)):
    xi = x.contiguous(memory_format=fmt)
    best = float("inf")
    for _ in range(3):
        for i in range(steps + 2):
            if i == 2:
                t = time.perf_counter()
            net.zero_grad(set_to_none=True)
            net(xi).square().mean().backward()
        best = min(best, (time.perf_counter() - t) / steps * 1000)
    result[f"{name}_ms"] = best
print(json.dumps(result))
