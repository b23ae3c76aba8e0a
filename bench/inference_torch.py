"""Reference for bench/inference.ts: torchvision models in eval mode under torch.no_grad().

Usage: /usr/bin/python3 bench/inference_torch.py THREADS WARMUP RUNS CONFIG...
CONFIG is NAME:SIZE:BATCH with NAME resnet18, resnet34 (classifiers) or resnet34-backbone (no
average pool or fc). Prints one JSON object: {"NAME:SIZE:BATCH": median ms per batch, ...}.
"""
import json
import sys
import time

import torch
import torchvision

threads, warmup, runs = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
torch.manual_seed(0)


def build(name):
    if name == "resnet34-backbone":
        net = torchvision.models.resnet34()
        return torch.nn.Sequential(*list(net.children())[:-2])
    return getattr(torchvision.models, name)()


result = {}
for config in sys.argv[4:]:
    name, size, batch = config.split(":")
    net = build(name).eval()
    x = torch.rand(int(batch), 3, int(size), int(size))
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            t = time.perf_counter()
            net(x)
            if i >= warmup:
                times.append((time.perf_counter() - t) * 1000)
    times.sort()
    result[config] = times[len(times) // 2]
print(json.dumps(result))
