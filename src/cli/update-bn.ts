/** `model-update-bn`: re-estimate batch-norm running statistics on training data (src/train/update-bn.ts). */
import { Command } from 'commander';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { Model } from '../model/index.js';
import { setNumThreads } from '../torch/index.js';
import { progressBar } from '../train/progress.js';
import { defaultThreads, resolveDevice } from '../train/session.js';
import { updateBatchNorm } from '../train/update-bn.js';
import { UserError } from '../util/errors.js';
import { parseProgram } from './run.js';

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < 1) throw new UserError(`Expected a positive integer for ${flag} but received "${v}"`);
    return n;
  };
}

export async function main(argv: string[], name = 'model-update-bn'): Promise<number> {
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
    const loader = createLoader(dataset, { batchSize: o.batchSize, threads: o.threadNum, train: false, image: spec.options, channels: model.inputShape[0] });
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
