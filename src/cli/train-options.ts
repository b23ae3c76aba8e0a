/**
 * The training flags shared by `model-train`, `denet train` and `model-train-multi` (SPEC
 * "Training flags"), parsed with commander into one validated, defaulted `TrainConfig`.
 */
import { Command, Option } from 'commander';
import { PRECISIONS, type Precision } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { defaultMomentum, isSolverName, SOLVERS } from '../train/solvers/index.js';
import { SCHEDULES } from '../train/schedule.js';
import type { TrainConfig } from '../train/config.js';
import { parseProgram } from './run.js';


function num(flag: string, kind: 'positive' | 'non-negative' | 'positive integer' | 'integer') {
  return (v: string): number => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) &&
      (kind === 'positive' ? n > 0 : kind === 'non-negative' ? n >= 0 : kind === 'positive integer' ? Number.isInteger(n) && n > 0 : Number.isInteger(n));
    if (!ok) throw new UserError(`Expected ${kind === 'integer' ? 'an integer' : kind === 'positive integer' ? 'a positive integer' : `a ${kind} number`} for ${flag} but received "${v}"`);
    return n;
  };
}
function numList(flag: string, kind: 'positive' | 'non-negative' | 'positive integer') {
  const one = num(flag, kind);
  return (v: string, prev: number[] | undefined): number[] => [...(prev ?? []), one(v)];
}

/** Builds the commander program with every training flag (plus the multi-device ones when `multi`). */
export function trainingProgram(name: string, multi = false): Command {
  const p = new Command(name)
    .description(multi ? 'data-parallel training over several devices (one process per device, c10d)' : 'train a network on one device (GPU=N in the environment selects cuda:N)')
    .option('--model-desc <tokens...>', 'a new model from description tokens, e.g. C[128,3] BN A P[2] … R')
    .option('--model <file>', 'continue from a model file (.safetensors)')
    .option('--backbone <file>', 'ImageNet weights for a new model\'s ResNet backbone: a torchvision ResNet state dict saved as .safetensors, loaded by name')
    .option('--train <path>', 'training data (see --extension)')
    .option('--test <path>', 'test data, evaluated after each epoch')
    .option('--extension <spec>', 'data format: png|jpg|… (class folders), npy, imagenet,…, mscoco,…, voc,…', 'png')
    .option('--test-extension <spec>', 'data format of --test when it differs from --extension')
    .option('--border-mode <mode>', 'default convolution padding: valid|same|half|full', 'half')
    .option('--activation <name>', 'what A means: relu|elu|leaky-relu|tanh|sigmoid|…', 'relu')
    .option('--solver <name>', `solver: ${SOLVERS.join('|')}`, 'sgd')
    .option('--learn-rate <rate>', 'learning rate', num('--learn-rate', 'positive'), 0.1)
    .option('--learn-momentum <m...>', 'momentum (sgd, nesterov; default 0.9) or Adam β1 β2 (default 0.9 0.999)', numList('--learn-momentum', 'non-negative'))
    .option('--learn-decay <decay>', 'L2 weight decay on weights (not biases or BN)', num('--learn-decay', 'non-negative'), 0.0001)
    .option('--learn-anneal <factor>', 'multiply the rate by this after each --learn-anneal-epochs epoch (every epoch without a list)', num('--learn-anneal', 'positive'), 1)
    .option('--learn-anneal-epochs <epochs...>', 'epochs after which to anneal', numList('--learn-anneal-epochs', 'positive integer'))
    .option('--learn-schedule <kind>', `how the rate moves: ${SCHEDULES.join('|')} (step: --learn-anneal; cosine, linear: every step down to --learn-final × the rate at the last epoch's end)`, 'step')
    .option('--learn-final <fraction>', 'cosine, linear: the final rate as a fraction of --learn-rate', num('--learn-final', 'non-negative'), 0.01)
    .option('--epochs <n>', 'epochs to train', num('--epochs', 'positive integer'), 30)
    .option('--batch-size <n>', 'images per batch', num('--batch-size', 'positive integer'), 32)
    .option('--accumulate <n>', 'batches whose gradients are summed before each solver step', num('--accumulate', 'positive integer'), 1)
    .option('--ema <decay>', 'test and save an exponential moving average of the weights with this decay, e.g. 0.9999 (Ultralytics\' ModelEMA; 0: off)', num('--ema', 'non-negative'), 0)
    .option('--ema-ramp <steps>', '--ema: the decay after t solver steps is decay × (1 − exp(−t / this)), so the average soon forgets the initial weights', num('--ema-ramp', 'positive'), 2000)
    .option('--seed <n>', 'random seed (weights, shuffling, augmentation, dropout)', num('--seed', 'integer'), 1)
    .option('--distort-mode <spec>', 'in-memory augmentation: oX offset px, sX scale %, rX rotation deg, mX mirror %')
    .option('--augment-mirror', 'mirror training images with probability 1/2', false)
    .option('--thread-num <n>', 'data-loader threads: decodes in flight, and workers converting images to float', num('--thread-num', 'positive integer'), 4)
    .option('--output-prefix <dir>', 'run folder (default: the first free runs/train-N)')
    .option('--weight-init <name>', 'he-forward|he-backward|xavier-forward|xavier-backward[-uniform]', 'he-forward')
    .option('--resume [path]', 'continue an interrupted run (a run folder or its checkpoint.safetensors; default: --output-prefix)')
    .option('--device <device>', 'cpu or cuda:N (default: GPU=N from the environment, else cpu)')
    .option('--threads <n>', 'libtorch intra-op threads (default: DENET_THREADS, else all cores)', num('--threads', 'positive integer'))
    .option('--channels-last', 'run the layers on channels-last (NHWC) images, as torch.channels_last: faster convolutions on the CPU', false)
    .option('--precision <p>', 'fp32, bf16 (autocast; CPU or CUDA) or fp16 (CUDA autocast with loss scaling); weights, losses and the solver stay fp32', 'fp32')
    .option('--no-progress', 'no progress bar')
    .option('--verbose', 'stack traces on errors', false);
  if (multi) {
    p.addOption(new Option('--gpus <devices...>', 'one process per entry: gpuN, cuda:N, N or cpu').makeOptionMandatory());
    p.option('--batch-size-factor <f>', 'global batch = --batch-size × this, split evenly over the devices', num('--batch-size-factor', 'positive integer'), 1);
  }
  p.exitOverride().configureOutput({ writeErr: () => {} }).showHelpAfterError(false).allowExcessArguments(false);
  return p;
}

/**
 * Parses argv into a TrainConfig; returns undefined when --help was shown. Every bad value is a
 * one-line UserError.
 */
export function parseTrainArgs(name: string, argv: string[], multi = false): TrainConfig | undefined {
  const p = trainingProgram(name, multi);
  p.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => {} });
  if (!parseProgram(p, argv)) return undefined;
  const o = p.opts();
  if (!o.modelDesc && !o.model && !o.resume) throw new UserError('give --model-desc TOKENS… (a new model) or --model FILE');
  if (o.modelDesc && o.model) throw new UserError('give either --model-desc or --model, not both');
  if (o.backbone && !o.modelDesc) throw new UserError('--backbone initialises a new model: it needs --model-desc');
  if (!o.train) throw new UserError('--train PATH is required');
  if (!isSolverName(o.solver)) throw new UserError(`unknown solver "${o.solver}" (expected ${SOLVERS.join(', ')})`);
  const momentum: number[] = o.learnMomentum ?? defaultMomentum(o.solver);
  if (o.solver !== 'adam' && momentum.length !== 1) throw new UserError(`--learn-momentum takes one value for ${o.solver} but received ${momentum.length}`);
  if (o.solver === 'adam' && momentum.length > 2) throw new UserError(`--learn-momentum takes β1 [β2] for adam but received ${momentum.length} values`);
  for (const m of momentum) if (m >= 1) throw new UserError(`Expected momentum in [0, 1) for --learn-momentum but received ${m}`);
  if (!(SCHEDULES as readonly string[]).includes(o.learnSchedule)) throw new UserError(`unknown --learn-schedule "${o.learnSchedule}" (expected ${SCHEDULES.join(', ')})`);
  if (o.learnFinal > 1) throw new UserError(`Expected a fraction in [0, 1] for --learn-final but received ${o.learnFinal}`);
  if (o.ema >= 1) throw new UserError(`Expected a decay in [0, 1) for --ema but received ${o.ema}`);
  if (!(PRECISIONS as readonly string[]).includes(o.precision)) throw new UserError(`unknown --precision "${o.precision}" (expected ${PRECISIONS.join(', ')})`);
  if (o.resume === true && !o.outputPrefix) throw new UserError('--resume without a path needs --output-prefix (the run folder to continue)');
  return {
    modelDesc: o.modelDesc, model: o.model, backbone: o.backbone, train: o.train, test: o.test, extension: o.extension, testExtension: o.testExtension, borderMode: o.borderMode,
    activation: o.activation, solver: o.solver, learnRate: o.learnRate, learnMomentum: momentum, learnDecay: o.learnDecay,
    learnAnneal: o.learnAnneal, learnAnnealEpochs: o.learnAnnealEpochs, learnSchedule: o.learnSchedule, learnFinal: o.learnFinal, epochs: o.epochs, batchSize: o.batchSize, accumulate: o.accumulate, ema: o.ema, emaRamp: o.emaRamp,
    seed: o.seed, distortMode: o.distortMode, augmentMirror: !!o.augmentMirror, threadNum: o.threadNum, outputPrefix: o.outputPrefix,
    weightInit: o.weightInit, resume: o.resume, device: o.device, threads: o.threads, channelsLast: !!o.channelsLast, precision: o.precision, verbose: !!o.verbose, progress: o.progress !== false,
    gpus: o.gpus, batchSizeFactor: o.batchSizeFactor ?? 1,
  };
}
