/** BatchNorm folding against hand-computed values and torch.nn.utils.fusion.fuse_conv_bn_weights. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldBatchNorm } from '../../src/model/fold-bn.js';
import { assertClose } from '../helpers/close.js';
import { needsPyTorch, pytorch } from '../helpers/pytorch.js';

const f32 = (a: number[]) => Float32Array.from(a);

test('fold: one channel by hand', () => {
  // s = 2 / √(3 + 1) = 1; W' = W·1; b' = (0.5 − 1.5)·1 + 0.25 = −0.75
  const r = foldBatchNorm(f32([1, -2, 3, 4]), [1, 1, 2, 2], f32([0.5]), { gamma: f32([2]), beta: f32([0.25]), mean: f32([1.5]), variance: f32([3]), eps: 1 });
  assert.deepEqual([...r.weight], [1, -2, 3, 4]);
  assert.deepEqual([...r.bias], [-0.75]);
  // No bias, γ = 4: s = 4 / 2 = 2 doubles the weight; b' = (0 − 1.5)·2 + 0.25 = −2.75.
  const n = foldBatchNorm(f32([1, 2]), [1, 2, 1, 1], undefined, { gamma: f32([4]), beta: f32([0.25]), mean: f32([1.5]), variance: f32([3]), eps: 1 });
  assert.deepEqual([...n.weight], [2, 4]);
  assert.deepEqual([...n.bias], [-2.75]);
});

test('fold: transposed weight scales the second axis', () => {
  // weight [cin=2, cout=2, 1, 1]; s = [1, 3] (γ = [1, 3], σ² + ε = 1).
  const bn = { gamma: f32([1, 3]), beta: f32([0, 0]), mean: f32([0, 0]), variance: f32([0.5, 0.5]), eps: 0.5 };
  const r = foldBatchNorm(f32([1, 1, 2, 2]), [2, 2, 1, 1], undefined, bn, true);
  assert.deepEqual([...r.weight], [1, 3, 2, 6]);
});

test('fold: rejects mismatched shapes', () => {
  const bn = { gamma: f32([1]), beta: f32([0]), mean: f32([0]), variance: f32([1]), eps: 1e-5 };
  assert.throws(() => foldBatchNorm(f32([1, 2, 3]), [1, 1, 2, 2], undefined, bn), /weight has 3 values/);
  assert.throws(() => foldBatchNorm(f32([1, 2]), [2, 1, 1, 1], undefined, bn), /gamma has 1 values for 2/);
});

test('fold: equals fuse_conv_bn_weights (PyTorch)', needsPyTorch(), () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const shape = [5, 3, 3, 3];
  const w = Array.from({ length: 5 * 27 }, rnd);
  const b = Array.from({ length: 5 }, rnd);
  const gamma = Array.from({ length: 5 }, rnd);
  const beta = Array.from({ length: 5 }, rnd);
  const mean = Array.from({ length: 5 }, rnd);
  const variance = Array.from({ length: 5 }, () => rnd() + 1.5);
  const ref = pytorch<{ w: number[]; b: number[] }>(
    `from torch.nn.utils.fusion import fuse_conv_bn_weights
t = lambda k: torch.tensor(inp[k], dtype=torch.float32)
w, b = fuse_conv_bn_weights(t('w').reshape(inp['shape']), t('b'), t('mean'), t('variance'), 1e-3, t('gamma'), t('beta'))
out = {'w': w.detach().flatten().tolist(), 'b': b.detach().tolist()}`,
    { w, b, gamma, beta, mean, variance, shape },
  );
  const r = foldBatchNorm(f32(w), shape, f32(b), { gamma: f32(gamma), beta: f32(beta), mean: f32(mean), variance: f32(variance), eps: 1e-3 });
  assertClose([...r.weight], ref.w, 1e-7, 1e-6, 'weight');
  assertClose([...r.bias], ref.b, 1e-7, 1e-6, 'bias');
});
