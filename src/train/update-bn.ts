/**
 * `model-update-bn`: re-estimates batch-norm running statistics over training data. Every BN
 * layer's running mean and variance become the plain average of the per-batch statistics (as
 * torch.optim.swa_utils.update_bn with momentum=None), independent of each layer's momentum.
 *
 * How, without reaching into the layers: each batch runs in training mode with the running
 * buffers zeroed, so afterwards each holds m·(batch statistic) for that layer's momentum m. The
 * first batch runs once more with the buffers set to 1 under the same RNG state (same dropout
 * masks), which gives (1 − m) + m·(batch statistic): the difference is 1 − m.
 */
import { Command } from 'commander';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { disposeBatch } from '../data/to-tensor.js';
import { Model } from '../model/index.js';
import { getRngState, keep, noGrad, scope, setNumThreads, setRngState, toDevice, zerosLike, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { progressBar } from './progress.js';
import { defaultThreads, resolveDevice } from './session.js';
import { parseProgram } from '../cli/run.js';

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < 1) throw new UserError(`Expected a positive integer for ${flag} but received "${v}"`);
    return n;
  };
}

/** Replaces the model's BN running statistics with their average over `batches` (all by default) of the loader's epoch 0. */
export async function updateBatchNorm(model: Model, loader: ReturnType<typeof createLoader>, o: { device?: string; batches?: number; onBatch?: (n: number) => void } = {}): Promise<{ batches: number; layers: number }> {
  const device = o.device ?? 'cpu';
  const bn = model.namedBuffers().filter((b) => /(^|\.)running_(mean|var)$/.test(b.name));
  if (bn.length === 0) throw new UserError('the model has no batch-normalisation layers');
  const sums = bn.map((b) => keep(noGrad(() => zerosLike(b.tensor))));
  const saved = bn.map((b) => keep(b.tensor.clone()));
  let momentum: number[] | undefined;
  let count = 0;
  try {
    for await (const batch of loader.epoch(0)) {
      try {
        scope(() =>
          noGrad(() => {
            const x = toDevice(batch.images as Tensor, device);
            if (!momentum) {
              const rng = getRngState();
              for (const b of bn) b.tensor.fill_(1);
              model.forward(x, { training: true });
              const withOnes = bn.map((b) => b.tensor.clone());
              setRngState(rng);
              for (const b of bn) b.tensor.fill_(0);
              model.forward(x, { training: true });
              momentum = bn.map((b, i) => 1 - withOnes[i]!.sub(b.tensor).mean().item());
              const bad = momentum.findIndex((m) => !(m > 1e-6));
              if (bad >= 0) throw new UserError(`${bn[bad]!.name}: the layer keeps its running statistics fixed (momentum keep rate 1); nothing to re-estimate`);
            } else {
              for (const b of bn) b.tensor.fill_(0);
              model.forward(x, { training: true });
            }
            bn.forEach((b, i) => sums[i]!.add_(b.tensor, 1 / momentum![i]!));
          }),
        );
      } finally {
        disposeBatch(batch);
      }
      count++;
      o.onBatch?.(count);
      if (o.batches !== undefined && count >= o.batches) break;
    }
    if (count === 0) throw new UserError('no training images to estimate batch-norm statistics from');
    noGrad(() => bn.forEach((b, i) => b.tensor.copy_(sums[i]!).div_(count)));
  } catch (e) {
    noGrad(() => bn.forEach((b, i) => b.tensor.copy_(saved[i]!)));
    throw e;
  } finally {
    for (const t of [...sums, ...saved]) t.dispose();
  }
  return { batches: count, layers: bn.length / 2 };
}

export async function updateBnMain(argv: string[], name = 'model-update-bn'): Promise<number> {
  const p = new Command(name)
    .description('re-estimate batch-norm running statistics on training data')
    .option('--model <file>', 'trained model (.safetensors)')
    .option('--train <path>', 'training data (see --extension); read in order without augmentation')
    .option('--extension <spec>', 'data format', 'png')
    .option('--output <file>', 'where to write the updated model (default: replace --model)')
    .option('--batch-size <n>', 'images per batch', positiveInt('--batch-size'), 64)
    .option('--batches <n>', 'use only the first N batches', positiveInt('--batches'))
    .option('--thread-num <n>', 'data-loader decodes in flight', positiveInt('--thread-num'), 4)
    .option('--device <device>', 'cpu or cuda:N (default: GPU=N from the environment, else cpu)')
    .option('--threads <n>', 'libtorch intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--verbose', 'stack traces on errors', false)
    .allowExcessArguments(false);
  if (!parseProgram(p, argv)) return 0;
  const o = p.opts();
  if (!o.model) throw new UserError('--model FILE is required');
  if (!o.train) throw new UserError('--train PATH is required');
  setNumThreads(o.threads ?? defaultThreads());
  const device = resolveDevice(o.device);
  const model = Model.load(o.model);
  try {
    const { dataset, spec } = openDataset(o.train, o.extension);
    if (device !== 'cpu') model.to(device);
    const loader = createLoader(dataset, { batchSize: o.batchSize, threads: o.threadNum, train: false, image: spec.options, channels: model.inputShape[0], pinMemory: device !== 'cpu' });
    const total = Math.min(o.batches ?? Infinity, Math.ceil(loader.samplesInEpoch(0) / o.batchSize));
    const bar = progressBar('update-bn', total);
    let r: { batches: number; layers: number };
    try {
      r = await updateBatchNorm(model, loader, { device, batches: o.batches, onBatch: (n) => bar.update(n, { rate: 0, loss: '-' }) });
    } finally {
      bar.stop();
    }
    const out = o.output ?? o.model;
    model.save(out, { bn_updated: `${r.batches} batches of ${o.batchSize} from ${o.train}` });
    console.log(`updated ${r.layers} batch-norm layer(s) from ${r.batches} batch(es); wrote ${out}`);
    return 0;
  } finally {
    model.dispose();
  }
}
