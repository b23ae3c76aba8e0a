/**
 * Training throughput of the README network (C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A
 * P.A R, --border-mode half, SGD) through the whole pipeline — PNG decode, shuffling, batching,
 * forward, backward, solver step — on a class-folder set of 32×32 images, against PyTorch +
 * torchvision ImageFolder/DataLoader (bench/train_pipeline_torch.py) with the same threads, in
 * the same run. Prints both rates and their ratio.
 *
 *   node --import tsx bench/train-pipeline.ts [--images 384] [--batch-size 32] [--threads 2] [--workers 2]
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createLoader } from '../src/data/loader.js';
import { openDataset } from '../src/data/open.js';
import { disposeBatch } from '../src/data/to-tensor.js';
import { Model } from '../src/model/index.js';
import { setNumThreads } from '../src/torch/index.js';
import { createSolver } from '../src/train/solvers/index.js';
import { Trainer } from '../src/train/trainer.js';
import { LearnSchedule } from '../src/train/schedule.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const README = 'C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A P.A R';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};

/** 10 classes × `perClass` 32×32 RGB PNGs with class-dependent colour and noise. */
async function writePngSet(root: string, perClass: number): Promise<void> {
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let c = 0; c < 10; c++) {
    const dir = join(root, `class${c}`);
    mkdirSync(dir, { recursive: true });
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(32 * 32 * 3);
      for (let j = 0; j < px.length; j++) px[j] = Math.floor(((j % 3) * 60 + c * 20 + rnd() * 100) % 256);
      jobs.push(sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(dir, `${i}.png`)));
    }
    await Promise.all(jobs);
  }
}

export async function run(): Promise<void> {
  const images = arg('--images', 384);
  const batch = arg('--batch-size', 32);
  const threads = arg('--threads', cpus().length);
  const workers = arg('--workers', 2);
  const dir = mkdtempSync(join(tmpdir(), 'denet-bench-train-'));
  try {
    await writePngSet(dir, Math.ceil((images + batch) / 10));
    setNumThreads(threads);
    const { dataset, spec } = openDataset(dir, 'png');
    const loader = createLoader(dataset, { batchSize: batch, threads: workers, seed: 1, train: true, image: spec.options, channels: 3 });
    const model = Model.create(README, { inputShape: [3, 32, 32], classNames: dataset.classNames, borderMode: 'half', activation: 'relu', seed: 1 });
    const solver = createSolver('sgd', model.namedParameters(), { weightDecay: 1e-4, momentum: [0.9] });
    const trainer = new Trainer({ model, solver, schedule: new LearnSchedule({ rate: 0.1, anneal: 1 }), train: loader, epochs: 1, seed: 1, progress: false });
    let seen = 0;
    let t0 = 0;
    let k = 0;
    for (let epoch = 0; seen < images; epoch++) {
      for await (const b of loader.epoch(epoch)) {
        try {
          trainer.trainBatch(b);
          trainer.applyUpdate(0.1);
        } finally {
          disposeBatch(b);
        }
        if (k++ === 0) { t0 = performance.now(); continue; }
        seen += b.meta.length;
        if (seen >= images) break;
      }
    }
    const ours = (seen * 1000) / (performance.now() - t0);
    solver.disposeState();
    model.dispose();
    let ref: number | undefined;
    try {
      const out = execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./train_pipeline_torch.py', import.meta.url)), dir, String(images), String(batch), String(threads), String(workers)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      ref = Number(/images_per_s ([\d.]+)/.exec(out)?.[1]);
    } catch (e) {
      console.warn(`PyTorch reference unavailable: ${(e as Error).message.split('\n')[0]}`);
    }
    console.log(`train-pipeline (README network, 32×32 PNG class folders, batch ${batch}, ${threads} threads, ${workers} loader workers, ${seen} images)`);
    console.log(`  denet    ${ours.toFixed(1)} images/s`);
    if (ref) {
      console.log(`  pytorch  ${ref.toFixed(1)} images/s (torchvision ImageFolder + DataLoader)`);
      console.log(`  ratio    ${(ours / ref).toFixed(3)} (denet / pytorch; > 1 is faster)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
