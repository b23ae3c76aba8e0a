import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cuda } from '../../src/torch/index.js';
import { deviceOfEntry } from '../../src/train/launch.js';
import { parseTrainArgs } from '../../src/cli/train-options.js';
import { defaultThreads, resolveDevice } from '../../src/train/session.js';
import { createLoader } from '../../src/data/loader.js';
import { chooseBackend, launchRanks, rankDevice } from '../../src/train/launch.js';
import type { Dataset } from '../../src/data/types.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

test('device selection: --device, GPU=N (CPU with a warning when CUDA is absent), default cpu', { skip: cuda.isAvailable() && 'CUDA present' }, () => {
  const warnings: string[] = [];
  assert.equal(resolveDevice(undefined, { GPU: '0' }, (m) => warnings.push(m)), 'cpu');
  assert.deepEqual(warnings, ['warning: GPU=0 but CUDA is not available; running on the CPU']);
  assert.equal(resolveDevice(undefined, {}), 'cpu');
  assert.equal(resolveDevice('cpu', { GPU: '1' }), 'cpu');
  assert.throws(() => resolveDevice('cuda:0', {}), /--device cuda:0: CUDA is not available/);
  assert.throws(() => resolveDevice('tpu', {}), /Expected cpu or cuda:N for --device but received "tpu"/);
  assert.throws(() => resolveDevice(undefined, { GPU: 'x' }), /Expected a device number for GPU but received "x"/);
  assert.deepEqual(['cpu', 'gpu1', 'cuda:2', '3'].map(deviceOfEntry), ['cpu', 'cuda:1', 'cuda:2', 'cuda:3']);
  assert.throws(() => deviceOfEntry('tpu0'), /Expected cpu, gpuN, cuda:N or N for --gpus but received "tpu0"/);
  assert.equal(defaultThreads(1, { DENET_THREADS: '3' }), 3);
});

test('data-parallel shares: batch i of the ranks together is batch i of one process (DistributedSampler order)', () => {
  const ds: Dataset = { kind: 'classification', classNames: ['a'], length: 11, source: 's', record: (i) => ({ index: i, id: i, file: `f${i}`, label: 0 }) };
  const one = createLoader(ds, { batchSize: 4, seed: 7, train: true }) as unknown as { order(e: number): number[] };
  const ranks = [0, 1].map((rank) => createLoader(ds, { batchSize: 2, seed: 7, train: true, shard: { rank, world: 2 } }) as unknown as { order(e: number): number[]; samplesInEpoch(e: number): number });
  for (const epoch of [0, 1]) {
    const all = one.order(epoch);
    const shares = ranks.map((r) => r.order(epoch));
    assert.deepEqual(shares.map((s) => s.length), [5, 5]);
    assert.equal(new Set(shares.flat()).size, 10); // disjoint
    for (let b = 0; b < 2; b++) {
      const together = [...shares[0]!.slice(2 * b, 2 * b + 2), ...shares[1]!.slice(2 * b, 2 * b + 2)].sort((x, y) => x - y);
      assert.deepEqual(together, all.slice(4 * b, 4 * b + 4).sort((x, y) => x - y), `epoch ${epoch} batch ${b}`);
    }
  }
  assert.notDeepEqual(one.order(0), one.order(1)); // still shuffled per epoch
  assert.throws(() => createLoader({ ...ds, length: 1 }, { batchSize: 1, shard: { rank: 0, world: 2 } }), /1 samples cannot be split over 2 processes/);
});

test('training flags: defaults, many-token --model-desc, lists, and one-line errors', async () => {
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
  await assert.rejects(launchRanks(parseTrainArgs('model-train-multi', ['--model-desc', 'R', '--train', 'T'], true)!), /--gpus DEVICE… is required/);
});

test('multi-machine flags: torchrun names, environment defaults, backend choice', () => {
  const base = ['--model-desc', 'R', '--train', 'T', '--gpus', 'cpu', 'cpu'];
  const one = parseTrainArgs('model-train-multi', base, true)!;
  assert.equal(one.nodes, 1);
  assert.equal(one.masterAddr, '127.0.0.1');
  assert.equal(one.masterPort, undefined); // a free port on one machine
  assert.equal(one.distTimeout, 1800);
  const two = parseTrainArgs('model-train-multi', [...base, '--nodes', '2', '--node-rank', '1', '--master-addr', '10.0.0.5', '--master-port', '29400', '--dist-backend', 'gloo', '--dist-timeout', '20'], true)!;
  assert.deepEqual([two.nodes, two.nodeRank, two.masterAddr, two.masterPort, two.distBackend, two.distTimeout], [2, 1, '10.0.0.5', 29400, 'gloo', 20]);
  assert.equal(parseTrainArgs('model-train-multi', [...base, '--nodes', '2'], true)!.masterPort, 29500); // torchrun's default across machines
  assert.throws(() => parseTrainArgs('model-train-multi', [...base, '--nodes', '2', '--node-rank', '2'], true), /Expected --node-rank in 0…1 \(--nodes 2\) but received 2/);
  assert.throws(() => parseTrainArgs('model-train-multi', [...base, '--dist-backend', 'mpi'], true), /Expected one of gloo, nccl for --dist-backend/);
  assert.throws(() => parseTrainArgs('model-train-multi', [...base, '--master-port', '70000'], true), /Expected a TCP port/);
  // The environment a cluster launcher sets is the default.
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { MASTER_ADDR: 'node0.cluster', MASTER_PORT: '29444', NNODES: '4', NODE_RANK: '3' });
    const e = parseTrainArgs('model-train-multi', base, true)!;
    assert.deepEqual([e.masterAddr, e.masterPort, e.nodes, e.nodeRank], ['node0.cluster', 29444, 4, 3]);
  } finally {
    for (const k of ['MASTER_ADDR', 'MASTER_PORT', 'NNODES', 'NODE_RANK']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  }
  // Backend: gloo for CPU tensors; nccl only when built with it and on CUDA devices.
  assert.equal(chooseBackend({}, ['cpu'], true), 'gloo');
  assert.equal(chooseBackend({}, ['cuda:0', 'cuda:1'], true), 'nccl');
  assert.equal(chooseBackend({}, ['cuda:0'], false), 'gloo');
  // Two ranks on one GPU: NCCL refuses that, Gloo reduces the CUDA tensors through host copies.
  assert.equal(chooseBackend({}, ['cuda:0', 'cuda:0'], true), 'gloo');
  assert.throws(() => chooseBackend({ distBackend: 'nccl' }, ['cuda:0', 'cuda:0'], true), /needs one GPU per rank/);
  assert.throws(() => chooseBackend({ distBackend: 'nccl' }, ['cuda:0'], false), /--dist-backend nccl: this build has no NCCL/);
  assert.throws(() => chooseBackend({ distBackend: 'nccl' }, ['cpu'], true), /cpu entries in --gpus need --dist-backend gloo/);
  assert.equal(rankDevice({ gpus: ['cpu', '3'] }, 1), 'cuda:3');
  assert.throws(() => rankDevice({ gpus: ['cpu'] }, 1), /LOCAL_RANK=1 but --gpus lists 1 device/);
});
