"""Reference for bench/engine.ts: the original README's CIFAR network trained with PyTorch.

Usage: /usr/bin/python3 bench/engine_torch.py THREADS STEPS WARMUP CALLS
Prints one JSON line: {"images_per_s": ..., "add_us": ...}.
"""
import json
import sys
import time

import torch
import torch.nn as nn

threads, steps, warmup, calls = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)

net = nn.Sequential(
    nn.Conv2d(3, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(256, 512, 3, padding=1), nn.BatchNorm2d(512), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Conv2d(512, 10, 1), nn.Flatten(),
)
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(32, 3, 32, 32)
y = torch.randint(0, 10, (32,))


def step():
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(warmup):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
dt = time.perf_counter() - t0

a = torch.ones(1)
b = torch.ones(1)
for _ in range(1000):
    a + b
t1 = time.perf_counter()
for _ in range(calls):
    a + b
add_us = (time.perf_counter() - t1) / calls * 1e6
print(json.dumps({"images_per_s": steps * 32 / dt, "add_us": add_us}))
