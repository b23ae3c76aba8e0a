/**
 * One training run from a TrainConfig: devices and threads, datasets and loaders, the model (new,
 * from a file, or from a checkpoint), the solver, the run folder, and the trainer.
 */
import { cpus, freemem } from 'node:os';
import { dirname } from 'node:path';
import { parseDistort } from '../data/distort.js';
import { createLoader } from '../data/loader.js';
import { openDataset, type OpenedDataset } from '../data/open.js';
import { defaultTestSplit } from '../data/validation-split.js';
import type { Dataset, Loader } from '../data/types.js';
import type { TrainableModel } from './model-like.js';
import { withFused, type TestResult } from './classify.js';
import { checkDetectionClasses } from '../detect/predict.js';
import { evaluateDetector } from '../detect/evaluate.js';
import { Model, importTorchvisionBackbone } from '../model/index.js';
import { checkPrecision, cuda, distributed, manualSeed, setNumThreads, type Precision } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { readCheckpoint, resolveCheckpoint } from './checkpoint.js';
import { MULTI_OPTIONS, type TrainConfig } from './config.js';
import type { EpochResult } from './results.js';
import { nextRunDir, RunFolder } from './run-folder.js';
import { LearnSchedule } from './schedule.js';
import { createSolver } from './solvers/index.js';
import { splitSegments } from './split.js';
import { Trainer } from './trainer.js';
import { WeightAverage } from './ema.js';

/** libtorch threads: DENET_THREADS, else the cores shared evenly by the ranks. */
export function defaultThreads(world = 1, env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DENET_THREADS);
  if (env.DENET_THREADS && Number.isInteger(n) && n > 0) return n;
  return Math.max(1, Math.floor(cpus().length / world));
}

export const LAYOUTS = ['auto', 'nchw', 'channels-last'] as const;
export type Layout = (typeof LAYOUTS)[number];

/**
 * Whether inference runs on channels-last images. `auto` is channels-last on the CPU, where it
 * was faster for every network measured (fused ResNet-18/34 at batch 1 and 32, DeNet-34 skip, the
 * demo detector: docs/benchmarks.md `inference`, `channels-last`), and NCHW on CUDA, not measured
 * there yet.
 */
export function inferenceChannelsLast(layout: Layout, device: string): boolean {
  return layout === 'auto' ? device === 'cpu' : layout === 'channels-last';
}

/** Resolves the device: --device, else GPU=N from the environment (CPU with a warning when CUDA is absent), else cpu. */
export function resolveDevice(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, warn = (m: string) => console.warn(m)): string {
  if (flag !== undefined) {
    if (flag === 'cpu') return 'cpu';
    const m = /^(?:cuda|gpu)(?::?(\d+))?$/.exec(flag);
    if (!m) throw new UserError(`Expected cpu or cuda:N for --device but received "${flag}"`);
    const dev = `cuda:${m[1] ?? 0}`;
    if (!cuda.isAvailable()) throw new UserError(`--device ${flag}: CUDA is not available in this libtorch build or machine (use --device cpu)`);
    if (Number(m[1] ?? 0) >= cuda.deviceCount()) throw new UserError(`--device ${flag}: only ${cuda.deviceCount()} CUDA device(s)`);
    return dev;
  }
  const gpu = env.GPU;
  if (gpu !== undefined && gpu !== '') {
    if (!/^\d+$/.test(gpu)) throw new UserError(`Expected a device number for GPU but received "${gpu}"`);
    if (!cuda.isAvailable()) {
      warn(`warning: GPU=${gpu} but CUDA is not available; running on the CPU`);
      return 'cpu';
    }
    if (Number(gpu) >= cuda.deviceCount()) throw new UserError(`GPU=${gpu}: only ${cuda.deviceCount()} CUDA device(s)`);
    return `cuda:${gpu}`;
  }
  return 'cpu';
}

/** The [C, H, W] of the first decodable sample as the loader would deliver it. */
export async function probeInputShape(opened: OpenedDataset, channels?: number): Promise<[number, number, number]> {
  const loader = createLoader(opened.dataset, { batchSize: 1, threads: 1, train: false, image: opened.spec.options, channels, warn: () => {} });
  for await (const b of loader.epochArrays(0)) return [b.shape[1], b.shape[2], b.shape[3]];
  throw new UserError(`${opened.dataset.source}: no readable image`);
}

function checkClasses(model: Model, train: Dataset, test?: Dataset): void {
  for (const [what, ds] of [['--train', train], ['--test', test]] as const) {
    if (ds?.unlabelled) throw new UserError(`${what} ${ds.source}: has no annotations (an image_info file); it can only be predicted (model-predict --predict-mode detect,mscoco)`);
  }
  const detector = model.isDetector;
  for (const [what, ds] of [['--train', train], ['--test', test]] as const) {
    if (!ds) continue;
    if (ds.kind === 'detection' && !detector) {
      throw new UserError(`${what} ${ds.source}: detection data needs a detector (a model ending in DNC … DNS … DND, see examples/); this model ends in ${model.tokens.at(-1)?.type ?? 'nothing'}`);
    }
    if (ds.kind === 'classification' && detector) throw new UserError(`${what} ${ds.source}: a DeNet detector needs detection data (mscoco,… or voc,…), not class folders`);
    if (detector) checkDetectionClasses(model, ds, what);
  }
  if (detector) return;
  for (const [what, ds] of [['--train', train], ['--test', test]] as const) {
    if (!ds) continue;
    if (ds.classNames.length > model.classNames.length) {
      throw new UserError(`${what} ${ds.source}: labels out of range: the data has ${ds.classNames.length} classes but the model has ${model.classNames.length}`);
    }
    const bad = ds.classNames.findIndex((n, i) => n !== model.classNames[i]);
    if (bad >= 0 && ds.kind === 'classification') {
      throw new UserError(`${what} ${ds.source}: class ${bad} is "${ds.classNames[bad]}" but the model's class ${bad} is "${model.classNames[bad]}"`);
    }
  }
}

/** The per-epoch test pass of a detector: mean test losses and COCO AP, AP50, AP75 (fractions). */
async function detectionTestPass(model: TrainableModel, loader: Loader, device: string, precision: Precision = 'fp32'): Promise<TestResult> {
  const r = await withFused(model as Model, (m) => evaluateDetector(m, loader, { device, precision }));
  const { AP, AP50, AP75 } = r.report.stats;
  return { losses: r.losses, metrics: { AP, AP50, AP75 }, images: r.images.length };
}

export interface SessionOptions {
  /** The command line, for args.json. */
  argv: string[];
  /** Data-parallel placement of this process. */
  dist?: { rank: number; worldSize: number; device: string };
  log?: (line: string) => void;
}

/** Throws a UserError naming the fix unless the data's images come out at the model's input shape. */
export async function checkImageShape(opened: OpenedDataset, model: { readonly inputShape: readonly [number, number, number] }): Promise<void> {
  const shape = await probeInputShape(opened, model.inputShape[0]);
  if (shape.join() !== model.inputShape.join()) {
    throw new UserError(`${opened.dataset.source}: images are ${shape.join('×')} (C×H×W) but the model expects ${model.inputShape.join('×')}; use --extension …,scale=…,crop=… to resize`);
  }
}

type Checkpoint = ReturnType<typeof readCheckpoint>;

/** `--resume`: the checkpoint, its run folder, and a warning for each setting that differs from the interrupted run. */
function resumeFrom(c: TrainConfig, warn: (m: string) => void): { ckpt: Checkpoint; runDir: string } {
  const path = resolveCheckpoint(c.resume === true ? c.outputPrefix! : c.resume!);
  const ckpt = readCheckpoint(path);
  const was = ckpt.options ?? {};
  const changed = (c.resumeChecks ?? []).filter((k) => k in was && JSON.stringify(was[k as keyof TrainConfig]) !== JSON.stringify(c[k as keyof TrainConfig]));
  if (changed.length) warn(`warning: --resume with different ${changed.map((k) => `--${MULTI_OPTIONS[k as keyof typeof MULTI_OPTIONS]?.flag ?? k}`).join(', ')} than the interrupted run; it will not continue exactly`);
  if (ckpt.epoch >= c.epochs) throw new UserError(`--resume: the run already finished ${ckpt.epoch} epochs (--epochs ${c.epochs}); raise --epochs to continue`);
  return { ckpt, runDir: dirname(path) };
}

/** The model to train: the checkpoint's, a model file, or a new one from the description (with --backbone weights). */
async function startingModel(c: TrainConfig, ckpt: Checkpoint | undefined, trainSet: OpenedDataset, log: ((line: string) => void) | undefined): Promise<Model> {
  if (ckpt) return Model.load(ckpt.modelPath);
  if (c.model) return Model.load(c.model);
  const inputShape = await probeInputShape(trainSet);
  manualSeed(c.seed);
  const model = Model.create(c.modelDesc!, { inputShape, classNames: trainSet.dataset.classNames, borderMode: c.borderMode as never, activation: c.activation, weightInit: c.weightInit, seed: c.seed });
  if (c.backbone) {
    try {
      const line = importTorchvisionBackbone(model, c.backbone);
      log?.(line);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  return model;
}

/** Runs training; returns the run folder (rank 0) and the per-epoch results. */
export async function runTraining(c: TrainConfig, s: SessionOptions): Promise<{ dir?: string; history: EpochResult[] }> {
  const world = s.dist?.worldSize ?? 1;
  const rank = s.dist?.rank ?? 0;
  setNumThreads(c.threads ?? defaultThreads(world));
  const device = s.dist ? s.dist.device : resolveDevice(c.device);
  const warn = rank === 0 ? (m: string) => console.warn(m) : () => {};

  // ---- data -----------------------------------------------------------------------------------
  const trainSet = openDataset(c.train, c.extension);
  let testSpec = c.testExtension;
  if (c.test && testSpec === undefined) {
    const split = defaultTestSplit(c.extension);
    if (split.note) warn(`note: ${split.note}`);
    if (split.overlap) warn(`warning: ${split.overlap}`);
    testSpec = split.spec;
  }
  const testSet = c.test ? openDataset(c.test, testSpec!) : undefined;
  const distort = c.distortMode ? parseDistort(c.distortMode) : undefined;

  // ---- model: checkpoint, file or description --------------------------------------------------
  const resumed = c.resume ? resumeFrom(c, warn) : undefined;
  const ckpt = resumed?.ckpt;
  const runDir = resumed?.runDir ?? c.outputPrefix;
  const model = await startingModel(c, ckpt, trainSet, rank === 0 ? (s.log ?? console.log) : undefined);
  model.channelsLast = c.channelsLast;
  let ema: WeightAverage | undefined;
  try {
    checkClasses(model, trainSet.dataset, testSet?.dataset);
    await checkImageShape(trainSet, model);
    if (device !== 'cpu') model.to(device);

    const perDevice = (c.batchSize * c.batchSizeFactor) / world;
    if (!Number.isInteger(perDevice)) throw new UserError(`--batch-size ${c.batchSize} × --batch-size-factor ${c.batchSizeFactor} does not split evenly over ${world} devices`);
    const trainLoader = createLoader(trainSet.dataset, {
      batchSize: perDevice, threads: c.threadNum, seed: c.seed, train: true, shard: world > 1 ? { rank, world } : undefined, image: trainSet.spec.options, distort, augmentMirror: c.augmentMirror,
      channels: model.inputShape[0], warn, dropLast: world > 1, cacheBytes: freemem() / 2 / world, // ranks on one machine share its memory
      pinMemory: device !== 'cpu',
    });
    const testLoader = testSet && rank === 0
      ? createLoader(testSet.dataset, { batchSize: perDevice, threads: c.threadNum, seed: c.seed, train: false, image: testSet.spec.options, channels: model.inputShape[0], warn, pinMemory: device !== 'cpu' })
      : undefined;

    // ---- solver, run folder, trainer ----------------------------------------------------------
    const solver = createSolver(c.solver, model.namedParameters(), { weightDecay: c.learnDecay, momentum: c.learnMomentum });
    const schedule = new LearnSchedule({ rate: c.learnRate, anneal: c.learnAnneal, annealEpochs: c.learnAnnealEpochs, kind: c.learnSchedule, final: c.learnFinal, epochs: c.epochs });
    const run = rank === 0 ? new RunFolder(runDir ?? nextRunDir()) : undefined;
    const resolved = { ...c, device, worldSize: world, perDeviceBatch: perDevice, classNames: model.classNames, inputShape: model.inputShape, description: model.description() };
    if (run) {
      run.writeArgs(s.argv, resolved);
      const segments = splitSegments(model);
      const line = `${ckpt ? `resuming ${run.dir} at epoch ${ckpt.epoch + 1}` : `training into ${run.dir}`}: ${model.description()} on ${model.inputShape.join('×')} input, ${model.classNames.length} classes, ${trainSet.dataset.length} training images${testSet ? `, ${testSet.dataset.length} test images` : ''}, ${device}${world > 1 ? ` ×${world} (${distributed.backend()})` : ''}${segments ? `; split execution in ${segments.length} segments` : ''}`;
      run.log(line);
      (s.log ?? console.log)(line);
    }
    // After any checkpoint's model is loaded: the snapshot holds the averaged weights.
    ema = c.ema > 0 ? new WeightAverage([...model.namedParameters(), ...model.namedBuffers()], c.ema, c.emaRamp) : undefined;
    const trainer = new Trainer({
      model, solver, schedule, train: trainLoader, test: testLoader, epochs: c.epochs, run, device, accumulate: c.accumulate, seed: c.seed,
      dist: world > 1 ? { rank, worldSize: world } : undefined, progress: c.progress ? undefined : false, log: s.log,
      options: resolved as unknown as Record<string, unknown>,
      evaluate: model.isDetector ? detectionTestPass : undefined,
      ema,
      precision: checkPrecision(c.precision ?? 'fp32', device),
    });
    if (ckpt) trainer.restore(ckpt);
    const history = await trainer.run();
    if (world > 1 && rank > 0 && process.env.DENET_DIST_SAVE_ALL_RANKS === '1' && runDir) {
      model.save(`${runDir}/rank${rank}/model.safetensors`);
    }
    return { dir: run?.dir, history };
  } finally {
    ema?.dispose();
    if (ckpt) {
      ckpt.torchRng.dispose();
      for (const t of ckpt.cudaRng ?? []) t.dispose();
      for (const t of Object.values(ckpt.solver.tensors)) t.dispose();
      for (const t of Object.values(ckpt.ema?.live ?? {})) t.dispose();
    }
  }
}
