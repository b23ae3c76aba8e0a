"""Reference for bench/gpu-speed.ts: torchvision's ResNet-34 backbone (no pooling, no classifier:
the part DeNet-34 builds on) in PyTorch, inference (no_grad, eval) at SIZE² for each batch size.

Usage: python3 bench/gpu_speed_torch.py DEVICE SIZE RUNS BATCH...
Prints one JSON line: {"ms": {"1": ..., "8": ...}} (median ms per batch; CUDA synchronised).
"""
import json
import sys
import time

import torch
import torchvision

device, size, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
batches = [int(b) for b in sys.argv[4:]]
torch.manual_seed(0)
net = torchvision.models.resnet34()
backbone = torch.nn.Sequential(*list(net.children())[:-2]).to(device).eval()


def sync():
    if device.startswith("cuda"):
        torch.cuda.synchronize()


out = {}
with torch.no_grad():
    for b in batches:
        x = torch.randn(b, 3, size, size, device=device)
        for _ in range(3):
            backbone(x)
        sync()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            backbone(x)
            sync()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out[str(b)] = times[len(times) // 2]
print(json.dumps({"ms": out, "torch": torch.__version__}))
