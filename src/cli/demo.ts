/**
 * `denet demo`: the README's main job. Prints the engine facts (`denet info`), writes a seeded
 * generated detection dataset (COCO + VOC layouts), trains the small CPU DeNet on it through the
 * same code paths as the programs (each step prints the command it equals), then detects the
 * held-out split, prints the 12 COCO numbers and writes pictures of the detections.
 *
 * Two recipes. `scratch` trains the detector from random weights. `pretrained` follows the
 * papers: (1) `model-train` the detector's backbone as a classifier on one-object images
 * (`make-dataset --task classify`: the same objects, clutter and colours as the detection set),
 * (2) `model-modify` turns it into the detector (classifier removed, neck and DeNet layers
 * appended, the backbone's weights kept), (3) detection training from it.
 *
 *   denet demo                      # about 15 minutes on 2 cores
 *   denet demo --recipe scratch     # the detector from random weights, same budget
 *   denet demo --quick              # under a minute (a smoke test; low AP)
 *   denet demo --output DIR           # everything under DIR (default: the first free runs/demo-N)
 *   denet demo --recipe scratch --device cuda:0 --epochs 2   # on a GPU, 2 epochs (scripts/gpu-check.sh)
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { SYNTHETIC_YEAR } from '../data/synthetic-writer.js';
import { DENET_CPU_SMALL, DENET_CPU_SMALL_CLASSIFIER, DENET_CPU_SMALL_HEAD } from '../detect/networks.js';
import { predictDetections } from '../detect/predict.js';
import { Model } from '../model/index.js';
import { PRECISIONS, type Precision } from '../torch/index.js';
import { parseTrainArgs } from './train-options.js';
import { nextRunDir } from '../train/run-folder.js';
import { resolveDevice, runTraining } from '../train/session.js';
import { main as info } from './info.js';
import { main as makeDataset } from './make-dataset.js';
import { main as modify } from './modify.js';
import { flag, nonNegativeInt, oneOf, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

/** Detection training: dataset sizes, image size, the network's input size (`scale`: the images are enlarged on their way in), schedule, weight average. */
interface DetectionPlan { train: number; test: number; size: number; scale: number; epochs: number; batch: number; rate: number; annealEpochs: number[]; ema: number; emaRamp: number }
/** Classifier pretraining on one-object images: counts, image size, input size, schedule. */
interface PretrainPlan { train: number; test: number; size: number; scale: number; epochs: number; batch: number; rate: number; annealEpochs: number[] }

/**
 * The demo's settings, chosen by measurement (docs/experiments.md). No mirror augmentation: the
 * generator never mirrors its objects, and Fashion-MNIST's sandals and sneakers all face one way,
 * so mirrored images only teach views the test never shows. The pretrained recipe gives the
 * detector fewer images to fit pretraining into the same time.
 */
export const DEMO_PLANS: Record<'full' | 'quick', { scratch: DetectionPlan; pretrained: DetectionPlan & { pretrain: PretrainPlan } }> = {
  full: {
    scratch: { train: 14000, test: 300, size: 128, scale: 192, epochs: 6, batch: 8, rate: 0.002, annealEpochs: [5], ema: 0.999, emaRamp: 500 },
    pretrained: {
      train: 12000, test: 300, size: 128, scale: 192, epochs: 6, batch: 8, rate: 0.002, annealEpochs: [5], ema: 0.999, emaRamp: 500,
      pretrain: { train: 24000, test: 600, size: 64, scale: 96, epochs: 3, batch: 32, rate: 0.002, annealEpochs: [2] },
    },
  },
  quick: {
    scratch: { train: 1600, test: 100, size: 128, scale: 192, epochs: 2, batch: 8, rate: 0.002, annealEpochs: [], ema: 0.999, emaRamp: 100 },
    pretrained: {
      train: 1200, test: 100, size: 128, scale: 192, epochs: 2, batch: 8, rate: 0.002, annealEpochs: [], ema: 0.999, emaRamp: 100,
      pretrain: { train: 1600, test: 100, size: 64, scale: 96, epochs: 1, batch: 32, rate: 0.002, annealEpochs: [] },
    },
  },
};

const RECIPES = ['pretrained', 'scratch'] as const;

/** A command line as a user would type it (tokens with brackets or spaces quoted). */
const shellLine = (program: string, args: string[]) => `  ${program} ${args.map((f) => (/[[\] ]/.test(f) ? `'${f}'` : f)).join(' ')}`;

export const DEMO_OPTIONS = {
  quick: flag('quick', 'a version of under a minute (smoke test; low AP)'),
  recipe: option<(typeof RECIPES)[number]>({ flag: 'recipe', value: '<name>', help: 'pretrained (the backbone pretrained as a classifier, then the detector) or scratch', parse: oneOf('recipe', RECIPES), default: 'pretrained' }),
  output: option({ flag: 'output', value: '<dir>', aliases: ['out'], help: 'output folder (default: the first free runs/demo-N)' }),
  seed: option({ flag: 'seed', value: '<n>', help: 'seed of the dataset and the training', parse: nonNegativeInt('seed'), default: 1 }),
  threads: option({ flag: 'threads', value: '<n>', help: 'libtorch threads (default: DENET_THREADS, else all cores)', parse: positiveInt('threads') }),
  device: option({ flag: 'device', value: '<device>', help: 'cpu or cuda:N (default: GPU=N from the environment, else cpu)' }),
  epochs: option({ flag: 'epochs', value: '<n>', help: "detection training epochs (default: the plan's; annealing steps past the end are dropped)", parse: positiveInt('epochs') }),
  precision: option<Precision>({ flag: 'precision', value: '<p>', help: 'fp32, or bf16 (autocast; the CPU needs AVX512-BF16 or AMX to gain) for training and evaluation', parse: oneOf('precision', PRECISIONS), default: 'fp32' }),
  verbose: flag('verbose', 'stack traces on errors'),
};

export function demoProgram(): Command {
  return buildProgram('denet demo', 'engine facts, then a small DeNet trained on a generated detection set and evaluated with the COCO metrics', DEMO_OPTIONS);
}

export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(demoProgram(), DEMO_OPTIONS, argv);
  if (!o) return 0;
  const recipe = o.recipe;
  const seed = String(o.seed);
  const plans = o.quick ? DEMO_PLANS.quick : DEMO_PLANS.full;
  const epochs = o.epochs ?? plans[recipe].epochs;
  const plan: DetectionPlan = { ...plans[recipe], epochs, annealEpochs: plans[recipe].annealEpochs.filter((e) => e < epochs) };
  const device = resolveDevice(o.device);
  const out = o.output ?? nextRunDir('runs', 'demo');
  // All cores by default (the loader's work is light next to the network's); on a busy machine
  // fewer threads avoid OpenMP threads waiting on each other.
  const threads = String(o.threads ?? positiveInt('threads')(process.env.DENET_THREADS ?? String(cpus().length)));
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 60_000).toFixed(1)} min`;

  await info([]);

  const stages: { name: string; minutes: number }[] = [];
  let stageStart = performance.now();
  const endStage = (name: string) => {
    const now = performance.now();
    stages.push({ name, minutes: (now - stageStart) / 60_000 });
    stageStart = now;
  };
  const train = async (what: string, flags: string[]) => {
    console.log(`\n${what} — the same as:\n${shellLine('model-train', flags)}\n`);
    const { dir } = await runTraining(parseTrainArgs('denet demo', flags)!, { argv: ['denet', 'demo', ...argv] });
    return dir!;
  };

  // ---- data -------------------------------------------------------------------------------------
  const data = join(out, 'data');
  const dataFlags = ['--output', data, '--seed', seed, '--train', String(plan.train), '--val', '0', '--test', String(plan.test), '--size', String(plan.size)];
  console.log(`\nDemo${o.quick ? ' (quick)' : ''}, ${recipe} recipe: the detection data (held-out images show only Fashion-MNIST test items) — the same as:\n${shellLine('denet make-dataset', dataFlags)}`);
  await makeDataset(dataFlags);
  const coco = join(data, 'coco');
  const common = ['--solver', 'adam', '--weight-decay', '0.0001', '--seed', seed, '--workers', '2', '--threads', threads, '--channels-last', '--device', device, ...(o.precision === 'fp32' ? [] : ['--precision', o.precision])];
  const anneal = (epochs: number[]) => (epochs.length ? ['--lr-gamma', '0.1', '--lr-steps', ...epochs.map(String)] : []);
  endStage('detection data');

  // ---- pretraining: the backbone as a classifier, then model-modify into the detector -------------
  let start = ['--model-desc', ...DENET_CPU_SMALL.split(' ')];
  if (recipe === 'pretrained') {
    const p = plans.pretrained.pretrain;
    const objects = join(out, 'objects');
    const objectFlags = ['--task', 'classify', '--output', objects, '--seed', seed, '--train', String(p.train), '--test', String(p.test), '--size', String(p.size)];
    console.log(`\nStep 1: one-object images for pretraining the backbone as a classifier (training items only; its test split shows test items) — the same as:\n${shellLine('denet make-dataset', objectFlags)}`);
    await makeDataset(objectFlags);
    const classifier = await train(`Step 1: the detector's backbone trained as a classifier (DENET_CPU_SMALL_CLASSIFIER) for ${p.epochs} epochs at ${p.scale}×${p.scale}`, [
      '--model-desc', ...DENET_CPU_SMALL_CLASSIFIER.split(' '),
      '--train', join(objects, 'train'), '--test', join(objects, 'test'), '--extension', `jpg,scale=${p.scale},cache`,
      '--lr', String(p.rate), ...anneal(p.annealEpochs), '--epochs', String(p.epochs), '--batch-size', String(p.batch),
      ...common, '--output', join(out, 'pretrain'),
    ]);
    endStage('pretraining (objects + classifier)');
    const detector = join(out, 'pretrained-detector.safetensors');
    const modifyFlags = ['--input', join(classifier, 'model.safetensors'), '--output', detector, '--layer-remove', '1', '--layer-append', ...DENET_CPU_SMALL_HEAD.split(' '),
      '--class-names', join(data, 'VOCdevkit', `VOC${SYNTHETIC_YEAR}`, 'classes.txt'), '--image-size', String(plan.scale), String(plan.scale)];
    console.log(`\nStep 2: the classifier becomes the detector (classifier removed, neck and DeNet layers appended, backbone weights kept) — the same as:\n${shellLine('model-modify', modifyFlags)}\n`);
    await modify(modifyFlags);
    start = ['--model', detector];
  }

  // ---- detection training: the model-train code path ------------------------------------------------
  const dir = await train(`${recipe === 'pretrained' ? 'Step 3: ' : ''}Training DeNet (DENET_CPU_SMALL, src/detect/networks.ts) for ${plan.epochs} epochs at ${plan.scale}×${plan.scale} input`, [
    ...start,
    '--train', coco, '--extension', `mscoco,${SYNTHETIC_YEAR}-train,scale=${plan.scale},cache`,
    '--test', coco, '--test-extension', `mscoco,${SYNTHETIC_YEAR}-test,scale=${plan.scale},cache`,
    '--lr', String(plan.rate), ...anneal(plan.annealEpochs), '--epochs', String(plan.epochs), '--batch-size', String(plan.batch),
    '--ema', String(plan.ema), '--ema-ramp', String(plan.emaRamp), ...common, '--output', join(out, 'train'),
  ]);
  endStage('detection training');

  // ---- held-out evaluation ----------------------------------------------------------------------
  const modelPath = join(dir, 'model.safetensors');
  const saved = Model.load(modelPath);
  const model = saved.fuse(); // the inference copy model-predict runs: batch norms folded
  saved.dispose();
  model.channelsLast = true;
  if (device !== 'cpu') model.to(device);
  try {
    const test = openDataset(coco, `mscoco,${SYNTHETIC_YEAR}-test,scale=${plan.scale}`);
    const loader = createLoader(test.dataset, { batchSize: 32, threads: 2, train: false, image: test.spec.options, channels: 3, warn: () => {}, pinMemory: device !== 'cpu' });
    const results = join(out, 'predict');
    console.log(`\nHeld-out split (${test.dataset.length} images), COCO metrics:`);
    const r = await predictDetections(model, test, loader, { results, modes: new Set(['mscoco', 'voc', 'image']), detect: {}, precision: o.precision, drawThreshold: 0.4, maxPictures: 24, device });
    const s = r.stats;
    endStage('held-out evaluation');
    console.log(`\nAP ${s.AP.toFixed(3)}  AP50 ${s.AP50.toFixed(3)}  AP75 ${s.AP75.toFixed(3)}  (${r.images} images, ${r.detections} detections; ${elapsed()} in all: ${stages.map((st) => `${st.name} ${st.minutes.toFixed(1)}`).join(', ')} min)`);
    console.log(`run folder: ${dir} (results.csv, results.png, snapshots, tensorboard/, train.log)`);
    console.log(`pictures:   ${join(results, 'images')}/*.png (${Math.min(24, r.images)} images, detections scoring ≥ 0.4)`);
    console.log(`results:    ${join(results, 'results.json')} (COCO), ${results}/comp4_det_test_*.txt (VOC)`);
  } finally {
    model.dispose();
  }
  return 0;
}
