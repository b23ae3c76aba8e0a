/**
 * CUDA subset through the programs: `--resume` continues a CUDA run exactly (the checkpoint holds
 * the CUDA generator's state: dropout on the GPU draws from it), and `model-train-multi --gpus 0 0`
 * trains two ranks on one GPU (Gloo: NCCL refuses two ranks on one device) to equal parameters;
 * with two GPUs or more, `--gpus 0 1` runs over NCCL.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { cuda, manualSeed, rand, readSafetensors } from '../../src/torch/index.js';
import { cli, pngClassFolders, tmp } from '../cli/helpers.js';
import { DEVICE, NO_CUDA } from '../helpers/cuda.js';

const DESC = ['C[8,3]', 'BN', 'A', 'D[0.5]', 'P[2]', 'C[16,3]', 'BN', 'A', 'P.A', 'R'];
const dry = DEVICE === 'cpu';
let TRAIN = '';

before(async () => {
  if (NO_CUDA) return;
  TRAIN = await pngClassFolders(join(tmp('cuda-png'), 'train'), 3, 8, 8, 1);
});

function sameTensors(a: string, b: string): void {
  const x = readSafetensors(a).tensors;
  const y = readSafetensors(b).tensors;
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort());
  for (const k of Object.keys(x)) assert.ok(x[k]!.equal(y[k]!), `${k} differs`);
}

test('CUDA subset: the CUDA generator state round-trips', { skip: NO_CUDA || (dry && 'the dry run has no CUDA generator') }, () => {
  manualSeed(5);
  const state = cuda.getRngState(0);
  const a = rand([1000], { device: DEVICE }).cpu().toFloat32Array();
  rand([10], { device: DEVICE }).dispose();
  cuda.setRngState(0, state);
  assert.deepEqual(rand([1000], { device: DEVICE }).cpu().toFloat32Array(), a);
});

test('CUDA subset: 2 epochs on the GPU equal 1 epoch + --resume (dropout draws on the GPU)', { skip: NO_CUDA, timeout: 300_000 }, () => {
  const common = ['--model-desc', ...DESC, '--train', TRAIN, '--extension', 'png', '--solver', 'adam', '--learn-rate', '0.01', '--batch-size', '8', '--seed', '4', '--device', dry ? 'cpu' : 'cuda:0'];
  const a = tmp('cuda-straight');
  const b = tmp('cuda-interrupted');
  const first = cli('denet', ['train', ...common, '--epochs', '2', '--output-prefix', a]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, dry ? /, cpu/ : /, cuda:0/);
  assert.equal(cli('denet', ['train', ...common, '--epochs', '1', '--output-prefix', b]).status, 0);
  const r = cli('denet', ['train', ...common, '--epochs', '2', '--output-prefix', b, '--resume']);
  assert.equal(r.status, 0, r.stderr);
  if (!dry) assert.ok(readSafetensors(join(b, 'checkpoint.safetensors')).tensors['rng/cuda/0'], 'the checkpoint holds the CUDA generator state');
  sameTensors(join(a, 'model.safetensors'), join(b, 'model.safetensors'));
});

test('CUDA subset: model-train-multi --gpus 0 0 (two ranks on one GPU) ends with equal parameters', { skip: NO_CUDA, timeout: 300_000 }, () => {
  const out = tmp('cuda-multi');
  const gpus = dry ? ['cpu', 'cpu'] : ['0', '0'];
  const r = cli('model-train-multi', ['--gpus', ...gpus, '--model-desc', ...DESC.filter((t) => !t.startsWith('D[')), '--train', TRAIN, '--extension', 'png', '--batch-size', '8', '--epochs', '2', '--learn-rate', '0.05', '--output-prefix', out], { DENET_DIST_SAVE_ALL_RANKS: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /×2 \(gloo\)/);
  sameTensors(join(out, 'model.safetensors'), join(out, 'rank1', 'model.safetensors'));
});

test('CUDA subset: model-train-multi --gpus 0 1 runs over NCCL', { skip: NO_CUDA || (dry || cuda.deviceCount() < 2 ? 'needs two GPUs (NCCL refuses two ranks on one GPU)' : false), timeout: 300_000 }, () => {
  const out = tmp('cuda-nccl');
  const r = cli('model-train-multi', ['--gpus', '0', '1', '--model-desc', ...DESC.filter((t) => !t.startsWith('D[')), '--train', TRAIN, '--extension', 'png', '--batch-size', '8', '--epochs', '2', '--learn-rate', '0.05', '--output-prefix', out], { DENET_DIST_SAVE_ALL_RANKS: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /×2 \(nccl\)/);
  sameTensors(join(out, 'model.safetensors'), join(out, 'rank1', 'model.safetensors'));
});
