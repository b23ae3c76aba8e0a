import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cuda } from '../../src/torch/index.js';
import { deviceOfEntry } from '../../src/train/launch.js';
import { parseTrainArgs } from '../../src/cli/train-options.js';
import { defaultThreads, resolveDevice, shardDataset } from '../../src/train/session.js';
import type { Dataset } from '../../src/data/types.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

test('device selection: --device, GPU=N (CPU with a warning when CUDA is absent), default cpu', { skip: cuda.isAvailable() && 'CUDA present' }, () => {
  const warnings: string[] = [];
  assert.equal(resolveDevice(undefined, { GPU: '0' }, (m) => warnings.push(m)), 'cpu');
  assert.deepEqual(warnings, ['warning: GPU=0 but CUDA is not available; training on the CPU']);
  assert.equal(resolveDevice(undefined, {}), 'cpu');
  assert.equal(resolveDevice('cpu', { GPU: '1' }), 'cpu');
  assert.throws(() => resolveDevice('cuda:0', {}), /--device cuda:0: CUDA is not available/);
  assert.throws(() => resolveDevice('tpu', {}), /Expected cpu or cuda:N for --device but received "tpu"/);
  assert.throws(() => resolveDevice(undefined, { GPU: 'x' }), /Expected a device number for GPU but received "x"/);
  assert.deepEqual(['cpu', 'gpu1', 'cuda:2', '3'].map(deviceOfEntry), ['cpu', 'cuda:1', 'cuda:2', 'cuda:3']);
  assert.throws(() => deviceOfEntry('tpu0'), /Expected cpu, gpuN, cuda:N or N for --gpus but received "tpu0"/);
  assert.equal(defaultThreads(1, { DENET_THREADS: '3' }), 3);
});

test('data-parallel shards: equal lengths, disjoint, local indices', () => {
  const ds: Dataset = { kind: 'classification', classNames: ['a'], length: 11, source: 's', record: (i) => ({ index: i, id: i, file: `f${i}`, label: 0 }) };
  const shards = [0, 1, 2].map((r) => shardDataset(ds, r, 3));
  assert.deepEqual(shards.map((s) => s.length), [3, 3, 3]);
  const files = shards.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.record(i).file));
  assert.equal(new Set(files).size, 9);
  assert.equal(shards[1]!.record(2).index, 2);
  assert.equal(shards[1]!.record(2).file, 'f7');
});

test('training flags: defaults, many-token --model-desc, lists, and one-line errors', () => {
  const c = parseTrainArgs('model-train', ['--model-desc', 'C[8,3]', 'BN', 'A', 'R', '--train', 'T', '--learn-anneal-epochs', '3', '6', '--solver', 'adam'])!;
  assert.deepEqual(c.modelDesc, ['C[8,3]', 'BN', 'A', 'R']);
  assert.deepEqual(c.learnAnnealEpochs, [3, 6]);
  assert.deepEqual(c.learnMomentum, [0.9, 0.999]);
  assert.equal(c.batchSize, 32);
  assert.equal(c.borderMode, 'half');
  assert.equal(c.learnSchedule, 'step');
  assert.equal(c.learnFinal, 0.01);
  assert.deepEqual([c.ema, c.emaRamp], [0, 2000]);
  assert.throws(() => parseTrainArgs('model-train', ['--model-desc', 'R', '--train', 'T', '--ema', '1']), /Expected a decay in \[0, 1\) for --ema but received "1"/);
  assert.throws(() => parseTrainArgs('model-train', ['--model-desc', 'R', '--train', 'T', '--learn-schedule', 'sine']), /Expected one of step, cosine, linear for --lr-schedule but received "sine"/);
  assert.throws(() => parseTrainArgs('model-train', ['--model-desc', 'R', '--train', 'T', '--learn-momentum', '0.9', '0.8']), /--momentum takes one value for sgd but received 2/);
  assert.throws(() => parseTrainArgs('model-train', ['--model-desc', 'R', '--train', 'T', '--epochs', '2.5']), /Expected a positive integer for --epochs but received "2.5"/);
  assert.throws(() => parseTrainArgs('model-train', ['--model-desc', 'R', '--train', 'T', '--resume']), /--resume without a path needs --output/);
  assert.throws(() => parseTrainArgs('model-train-multi', ['--model-desc', 'R', '--train', 'T'], true), /--gpus DEVICES… is required/);
});
