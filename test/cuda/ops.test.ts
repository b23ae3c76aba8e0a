/**
 * CUDA subset: tensor ops on the GPU equal the CPU's to 1e-5 (TF32 off). Inputs are made on the
 * CPU from a seed and copied, so both devices see the same values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, arange, cat, crossEntropy, manualSeed, noGrad, rand, randn, scope, smoothL1Loss, where, zerosLike, type Tensor } from '../../src/torch/index.js';
import { DEVICE, NO_CUDA, withoutTF32 } from '../helpers/cuda.js';

/** Each op: a name and a function of inputs on one device (inputs are given on that device). */
const OPS: [string, (a: Tensor, b: Tensor, img: Tensor, w: Tensor) => Tensor][] = [
  ['add, mul, div, exp, log, sqrt', (a, b) => a.add(b).mul(a).div(b.abs().add(1)).exp().add(1).log().sqrt()],
  ['matmul', (a, b) => a.matmul(b.transpose(0, 1))],
  ['sum, mean, amax, std, logsumexp, cumsum', (a) => cat([a.sum(1), a.mean(1), a.amax(1), a.std(1), a.logsumexp(1), a.cumsum(1).select(1, 5)])],
  ['softmax, logSoftmax, sigmoid, tanh, gelu, elu', (a) => cat([F.softmax(a, 1), F.logSoftmax(a, 1), F.sigmoid(a), F.tanh(a), F.gelu(a), F.elu(a)])],
  ['conv2d (stride 2, padding 1)', (_, __, img, w) => F.conv2d(img, w, null, { stride: 2, padding: 1 })],
  ['convTranspose2d', (_, __, img, w) => F.convTranspose2d(img, w.transpose(0, 1).contiguous(), null, { stride: 2 })],
  ['maxPool2d, avgPool2d, adaptiveAvgPool2d', (_, __, img) => cat([F.maxPool2d(img, 3, { stride: 2, padding: 1 }).flatten(1), F.avgPool2d(img, 2).flatten(1), F.adaptiveAvgPool2d(img, 1).flatten(1)], 1)],
  ['batchNorm (training statistics)', (_, __, img) => F.batchNorm(img, { training: true, eps: 1e-5 })],
  ['interpolate nearest ×2, bilinear', (_, __, img) => cat([F.interpolate(img, { scaleFactor: 2, mode: 'nearest' }).flatten(1), F.interpolate(img, { size: [11, 13], mode: 'bilinear' }).flatten(1)], 1)],
  ['gridSample bilinear', (a, _, img) => F.gridSample(img, a.narrow(0, 0, 2).reshape([2, 2, 4, 2]).tanh(), { mode: 'bilinear', alignCorners: false })],
  ['gather, scatterAdd, indexSelect, where', (a, b) => {
    const idx = arange(0, 16, 1, { device: a.device }).remainder(7).unsqueeze(0).expand([a.shape[0]!, 16]).contiguous();
    return cat([a.gather(1, idx), zerosLike(a).scatterAdd(1, idx.narrow(1, 0, 16), b), a.indexSelect(1, idx.select(0, 0)), where(a.gt(b), a, b)], 1);
  }],
  ['sort (values and indices), topk', (a) => {
    const s = a.sort(1, true, true);
    const t = a.topk(5, 1);
    return cat([s.values, s.indices.to('float32'), t.values, t.indices.to('float32')], 1);
  }],
  ['crossEntropy, smoothL1Loss', (a, b) => {
    const labels = arange(0, a.shape[0]!, 1, { device: a.device }).remainder(a.shape[1]!);
    return cat([crossEntropy(a, labels).reshape([1]), smoothL1Loss(a, b).reshape([1])]);
  }],
];

test('CUDA subset: tensor ops on the GPU equal the CPU (1e-5)', { skip: NO_CUDA }, () => {
  manualSeed(1);
  const [a, b] = [randn([6, 16]), randn([6, 16])];
  const img = rand([2, 3, 9, 10]);
  const w = randn([4, 3, 3, 3]).mul(0.3);
  withoutTF32(() =>
    noGrad(() => {
      for (const [name, op] of OPS) {
        scope(() => {
          const cpu = op(a, b, img, w);
          const gpu = op(a.to(DEVICE), b.to(DEVICE), img.to(DEVICE), w.to(DEVICE));
          assert.equal(gpu.device, DEVICE, name);
          assert.deepEqual(gpu.shape, cpu.shape, name);
          assert.ok(gpu.cpu().allclose(cpu, 1e-5, 1e-5), `${name}: max |Δ| ${gpu.cpu().sub(cpu).abs().max().item()}`);
        });
      }
    }),
  );
  for (const t of [a, b, img, w]) t.dispose();
});
