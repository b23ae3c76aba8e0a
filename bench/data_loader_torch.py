"""Reference for bench/data-loader.ts: the same data work with torchvision + PIL and a DataLoader.

Per image: read + decode the JPEG (PIL), a random scale/aspect window that keeps one object
mostly inside (the crop_mode=denet rule), resize the window to 512x512 (bilinear), random
brightness/contrast/saturation (ColorJitter), random horizontal mirror, to a float tensor, and
boxes transformed with the pixels; batches of 16 stacked by the DataLoader with 2 workers.

Usage: /usr/bin/python3 bench/data_loader_torch.py COCO_ROOT SPLIT IMAGES [WORKERS]
Prints one line: `images_per_s <float>`.
"""
import json, math, os, random, sys, time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
import torchvision.transforms.functional as F
from torchvision.transforms import ColorJitter

CROP = 512


class CocoBoxes(Dataset):
    def __init__(self, root, split, length):
        ann = json.load(open(os.path.join(root, "annotations", f"instances_{split}.json")))
        self.dir = os.path.join(root, split)
        self.images = ann["images"]
        self.boxes = {im["id"]: [] for im in self.images}
        for a in ann["annotations"]:
            x, y, w, h = a["bbox"]
            self.boxes[a["image_id"]].append((x, y, x + w, y + h))
        self.length = length
        self.jitter = ColorJitter(brightness=0.125, contrast=0.4, saturation=0.4)

    def __len__(self):
        return self.length

    def window(self, w, h, boxes):
        long = max(w, h)
        for _ in range(30):
            s = random.uniform(0.3, 1)
            a = math.exp(random.uniform(math.log(0.5), math.log(2)))
            ww, wh = min(long, long * s * math.sqrt(a)), min(long, long * s / math.sqrt(a))
            x = random.uniform(min(0, w - ww), max(0, w - ww))
            y = random.uniform(min(0, h - wh), max(0, h - wh))
            for b in boxes:
                area = (b[2] - b[0]) * (b[3] - b[1])
                ix = max(0, min(b[2], x + ww) - max(b[0], x))
                iy = max(0, min(b[3], y + wh) - max(b[1], y))
                if area > 0 and ix * iy / area >= 0.7:
                    return x, y, ww, wh
            if not boxes:
                return x, y, ww, wh
        return (w - long) / 2, (h - long) / 2, long, long

    def __getitem__(self, i):
        im = self.images[i % len(self.images)]
        img = Image.open(os.path.join(self.dir, im["file_name"])).convert("RGB")
        w, h = img.size
        boxes = self.boxes[im["id"]]
        x, y, ww, wh = self.window(w, h, boxes)
        img = img.resize((CROP, CROP), Image.BILINEAR, box=(x, y, x + ww, y + wh))
        img = self.jitter(img)
        flip = random.random() < 0.5
        if flip:
            img = F.hflip(img)
        sx, sy = CROP / ww, CROP / wh
        out = []
        for b in boxes:
            x0, y0, x1, y1 = (b[0] - x) * sx, (b[1] - y) * sy, (b[2] - x) * sx, (b[3] - y) * sy
            if flip:
                x0, x1 = CROP - x1, CROP - x0
            out.append((max(0, x0) / CROP, max(0, y0) / CROP, min(CROP, x1) / CROP, min(CROP, y1) / CROP))
        return F.to_tensor(img), torch.tensor(out, dtype=torch.float32).reshape(-1, 4)


def collate(items):
    return torch.stack([a for a, _ in items]), [b for _, b in items]


def main():
    root, split, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    torch.set_num_threads(1)
    ds = CocoBoxes(root, split, n)
    dl = DataLoader(ds, batch_size=16, num_workers=workers, collate_fn=collate, shuffle=True, prefetch_factor=2, persistent_workers=False)
    t0 = None
    seen = 0
    for k, (imgs, _) in enumerate(dl):
        if k == 1:  # skip the first batch (worker start-up)
            t0 = time.perf_counter()
            seen = 0
        seen += imgs.shape[0]
    dt = time.perf_counter() - t0
    print(f"images_per_s {seen / dt:.2f}")


if __name__ == "__main__":
    main()
