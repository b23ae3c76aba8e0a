/**
 * The training options of `model-train`, `denet train` and `model-train-multi` (SPEC "Training
 * flags"): one table from which src/cli builds the commander program, the typed `TrainConfig`
 * and the list of settings `--resume` compares. Flags are the names PyTorch and Ultralytics users
 * know; the original DeNet tool's names stay as aliases (`--learn-rate` for `--lr`, …).
 */
import { invalidArg } from '../util/errors.js';
import { belowOne, flag, fraction, integer, listOf, nonNegative, nonNegativeInt, option, oneOf, positive, positiveInt, type ConfigOf } from '../util/options.js';
import { SCHEDULES, type ScheduleKind } from './schedule.js';
import { SOLVERS, type SolverName } from './solvers/index.js';
import { PRECISIONS, type Precision } from '../torch/index.js';

/** Default libtorch seed: runs are reproducible unless asked otherwise. */
const DEFAULT_SEED = 1;

export const TRAIN_OPTIONS = {
  modelDesc: option<string[]>({ flag: 'model-desc', value: '<tokens...>', help: 'a new model from description tokens, e.g. C[128,3] BN A P[2] … R' }),
  model: option({ flag: 'model', value: '<file>', help: 'continue from a model file (.safetensors)' }),
  backbone: option({ flag: 'backbone', value: '<file>', help: 'ImageNet weights for a new model\'s ResNet backbone: a torchvision ResNet state dict saved as .safetensors, loaded by name' }),
  train: option({ flag: 'train', value: '<path>', help: 'training data (see --extension)', required: true }),
  test: option({ flag: 'test', value: '<path>', help: 'test data, evaluated after each epoch' }),
  extension: option({ flag: 'extension', value: '<spec>', aliases: ['ext'], help: 'data format: png|jpg|… (class folders), npy, imagenet,…, mscoco,…, voc,… (docs/data.md)', default: 'png', resume: true }),
  testExtension: option({ flag: 'test-extension', value: '<spec>', help: 'data format of --test (default: --extension; for imagenet, mscoco and voc specs their validation split: imagenet,val, mscoco,YEAR-val, voc,2007-test)' }),
  borderMode: option({ flag: 'border-mode', value: '<mode>', help: 'default convolution padding: valid|same|half|full', default: 'half' }),
  activation: option({ flag: 'activation', value: '<name>', help: 'what A means: relu|elu|leaky-relu|tanh|sigmoid|…', default: 'relu' }),
  solver: option<SolverName>({ flag: 'solver', value: '<name>', help: `solver: ${SOLVERS.join('|')}`, parse: oneOf('solver', SOLVERS), default: 'sgd', resume: true }),
  learnRate: option({ flag: 'lr', value: '<rate>', aliases: ['learn-rate'], help: 'learning rate', parse: positive('lr'), default: 0.1, resume: true }),
  learnMomentum: option({ flag: 'momentum', value: '<m...>', aliases: ['learn-momentum'], help: 'momentum (sgd, nesterov; default 0.9) or Adam β1 β2 (default 0.9 0.999)', parse: listOf(belowOne('momentum', 'a momentum')), resume: true }),
  learnDecay: option({ flag: 'weight-decay', value: '<decay>', aliases: ['learn-decay'], help: 'L2 weight decay on weights (not biases or BN)', parse: nonNegative('weight-decay'), default: 0.0001, resume: true }),
  learnAnneal: option({ flag: 'lr-gamma', value: '<factor>', aliases: ['learn-anneal'], help: 'step schedule: multiply the rate by this after each --lr-steps epoch (every epoch without a list)', parse: positive('lr-gamma'), default: 1, resume: true }),
  learnAnnealEpochs: option({ flag: 'lr-steps', value: '<epochs...>', aliases: ['learn-anneal-epochs'], help: 'step schedule: epochs after which to multiply the rate by --lr-gamma', parse: listOf(positiveInt('lr-steps')), resume: true }),
  learnSchedule: option<ScheduleKind>({ flag: 'lr-schedule', value: '<kind>', aliases: ['learn-schedule'], help: `how the rate moves: ${SCHEDULES.join('|')} (step: --lr-gamma at --lr-steps; cosine, linear: every step down to --lr-final × the rate at the last epoch's end)`, parse: oneOf('lr-schedule', SCHEDULES), default: 'step', resume: true }),
  learnFinal: option({ flag: 'lr-final', value: '<fraction>', aliases: ['learn-final'], help: 'cosine, linear: the final rate as a fraction of --lr (Ultralytics\' lrf)', parse: fraction('lr-final'), default: 0.01, resume: true }),
  epochs: option({ flag: 'epochs', value: '<n>', help: 'epochs to train', parse: positiveInt('epochs'), default: 30 }),
  batchSize: option({ flag: 'batch-size', value: '<n>', help: 'images per batch', parse: positiveInt('batch-size'), default: 32, resume: true }),
  accumulate: option({ flag: 'accumulate', value: '<n>', help: 'batches whose gradients are summed before each solver step', parse: positiveInt('accumulate'), default: 1, resume: true }),
  ema: option({ flag: 'ema', value: '<decay>', help: 'test and save an exponential moving average of the weights with this decay, e.g. 0.9999 (Ultralytics\' ModelEMA; 0: off)', parse: belowOne('ema', 'a decay'), default: 0, resume: true }),
  emaRamp: option({ flag: 'ema-ramp', value: '<steps>', help: '--ema: the decay after t solver steps is decay × (1 − exp(−t / this)), so the average soon forgets the initial weights', parse: positive('ema-ramp'), default: 2000, resume: true }),
  seed: option({ flag: 'seed', value: '<n>', help: 'random seed (weights, shuffling, augmentation, dropout)', parse: integer('seed'), default: DEFAULT_SEED, resume: true }),
  distortMode: option({ flag: 'distort-mode', value: '<spec>', help: 'in-memory augmentation: oX offset px, sX scale %, rX rotation deg, mX mirror %', resume: true }),
  augmentMirror: flag('augment-mirror', 'mirror training images with probability 1/2 (detection data: with their boxes)', { resume: true }),
  threadNum: option({ flag: 'workers', value: '<n>', aliases: ['thread-num'], help: 'data-loader workers: decodes in flight, and threads converting images to float', parse: positiveInt('workers'), default: 4 }),
  outputPrefix: option({ flag: 'output', value: '<dir>', aliases: ['output-prefix'], help: 'run folder (default: the first free runs/train-N)' }),
  weightInit: option({ flag: 'weight-init', value: '<name>', help: 'he-forward|he-backward|xavier-forward|xavier-backward[-uniform]', default: 'he-forward' }),
  resume: option<string | true>({ flag: 'resume', value: '[path]', help: 'continue an interrupted run (a run folder or its checkpoint.safetensors; default: --output)' }),
  device: option({ flag: 'device', value: '<device>', help: 'cpu or cuda:N (default: GPU=N from the environment, else cpu)' }),
  threads: option({ flag: 'threads', value: '<n>', help: 'libtorch intra-op threads (default: DENET_THREADS, else all cores)', parse: positiveInt('threads') }),
  channelsLast: flag('channels-last', 'run the layers on channels-last (NHWC) images, as torch.channels_last: faster convolutions on the CPU', { resume: true }),
  precision: option<Precision>({ flag: 'precision', value: '<p>', help: 'fp32, bf16 (autocast; CPU or CUDA) or fp16 (CUDA autocast with loss scaling); weights, losses and the solver stay fp32', parse: oneOf('precision', PRECISIONS), default: 'fp32', resume: true }),
  progress: flag('no-progress', 'no progress bar'),
  verbose: flag('verbose', 'stack traces on errors'),
};

/**
 * `model-train-multi` adds the devices, the global batch, and torchrun's launch flags (each
 * defaulting to the environment variable torchrun and cluster launchers set: src/cli/train-options.ts).
 */
export const MULTI_OPTIONS = {
  ...TRAIN_OPTIONS,
  gpus: option<string[]>({ flag: 'gpus', value: '<devices...>', help: 'one process per entry on this machine: gpuN, cuda:N, N or cpu (under a launcher that sets RANK: the LOCAL_RANK-th entry; default cuda:LOCAL_RANK, else cpu)', parse: listOf((v: string) => v) }),
  batchSizeFactor: option({ flag: 'batch-size-factor', value: '<f>', help: 'global batch = --batch-size × this, split evenly over all processes of all machines', parse: positiveInt('batch-size-factor'), default: 1, resume: true }),
  nodes: option({ flag: 'nodes', value: '<n>', aliases: ['nnodes'], help: 'machines taking part, each running this command with the same --gpus count (default: NNODES, else 1)', parse: positiveInt('nodes') }),
  nodeRank: option({ flag: 'node-rank', value: '<r>', help: 'this machine\'s index, 0 … nodes−1; node 0 hosts the rendezvous (default: NODE_RANK, else 0)', parse: nonNegativeInt('node-rank') }),
  masterAddr: option({ flag: 'master-addr', value: '<host>', help: 'address of node 0 that every machine can reach (default: MASTER_ADDR, else 127.0.0.1)' }),
  masterPort: option({ flag: 'master-port', value: '<port>', help: 'rendezvous TCP port on node 0 (default: MASTER_PORT; else a free port on one machine, 29500 across machines)', parse: tcpPort('master-port') }),
  distBackend: option<'gloo' | 'nccl'>({ flag: 'dist-backend', value: '<name>', help: 'collectives: nccl (CUDA builds with NCCL, CUDA devices) or gloo (default: nccl for CUDA devices when built with it, else gloo)', parse: oneOf('dist-backend', ['gloo', 'nccl'] as const) }),
  distTimeout: option({ flag: 'dist-timeout', value: '<seconds>', help: 'a rank that waits this long for the rendezvous or a collective stops with an error', parse: positive('dist-timeout'), default: 1800 }),
};

/** A TCP port, 1 … 65535. */
function tcpPort(flag: string) {
  const int = positiveInt(flag);
  return (text: string): number => {
    const n = int(text);
    if (n > 65535) throw invalidArg(`--${flag}`, 'a TCP port (1…65535)', text);
    return n;
  };
}

/** Where and how a data-parallel run meets (resolved from MULTI_OPTIONS and the environment). */
export interface LaunchConfig {
  nodes: number;
  nodeRank: number;
  masterAddr: string;
  /** Undefined: a free port on a single machine. */
  masterPort?: number;
  /** Undefined: nccl for CUDA devices when the build has it, else gloo. */
  distBackend?: 'gloo' | 'nccl';
  /** Seconds a rank waits for the rendezvous and for each collective. */
  distTimeout: number;
}

/** The resolved settings of a training run. */
export type TrainConfig = Omit<ConfigOf<typeof TRAIN_OPTIONS>, 'learnMomentum'> & Partial<Pick<ConfigOf<typeof MULTI_OPTIONS>, 'gpus'>> & {
  /** Momentum after the solver's default is filled in. */
  learnMomentum: number[];
  batchSizeFactor: number;
} & LaunchConfig & {
  /** The keys `--resume` compares with the interrupted run (the table's `resume` entries). */
  resumeChecks?: string[];
};
