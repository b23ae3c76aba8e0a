/**
 * The bounded corner search: what the cap M on corners per type (DNS `max_corners`, default
 * DEFAULT_MAX_CORNERS) costs and what it changes.
 *
 *  1. Cost, on DeNet-34 skip's corner map at 512² (64×64 cells, 576 RoIs) sitting at its prior
 *     (p ≈ 0.01 + noise: every cell a candidate, the worst case for the pairing): the whole search
 *     per M on typed arrays and as tensor ops on this CPU, and the selection alone as a typed-array
 *     heap, a tensor top-k and the tensor sort the device search uses. Ratios against the
 *     papers' M = 1024 on typed arrays, measured in the same run.
 *  2. Effect, on a trained model: held-out COCO AP and the share of detections that change, per M,
 *     against M = 1024 (the same weights; `model-modify --modify-layer denet-sparse max_corners=M`
 *     does the same to a model file).
 *
 *   npm run bench -- corner-cap          # trains a tiny DeNet on coloured rectangles first (~20 s)
 *   node --import tsx bench/corner-cap.ts --model runs/demo-1/train/model.safetensors --data runs/demo-1/data
 *                                        # the demo model on the held-out split the demo scores
 *   (--no-cost: only the AP part)
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLoader } from '../src/data/loader.js';
import type { Dataset, ImageOptions } from '../src/data/types.js';
import { LearnSchedule } from '../src/train/schedule.js';
import { createSolver } from '../src/train/solvers/index.js';
import { Trainer } from '../src/train/trainer.js';
import { openDataset } from '../src/data/open.js';
import { SYNTHETIC_YEAR } from '../src/data/synthetic-writer.js';
import { Rng } from '../src/util/rng.js';
import { DEFAULT_MAX_CORNERS, SparseLayer, cornerSearch, cornerSearchTensor, selectCorners, selectCornersTensor } from '../src/detect/index.js';
import { evaluateDetector } from '../src/detect/evaluate.js';
import { Model } from '../src/model/index.js';
import { modifyLayers } from '../src/model/modify.js';
import { getNumThreads, scope, tensor, where } from '../src/torch/index.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const CAPS = [1024, 512, 256, 128, 64];
const TINY_DETECTOR = 'C.B[16,3,2] BN A C.B[32,3,2] BN A C.B[32,3] BN A DNC[8,100] DNS[3,6,0.01,0.1,1,1] C.B[64] BN A DND.JB[0.5,1,0.125]';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void, runs: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function cost(runs: number): void {
  const w = 64, h = 64, count = 576;
  const rng = new Rng(1);
  const prior = Math.log(0.01 / 0.99);
  const l = Float32Array.from({ length: 4 * w * h }, () => prior + 0.02 * (rng.next() - 0.5));
  const lt = tensor(l, { shape: [1, 4, h, w] });
  console.log(`corner-cap: search cost on a 64×64 map at its prior (${(l.filter((v) => v > prior).length / 4).toFixed(0)} of 4096 cells above τ per type), ${count} RoIs, cpu, ${getNumThreads()} threads, median of ${runs}`);
  console.log('      M   typed ms  tensor ms   typed vs M=1024');
  let ref = 0;
  for (const m of CAPS) {
    const o = { threshold: 0.01, maxCorners: m, cluster: 0, count, roiCluster: 1 };
    const typed = time(() => void cornerSearch(l, w, h, o), runs);
    const dev = time(() => scope(() => void cornerSearchTensor(lt, o)), Math.max(1, Math.floor(runs / 2)));
    ref ||= typed;
    console.log(`  ${String(m).padStart(5)} ${typed.toFixed(2).padStart(10)} ${dev.toFixed(2).padStart(10)}   ${(typed / ref).toFixed(3)}×`);
  }
  const m = DEFAULT_MAX_CORNERS;
  const sel = { threshold: 0.01, maxCorners: m, cluster: 0 };
  const heap = time(() => void selectCorners(l, w, h, sel), runs);
  const l64 = lt.to('float64');
  const sorted = time(() => scope(() => void selectCornersTensor(l64, sel)), runs);
  const topk = time(() => scope(() => void where(l64.gt(Math.log(0.01 / 0.99)), l64, -Infinity).reshape([1, 4, h * w]).topk(m, -1, true, true)), runs);
  console.log(`  selection of M = ${m} per type: typed-array heap ${heap.toFixed(2)} ms, tensor top-k ${topk.toFixed(2)} ms (${(topk / heap).toFixed(2)}×), tensor stable sort ${sorted.toFixed(2)} ms (${(sorted / heap).toFixed(2)}×; top-k leaves the order of equal logits open, the sort keeps cell order)`);
  lt.dispose();
  l64.dispose();
}

/** A tiny DeNet trained for a short while on coloured rectangles (the data of test/detect/train-ap.test.ts). */
async function tinyDetector(): Promise<{ model: Model; held: Dataset }> {
  const { rectangles, RECT_SIZE } = await import('../test/helpers/rectangles.js');
  const train = rectangles(512, 1);
  const model = Model.create(TINY_DETECTOR, { inputShape: [3, RECT_SIZE, RECT_SIZE], classNames: train.classNames, seed: 3 });
  const solver = createSolver('adam', model.namedParameters(), { weightDecay: 1e-4, momentum: [0.9, 0.999] });
  const trainer = new Trainer({ model, solver, schedule: new LearnSchedule({ rate: 0.003, anneal: 0.1, annealEpochs: [10] }), epochs: 12, seed: 1, train: createLoader(train, { batchSize: 16, seed: 1, train: true }) });
  await trainer.run();
  return { model, held: rectangles(64, 2) };
}

/** Held-out AP and the share of changed detections per cap M, against the largest M. */
async function effect(model: Model, held: Dataset, image: ImageOptions | undefined, caps: number[], what: string): Promise<void> {
  const dns = model.layers.find((x) => x instanceof SparseLayer) as SparseLayer;
  const [, h, w] = dns.inShape as [number, number, number];
  console.log(`\ncorner-cap: ${what}, held-out ${held.length} images, corner map ${w}×${h} (${w * h} cells), ${dns.rois} RoIs`);
  console.log(`      M      AP    AP50    AP75   detections changed vs M=${caps[0]}`);
  let ref: Map<string, string> | undefined;
  for (const m of caps) {
    const capped = modifyLayers(model, 'DNS', { max_corners: m });
    const loader = createLoader(held, { batchSize: 16, threads: 2, train: false, image, channels: 3, warn: () => {} });
    const r = await evaluateDetector(capped, loader);
    const key = (d: (typeof r.results)[0]) => `${d.image_id} ${d.category_id} ${d.bbox.map((v) => v.toFixed(3)).join(' ')}`;
    const dets = new Map(r.results.map((d) => [key(d), d.score.toFixed(5)]));
    ref ??= dets;
    let same = 0;
    for (const [k, s] of dets) if (ref.get(k) === s) same++;
    const changed = 1 - same / Math.max(dets.size, ref.size, 1);
    const s = r.report.stats;
    console.log(`  ${String(m).padStart(5)}  ${s.AP.toFixed(4)}  ${s.AP50.toFixed(4)}  ${s.AP75.toFixed(4)}   ${(100 * changed).toFixed(2)} % of ${dets.size}`);
    capped.dispose();
  }
}

export async function run(runs = 7): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  if (!process.argv.includes('--no-cost')) cost(runs);
  const modelPath = arg('--model'), dataDir = arg('--data');
  if (modelPath && dataDir) {
    const model = Model.load(modelPath);
    const test = openDataset(join(dataDir, 'coco'), `mscoco,${SYNTHETIC_YEAR}-test,scale=${model.inputShape[1]}`);
    await effect(model, test.dataset, test.spec.options, CAPS, modelPath);
    model.dispose();
  } else {
    console.log('\ntraining a tiny DeNet on coloured rectangles (12 epochs of 512 64×64 images, ~20 s on an idle core)…');
    const { model, held } = await tinyDetector();
    await effect(model, held, undefined, [256, 64, 32, 16, 8], 'tiny DeNet (16×16 corner map: 256 cells, so M = 256 is no cap)');
    model.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
