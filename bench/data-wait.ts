/**
 * Fraction of a DeNet-34 (skip) training step spent waiting for data (issue: the device must
 * never wait): 512² batches from the real loader (crop_mode=denet, augment_photo, mirror) on a
 * generated dataset, all cores. `npm run bench -- data-wait` (BENCH_BATCH, BENCH_IMAGES).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLoader, disposeBatch, openDataset } from '../src/data/api.js';
import { writeSyntheticDataset } from '../src/data/synthetic-writer.js';
import { DENET34_SKIP } from '../src/detect/index.js';
import { Model } from '../src/model/index.js';
import { scope } from '../src/torch/index.js';
import { createSolver } from '../src/train/solvers/index.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

export async function run(): Promise<void> {
  const batch = Number(process.env.BENCH_BATCH ?? 2);
  const images = Number(process.env.BENCH_IMAGES ?? 6 * batch);
  const dir = mkdtempSync(join(tmpdir(), 'denet-bench-wait-'));
  try {
    await writeSyntheticDataset(dir, { seed: 1, counts: { train: images, val: 0, test: 0 }, size: 512 });
    const { dataset, spec } = openDataset(join(dir, 'coco'), 'mscoco,2026-train,crop=512,crop_mode=denet,augment_photo=1,mirror=1');
    const model = Model.create(DENET34_SKIP, { inputShape: [3, 512, 512], classNames: dataset.classNames, seed: 1 });
    const solver = createSolver('sgd', model.namedParameters(), { weightDecay: 1e-4, momentum: [0.9] });
    const loader = createLoader(dataset, { batchSize: batch, threads: 2, seed: 1, train: true, image: spec.options, channels: 3 });
    let wait = 0;
    let step = 0;
    let n = 0;
    const it = loader.epoch(0)[Symbol.asyncIterator]();
    for (;;) {
      const t0 = performance.now();
      const r = await it.next();
      const t1 = performance.now();
      if (r.done) break;
      scope(() => {
        const { losses } = model.forward(r.value.images, { training: true, targets: r.value.targets });
        const loss = Object.values(losses).reduce((a, b) => a.add(b));
        for (const p of model.namedParameters()) p.tensor.zeroGrad();
        loss.backward();
        solver.step(0.01);
      });
      disposeBatch(r.value);
      // the first batch includes start-up; it is left out
      if (n++ > 0) {
        wait += t1 - t0;
        step += performance.now() - t1;
      }
    }
    model.dispose();
    const k = n - 1;
    console.log(`data-wait: DeNet-34 skip, 512², batch ${batch}, ${k} steps on the CPU`);
    console.log(`  step ${(step / k).toFixed(0)} ms, waiting for data ${(wait / k).toFixed(1)} ms = ${((100 * wait) / (wait + step)).toFixed(2)}% of the step`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
