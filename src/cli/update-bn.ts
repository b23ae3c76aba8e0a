/** `model-update-bn`: re-estimate batch-norm running statistics on training data (src/train/update-bn.ts). */
import type { Command } from 'commander';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { Model } from '../model/index.js';
import { setNumThreads } from '../torch/index.js';
import { progressBar } from '../train/progress.js';
import { defaultThreads, resolveDevice } from '../train/session.js';
import { updateBatchNorm } from '../train/update-bn.js';
import { flag, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

export const UPDATE_BN_OPTIONS = {
  model: option({ flag: 'model', value: '<file>', help: 'trained model (.safetensors)', required: true }),
  train: option({ flag: 'train', value: '<path>', help: 'training data (see --extension); read in order without augmentation', required: true }),
  extension: option({ flag: 'extension', value: '<spec>', aliases: ['ext'], help: 'data format (docs/data.md)', default: 'png' }),
  output: option({ flag: 'output', value: '<file>', help: 'where to write the updated model (default: replace --model)' }),
  batchSize: option({ flag: 'batch-size', value: '<n>', help: 'images per batch', parse: positiveInt('batch-size'), default: 64 }),
  batches: option({ flag: 'batches', value: '<n>', help: 'use only the first N batches', parse: positiveInt('batches') }),
  threadNum: option({ flag: 'workers', value: '<n>', aliases: ['thread-num'], help: 'data-loader workers: decodes in flight', parse: positiveInt('workers'), default: 4 }),
  device: option({ flag: 'device', value: '<device>', help: 'cpu or cuda:N (default: GPU=N from the environment, else cpu)' }),
  threads: option({ flag: 'threads', value: '<n>', help: 'libtorch intra-op threads (default: all cores)', parse: positiveInt('threads') }),
  verbose: flag('verbose', 'stack traces on errors'),
};

export function updateBnProgram(name = 'model-update-bn'): Command {
  return buildProgram(name, 're-estimate batch-norm running statistics on training data', UPDATE_BN_OPTIONS);
}

export async function main(argv: string[], name = 'model-update-bn'): Promise<number> {
  const o = parseOptions(updateBnProgram(name), UPDATE_BN_OPTIONS, argv);
  if (!o) return 0;
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
