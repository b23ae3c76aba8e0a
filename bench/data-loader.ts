/**
 * Data-loader throughput: decode + crop_mode=denet + augment_photo + mirror + batching to
 * 512×512 tensors with 2 threads, on a folder of generated JPEGs, against the same work in
 * torchvision + PIL with a 2-worker DataLoader (bench/data_loader_torch.py), in the same run.
 * The two alternate for `--rounds` rounds (so a change in machine load hits both) and the ratio
 * of each round is printed, then the median.
 *
 *   node --import tsx bench/data-loader.ts [--images 320] [--size 640] [--threads 2] [--rounds 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoader } from '../src/data/loader.js';
import { openDataset } from '../src/data/open.js';
import { writeSyntheticDataset } from '../src/data/synthetic-writer.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const images = arg('--images', 320);
const size = arg('--size', 640);
const threads = arg('--threads', 2);
const rounds = Math.max(1, arg('--rounds', 5));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'denet-bench-'));
try {
  // Every image distinct, so both sides decode `images` files per round (the loader's
  // images_per_subset stops at the dataset's length).
  await writeSyntheticDataset(dir, { seed: 1, counts: { train: images, val: 0, test: 0 }, size });
  const root = join(dir, 'coco');
  const spec = `mscoco,2026-train,crop=512,crop_mode=denet,augment_photo,mirror,images_per_subset=${images}`;
  const { dataset, spec: parsed } = openDataset(root, spec);
  const loader = createLoader(dataset, { batchSize: 16, threads, seed: 1, train: true, image: parsed.options });
  let tensors = true;
  const run = async (epoch: number): Promise<number> => {
    let n = 0;
    let t0 = 0;
    let k = 0;
    if (tensors) {
      try {
        for await (const b of loader.epoch(epoch)) {
          if (k++ === 1) { t0 = performance.now(); n = 0; }
          n += b.meta.length;
          b.images.dispose();
        }
      } catch (e) {
        console.warn(`tensors unavailable (${(e as Error).message.split('\n')[0]}); timing typed-array batches`);
        tensors = false;
        return run(epoch);
      }
    } else {
      for await (const b of loader.epochArrays(epoch)) {
        if (k++ === 1) { t0 = performance.now(); n = 0; }
        n += b.meta.length;
      }
    }
    return (n * 1000) / (performance.now() - t0);
  };
  const reference = (): number | undefined => {
    try {
      const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'data_loader_torch.py'), root, 'train2026', String(images), String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      return Number(/images_per_s ([\d.]+)/.exec(out)?.[1]) || undefined;
    } catch (e) {
      console.warn(`reference not run: ${(e as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };
  console.log(`data loader, ${images} images ${size}x${size} JPEG → 512x512 (denet crop, photo, mirror), batch 16, ${threads} threads`);
  const ours: number[] = [];
  const refs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(await run(r));
    const ref = reference();
    let line = `  round ${r + 1}: denet-ts (${tensors ? 'tensors' : 'typed arrays'}) ${ours[r]!.toFixed(1)} images/s`;
    if (ref) {
      refs.push(ref);
      ratios.push(ours[r]! / ref);
      line += `, torchvision+PIL DataLoader ${ref.toFixed(1)} images/s, ratio ${(ours[r]! / ref).toFixed(2)}x`;
    }
    console.log(line);
    if (!ref) break;
  }
  console.log(`  denet-ts (${tensors ? 'tensors' : 'typed arrays'}): ${median(ours).toFixed(1)} images/s (median)`);
  if (ratios.length) console.log(`  torchvision+PIL DataLoader: ${median(refs).toFixed(1)} images/s (median)\n  ratio: ${median(ratios).toFixed(2)}x (median of ${ratios.length}; ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
