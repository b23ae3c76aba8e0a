// Autograd gradients against central finite differences in float64.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { F, scope, tensor, type Tensor } from '../../src/torch/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

const f64 = (shape: number[]) => torch.randn(shape, { dtype: 'float64', requiresGrad: true });

test('conv2d, transposed conv and pooling gradients match finite differences', () => {
  torch.manualSeed(1);
  scope(() => {
    gradcheck((x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), [f64([1, 2, 5, 5]), f64([3, 2, 3, 3]), f64([3])], { name: 'conv2d' });
    gradcheck((x, w) => F.convTranspose2d(x, w, null, { stride: 2 }), [f64([1, 2, 3, 3]), f64([2, 2, 2, 2])], { name: 'conv_transpose2d' });
    gradcheck((x) => F.maxPool2d(x, 2), [f64([1, 2, 4, 4])], { name: 'max_pool2d' });
    gradcheck((x) => F.avgPool2d(x, 3, { stride: 1, padding: 1 }), [f64([1, 1, 4, 4])], { name: 'avg_pool2d' });
    gradcheck((x) => F.interpolate(x, { size: 5, mode: 'bilinear' }), [f64([1, 1, 3, 3])], { name: 'upsample_bilinear' });
  });
});

test('batch_norm gradients (training mode) match finite differences', () => {
  torch.manualSeed(2);
  scope(() => {
    gradcheck((x, w, b) => F.batchNorm(x, { weight: w, bias: b, training: true }), [f64([3, 2, 2, 2]), f64([2]), f64([2])], { name: 'batch_norm', atol: 1e-4 });
  });
});

test('grid_sample gradients reach both the input and the grid', () => {
  torch.manualSeed(3);
  scope(() => {
    const grid = torch.rand([1, 3, 3, 2], { dtype: 'float64' }).mul(1.6).sub(0.8).requiresGrad_();
    gradcheck((x, g) => F.gridSample(x, g, { alignCorners: false }), [f64([1, 2, 4, 4]), grid], { name: 'grid_sample', atol: 1e-4 });
  });
});

test('loss gradients match finite differences', () => {
  torch.manualSeed(4);
  scope(() => {
    const target = tensor([2, 0, 1], { dtype: 'int64' });
    gradcheck((x) => torch.crossEntropy(x, target), [f64([3, 4])], { name: 'cross_entropy' });
    const probs = torch.rand([3, 4], { dtype: 'float64' }).softmax(1);
    gradcheck((x) => torch.crossEntropy(x, probs), [f64([3, 4])], { name: 'cross_entropy probs' });
    const t01 = torch.rand([3, 4], { dtype: 'float64' });
    gradcheck((x) => torch.binaryCrossEntropyWithLogits(x, t01), [f64([3, 4])], { name: 'bce_with_logits' });
    // keep |d| away from the kink at beta
    const y = torch.randn([6], { dtype: 'float64' });
    gradcheck((x) => torch.smoothL1Loss(x, y, { beta: 0.3 }), [y.add(tensor([0.05, -0.1, 0.5, -0.7, 0.2, 1.2], { dtype: 'float64' })).detach().requiresGrad_()], { name: 'smooth_l1' });
    gradcheck((x) => torch.mseLoss(x, y), [f64([6])], { name: 'mse' });
  });
});

test('a small network: conv, BN, relu, pool, linear, CE', () => {
  torch.manualSeed(5);
  scope(() => {
    const labels = tensor([1, 0], { dtype: 'int64' });
    const net = (x: Tensor, w1: Tensor, w2: Tensor): Tensor => {
      const h = F.batchNorm(F.conv2d(x, w1, null, { padding: 1 }), { training: true });
      const p = F.avgPool2d(F.elu(h), 2).flatten(1);
      return torch.crossEntropy(p.matmul(w2), labels);
    };
    gradcheck(net, [f64([2, 1, 4, 4]), f64([2, 1, 3, 3]), f64([8, 2])], { name: 'network', atol: 1e-4 });
  });
});

test('backward accumulates into .grad; zeroGrad clears; noGrad records nothing', () => {
  scope(() => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    w.mul(w).sum().backward();
    assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);
    w.mul(3).sum().backward();
    assert.deepEqual(w.grad!.toArray(), [5, 7, 9]);
    w.zeroGrad();
    assert.equal(w.grad, undefined);
    const y = torch.noGrad(() => w.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    // backward with an explicit gradient for a non-scalar output
    w.mul(2).backward(tensor([1, 0, 1]));
    assert.deepEqual(w.grad!.toArray(), [2, 0, 2]);
    // autograd.grad does not touch .grad and can build a graph for second derivatives
    const x = tensor([3], { dtype: 'float64', requiresGrad: true });
    const [g] = torch.grad([x.pow(3).sum()], [x], { createGraph: true });
    assert.equal(g!.item(), 27);
    const [g2] = torch.grad([g!.sum()], [x]);
    assert.equal(g2!.item(), 18);
    assert.equal(x.grad, undefined);
  });
});
