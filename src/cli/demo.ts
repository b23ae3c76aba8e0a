/**
 * `denet demo`: the README's main job. Prints the engine facts (`denet info`), writes a seeded
 * generated detection dataset (COCO + VOC layouts), trains the small CPU DeNet on it through the
 * same code path as `model-train` (parseTrainArgs → runTraining: run folder, results.csv with each
 * loss term and the per-epoch COCO AP/AP50/AP75), then detects the held-out split, prints the 12
 * COCO numbers and writes pictures of the detections.
 *
 *   denet demo                 # about 15 minutes on 2 cores
 *   denet demo --quick         # under a minute (a smoke test; low AP)
 *   denet demo --out DIR       # everything under DIR (default: the first free runs/demo-N)
 *   denet demo --device cuda:0 --epochs 2   # on a GPU, fewer epochs (scripts/gpu-check.sh)
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { SYNTHETIC_YEAR, writeSyntheticDataset } from '../data/synthetic-writer.js';
import { DENET_CPU_SMALL } from '../detect/networks.js';
import { predictDetections } from '../detect/predict.js';
import { Model } from '../model/index.js';
import { parseTrainArgs } from '../train/options.js';
import { nextRunDir } from '../train/run-folder.js';
import { resolveDevice, runTraining } from '../train/session.js';
import { UserError } from '../util/errors.js';
import { main as info } from './info.js';
import { parseProgram } from './run.js';

/**
 * The demo's settings: dataset sizes, image size, the network's input size (`scale`: the images
 * are enlarged on their way into the network), schedule, and the moving average of the weights
 * that is tested and saved (`--ema`). Chosen by measurement (README "Detection"). No mirror
 * augmentation: the generator never mirrors its objects, and Fashion-MNIST's sandals and sneakers
 * all face one way, so mirrored training images only teach views the test never shows.
 * Channels-last convolutions make a step ~8% cheaper; 14000 training images rather than 12000 spend
 * that and a minute more, and reach the AP50 a seventh epoch of 12000 would.
 */
export const DEMO_PLANS = {
  full: { train: 14000, test: 300, size: 128, scale: 192, epochs: 6, batch: 8, rate: 0.002, annealEpochs: [5] as number[], ema: 0.999, emaRamp: 500 },
  quick: { train: 1600, test: 100, size: 128, scale: 192, epochs: 2, batch: 8, rate: 0.002, annealEpochs: [], ema: 0.999, emaRamp: 100 },
} as const;

export async function main(argv: string[]): Promise<number> {
  const cmd = new Command('denet demo')
    .description('engine facts, then a small DeNet trained on a generated detection set and evaluated with the COCO metrics')
    .option('--quick', 'a version of under a minute (smoke test; low AP)')
    .option('--out <dir>', 'output folder (default: the first free runs/demo-N)')
    .option('--seed <n>', 'seed of the dataset and the training', '1')
    .option('--threads <n>', 'libtorch threads (default: DENET_THREADS, else all cores)')
    .option('--device <device>', 'cpu or cuda:N (default: GPU=N from the environment, else cpu)')
    .option('--epochs <n>', 'train this many epochs of the plan (its annealing steps past the end are dropped)')
    .option('--verbose', 'stack traces on errors');
  if (!parseProgram(cmd, argv)) return 0;
  const o = cmd.opts<{ quick?: boolean; out?: string; seed: string; threads?: string; device?: string; epochs?: string }>();
  if (!/^\d+$/.test(o.seed)) throw new UserError(`Expected a non-negative integer for --seed but received "${o.seed}"`);
  if (o.epochs !== undefined && !/^[1-9]\d*$/.test(o.epochs)) throw new UserError(`Expected a positive integer for --epochs but received "${o.epochs}"`);
  const base = o.quick ? DEMO_PLANS.quick : DEMO_PLANS.full;
  const epochs = o.epochs ? Number(o.epochs) : base.epochs;
  const plan = { ...base, epochs, annealEpochs: base.annealEpochs.filter((e) => e < epochs) };
  const out = o.out ?? nextRunDir('runs', 'demo');
  // All cores: on an idle 2-core machine two libtorch threads trained the previous demo network at 225 img/s
  // against 165 with one (loader included). Other busy processes make OpenMP threads wait, though.
  const threads = o.threads ?? process.env.DENET_THREADS ?? String(cpus().length);
  if (!/^[1-9]\d*$/.test(threads)) throw new UserError(`Expected a positive integer for --threads but received "${threads}"`);
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 60_000).toFixed(1)} min`;

  await info([]);

  // ---- data -------------------------------------------------------------------------------------
  const data = join(out, 'data');
  console.log(`\nDemo${o.quick ? ' (quick)' : ''}: writing ${plan.train} training and ${plan.test} held-out ${plan.size}×${plan.size} images (seed ${o.seed}) to ${data}`);
  const ds = await writeSyntheticDataset(data, { seed: Number(o.seed), counts: { train: plan.train, val: 0, test: plan.test }, size: plan.size });
  console.log(`  ${ds.objects} objects of ${ds.classNames.length} classes (${ds.classNames.join(', ')}; ${ds.source})`);

  // ---- training: the model-train code path --------------------------------------------------------
  const coco = join(data, 'coco');
  const trainDir = join(out, 'train');
  const flags = [
    '--model-desc', ...DENET_CPU_SMALL.split(' '),
    '--train', coco, '--extension', `mscoco,${SYNTHETIC_YEAR}-train,scale=${plan.scale},cache`,
    '--test', coco, '--test-extension', `mscoco,${SYNTHETIC_YEAR}-test,scale=${plan.scale},cache`,
    '--solver', 'adam', '--learn-rate', String(plan.rate), '--learn-decay', '0.0001',
    ...(plan.annealEpochs.length ? ['--learn-anneal', '0.1', '--learn-anneal-epochs', ...plan.annealEpochs.map(String)] : []),
    '--epochs', String(plan.epochs), '--batch-size', String(plan.batch), '--ema', String(plan.ema), '--ema-ramp', String(plan.emaRamp), '--seed', o.seed, '--thread-num', '2',
    '--output-prefix', trainDir, '--threads', threads, '--channels-last',
    ...(o.device ? ['--device', o.device] : []),
  ];
  console.log(`\nTraining DeNet (DENET_CPU_SMALL, src/detect/networks.ts) for ${plan.epochs} epochs at ${plan.scale}×${plan.scale} input — the same as:\n  model-train ${flags.map((f) => (/[[\] ]/.test(f) ? `'${f}'` : f)).join(' ')}\n`);
  const config = parseTrainArgs('denet demo', flags)!;
  const { dir } = await runTraining(config, { argv: ['denet', 'demo', ...argv] });

  // ---- held-out evaluation ----------------------------------------------------------------------
  const modelPath = join(dir!, 'model.safetensors');
  const model = Model.load(modelPath);
  model.channelsLast = true;
  const device = resolveDevice(config.device, process.env, () => {});
  if (device !== 'cpu') model.to(device);
  try {
    const test = openDataset(coco, `mscoco,${SYNTHETIC_YEAR}-test,scale=${plan.scale}`);
    const loader = createLoader(test.dataset, { batchSize: 32, threads: 2, train: false, image: test.spec.options, channels: 3, warn: () => {}, pinMemory: device !== 'cpu' });
    const results = join(out, 'predict');
    console.log(`\nHeld-out split (${test.dataset.length} images), COCO metrics:`);
    const r = await predictDetections(model, test, loader, { results, modes: new Set(['mscoco', 'voc', 'image']), detect: {}, drawThreshold: 0.4, maxPictures: 24, device });
    const s = r.stats;
    console.log(`\nAP ${s.AP.toFixed(3)}  AP50 ${s.AP50.toFixed(3)}  AP75 ${s.AP75.toFixed(3)}  (${r.images} images, ${r.detections} detections; ${elapsed()} in all)`);
    console.log(`run folder: ${dir} (results.csv, results.png, snapshots, tensorboard/, train.log)`);
    console.log(`pictures:   ${join(results, 'images')}/*.png (${Math.min(24, r.images)} images, detections scoring ≥ 0.4)`);
    console.log(`results:    ${join(results, 'results.json')} (COCO), ${results}/comp4_det_test_*.txt (VOC)`);
  } finally {
    model.dispose();
  }
  return 0;
}
