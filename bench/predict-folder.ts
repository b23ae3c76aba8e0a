/**
 * `model-predict` on a folder of 640×480 JPEGs with the demo detector (DENET_CPU_SMALL, 192×192
 * input, 6 classes): images/s of the whole program loop (decode + letterbox in the loader, network,
 * corner search / sampling / NMS, per-image lines, results.json) against, in the same run and with
 * the same threads and batch, the network alone on random batches and the network + detection
 * decoding, and the loader alone. The share lost outside the network is 1 − program rate / network
 * rate; on a machine with few cores the loader's decoding takes CPU time from the network's threads.
 *
 *   npm run bench -- predict-folder
 *   node --import tsx bench/predict-folder.ts [images=1000] [batch=8]
 *
 * MODEL=file.safetensors uses a trained detector; without it the weights are untrained
 * (he-forward): the corner map sits at its prior, a pessimistic case for the corner search.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { DENET_CPU_SMALL, detect } from '../src/detect/index.js';
import { createLoader } from '../src/data/loader.js';
import { openPredictInput } from '../src/data/predict-input.js';
import { disposeBatch } from '../src/data/to-tensor.js';
import { registerLayers } from '../src/layers.js';
import { Model } from '../src/model/index.js';
import { getNumThreads, randn, setNumThreads } from '../src/torch/index.js';
import { inferenceChannelsLast } from '../src/train/session.js';

registerLayers();
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLASSES = ['t-shirt', 'trouser', 'dress', 'sandal', 'sneaker', 'bag'];

/** `n` 640×480 JPEGs: a smooth background with a few filled rectangles (varied per image). */
async function writeJpegs(dir: string, n: number): Promise<void> {
  const W = 640, H = 480;
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      px[o] = (x + i * 7) & 255; px[o + 1] = (y + i * 13) & 255; px[o + 2] = ((x ^ y) + i) & 255;
    }
    for (let r = 0; r < 3; r++) {
      const x0 = (i * 97 + r * 211) % (W - 120), y0 = (i * 53 + r * 149) % (H - 120), s = 40 + ((i + r * 31) % 80);
      for (let y = y0; y < y0 + s; y++) px.fill(230 - r * 60, (y * W + x0) * 3, (y * W + x0 + s) * 3);
    }
    await sharp(px, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, `img_${String(i).padStart(5, '0')}.jpg`));
  }
}

/** Images/s of `step` over batches of `batch` images for about `seconds` (after one warm-up step). */
function rate(batch: number, seconds: number, step: () => void): number {
  step();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    step();
    n += batch;
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function run(images = 1000, batch = 8): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-predict-'));
  try {
    const threads = Number(process.env.DENET_THREADS) || getNumThreads();
    setNumThreads(threads);
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    await writeJpegs(photos, images);
    let modelFile = process.env.MODEL;
    const model = modelFile ? Model.load(modelFile) : Model.create(DENET_CPU_SMALL, { inputShape: [3, 192, 192], classNames: CLASSES, seed: 1 });
    if (!modelFile) {
      modelFile = join(dir, 'demo-untrained.safetensors');
      model.save(modelFile);
    }
    const [c, h, w] = model.inputShape;
    console.log(`predict-folder: ${images} JPEGs 640×480 → ${w}×${h}, ${process.env.MODEL ? modelFile : 'demo detector DENET_CPU_SMALL, untrained weights'}, batch ${batch}, ${threads} libtorch thread(s), loader --thread-num 2, cpu`);

    // 1. The program, end to end (its own timer starts after the model is loaded).
    const t0 = performance.now();
    const p = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'model-predict.ts'), '--model', modelFile, '--input', photos, '--predict-mode', 'detect,json',
      '--results', join(dir, 'out'), '--batch-size', String(batch), '--thread-num', '2', '--threads', String(threads), '--no-progress'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, DENET_THREADS: String(threads) } });
    const wall = (performance.now() - t0) / 1000;
    if (p.status !== 0) throw new Error(`model-predict failed: ${p.stderr}`);
    const m = /^(\d+) images.*\(([\d.]+) img\/s\)/m.exec(p.stdout);
    if (!m) throw new Error(`no summary line in: ${p.stdout.slice(-500)}`);
    const program = Number(m[2]);

    // 2. The network alone, and the network + detection decoding, on model-predict's inference path
    //    (the fused copy under inference mode, in the layout --layout auto picks). Corner search, sampling and the classifier run
    //    inside the network's forward; detect() adds the per-class thresholds, box decoding and NMS.
    const x = randn([batch, c, h, w]);
    const fused = model.fuse();
    fused.channelsLast = inferenceChannelsLast('auto', 'cpu');
    const classNames = model.classNames;
    model.dispose();
    const seconds = Math.min(30, Math.max(8, images / program / 3));
    const network = rate(batch, seconds, () => fused.infer(x).output.dispose());
    const withPost = rate(batch, seconds, () => void detect(fused, x));
    x.dispose();
    fused.dispose();

    // 3. The loader alone (decode + letterbox into batches, 2 workers), nothing else running.
    const opened = openPredictInput(photos, undefined, { detector: true, classNames, inputShape: [c, h, w] });
    const loader = createLoader(opened.dataset, { batchSize: batch, threads: 2, train: false, image: opened.spec.options, channels: c });
    const tl = performance.now();
    let loaded = 0;
    for await (const b of loader.epoch(0)) {
      loaded += b.meta.length;
      disposeBatch(b);
    }
    const loaderRate = loaded / ((performance.now() - tl) / 1000);

    console.log(`  model-predict (loader + network + post-processing + output): ${program.toFixed(1)} img/s (${m[1]} images; ${wall.toFixed(1)} s with start-up)`);
    console.log(`  network forward only (random batches):                        ${network.toFixed(1)} img/s`);
    console.log(`  network + detection decoding:                                 ${withPost.toFixed(1)} img/s`);
    console.log(`  loader alone (decode + letterbox, 2 workers):                 ${loaderRate.toFixed(1)} img/s`);
    console.log(`  program / network: ${(program / network).toFixed(3)} → share lost outside the network ${(100 * (1 - program / network)).toFixed(1)} % ` +
      `(decoding ${(100 * (1 - withPost / network)).toFixed(1)} %, loading and output the rest)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(Number(process.argv[2]) || 1000, Number(process.argv[3]) || 8);
