"""Reference for bench/train-pipeline.ts: the README network trained with PyTorch on the same
class-folder PNG set through torchvision's ImageFolder + DataLoader (PIL decode, ToTensor,
shuffle, batching), SGD lr 0.1 momentum 0.9 weight decay 1e-4, the same threads.

Network (the README description C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A P.A R with
--border-mode half): 3x3 convs with padding 1, BN, ReLU, 2x2 max pools, global mean pool, then
R = 1x1 conv to the classes + global mean pool + softmax cross-entropy.

Usage: /usr/bin/python3 bench/train_pipeline_torch.py ROOT IMAGES BATCH THREADS WORKERS
Prints one line: `images_per_s <float>` (after one warm-up batch).
"""
import sys, time

import torch
import torch.nn as nn
import torchvision
from torch.utils.data import DataLoader


def network(classes):
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(
        *block(3, 128), nn.MaxPool2d(2),
        *block(128, 256), nn.MaxPool2d(2),
        *block(256, 512), nn.AdaptiveAvgPool2d(1),
        nn.Conv2d(512, classes, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )


def main():
    root, images, batch, threads, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    ds = torchvision.datasets.ImageFolder(root, transform=torchvision.transforms.ToTensor())
    loader = DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers, drop_last=False, persistent_workers=workers > 0)
    model = network(len(ds.classes))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    seen, t0, k = 0, None, 0
    while seen < images:
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
            k += 1
            if k == 1:
                t0 = time.perf_counter()
                continue
            seen += x.shape[0]
            if seen >= images:
                break
    print(f"images_per_s {seen / (time.perf_counter() - t0):.2f}")


if __name__ == "__main__":
    main()
