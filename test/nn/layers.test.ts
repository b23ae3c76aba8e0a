/** Layer values, shapes and names (the registry-wide contract is in registry.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Model, TORCHVISION_RESNETS } from '../../src/model/index.js';
import { arange, noGrad, ones, randn, tensor, type Tensor } from '../../src/torch/index.js';
import { initStd } from '../../src/nn/index.js';
import { assertClose } from '../helpers/close.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

type S = [number, number, number];
const mk = (desc: string, inputShape: S, extra: Record<string, unknown> = {}) => Model.create(desc, { inputShape, classNames: ['a', 'b'], ...extra });
const run = (m: Model, x: Tensor, training = false) => noGrad(() => m.forward(x, { training }).output);
const grid = (h: number, w: number) => arange(0, h * w).float().reshape([1, 1, h, w]);

test('C: padding from the border mode; .B drops the bias', () => {
  const out = (mode: string, k: number) => mk(`C[2,${k}]`, [1, 8, 8], { borderMode: mode }).outputShape;
  assert.deepEqual(out('valid', 3), [2, 6, 6]);
  assert.deepEqual(out('same', 3), [2, 8, 8]);
  assert.deepEqual(out('half', 5), [2, 8, 8]);
  assert.deepEqual(out('full', 3), [2, 10, 10]);
  assert.deepEqual(mk('C[2,3,2]', [1, 8, 8]).outputShape, [2, 4, 4]);
  assert.deepEqual(mk('C.B[4,3]', [2, 8, 8]).namedParameters().map((p) => p.name), ['layers.0.weight']);
  assert.deepEqual(mk('DC[3,2,2]', [2, 4, 4], { borderMode: 'valid' }).outputShape, [3, 8, 8]);
  // Values: a 1×1 convolution with the layer's weight and bias.
  const m = mk('C[1,1]', [2, 2, 2]);
  const [w, b] = m.namedParameters().map((p) => p.tensor);
  const x = randn([1, 2, 2, 2]);
  const expect = noGrad(() => x.mul(w!.reshape([1, 2, 1, 1])).sum(1, true).add(b!.reshape([1, 1, 1, 1])));
  assertClose(run(m, x).toArray(), expect.toArray(), 1e-6);
});

test('P: max and mean pooling values, global default, padding', () => {
  const x = grid(4, 4);
  assert.deepEqual(run(mk('P[2]', [1, 4, 4]), x).toArray(), [[[[5, 7], [13, 15]]]]);
  assert.deepEqual(run(mk('P.A[2]', [1, 4, 4]), x).toArray(), [[[[2.5, 4.5], [10.5, 12.5]]]]);
  assert.deepEqual(run(mk('P', [1, 4, 4]), x).toArray(), [[15]]);
  assert.deepEqual(run(mk('P.A', [1, 2, 4]), grid(2, 4)).toArray(), [[3.5]]);
  // 3×3 window, stride 2, pad 1: the padding is never the maximum nor counted in the mean.
  assert.deepEqual(run(mk('P[3,2,1]', [1, 4, 4]), x).toArray(), [[[[5, 7], [13, 15]]]]);
  assert.deepEqual(run(mk('P.A[3,2,1]', [1, 4, 4]), x).toArray(), [[[[2.5, 4], [8.5, 10]]]]);
  assert.deepEqual(mk('P[3,1]', [1, 5, 5]).outputShape, [1, 3, 3]);
});

test('PI, B, CM, D, A: values', () => {
  const x = tensor([[[[1, 2], [3, 4]]]]);
  assert.deepEqual(run(mk('PI[2]', [1, 2, 2]), x).toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  assert.deepEqual(run(mk('B[1]', [1, 2, 2]), x).toArray(), [[[[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]]]);
  const g = grid(4, 4);
  assert.deepEqual(run(mk('CM[2]', [1, 4, 4]), g).toArray(), [[[[5, 6], [9, 10]]]]);
  // Training: a window of the input (mirror 0) or its mirror image (mirror 1).
  for (const mirror of [0, 1]) {
    const out = run(mk(`CM[2,${mirror}]`, [1, 4, 4]), g, true).toArray() as number[][][][];
    const [[a, b], [c, d]] = out[0]![0]! as [[number, number], [number, number]];
    const tl = mirror ? b : a;
    assert.deepEqual(mirror ? [b, a, d, c] : [a, b, c, d], [tl, tl + 1, tl + 4, tl + 5]);
  }
  const ones4 = ones([1, 1, 20, 20]);
  assert.ok(run(mk('D[0.5]', [1, 20, 20]), ones4).equal(ones4), 'dropout is the identity at test');
  const dropped = run(mk('D[0.5]', [1, 20, 20]), ones4, true);
  const zeros = dropped.eq(0).sum().item();
  assert.ok(zeros > 100 && zeros < 300, `about half dropped (${zeros})`);
  assert.ok(dropped.eq(0).logicalOr(dropped.eq(2)).all().item(), 'survivors scaled by 2');
  const neg = tensor([[[[-1, 2]]]]);
  assertClose(run(mk('A', [1, 1, 2], { activation: 'leaky-relu' }), neg).toArray(), [[[[-0.01, 2]]]]);
  assertClose(run(mk('A', [1, 1, 2], { activation: 'relu' }), neg).toArray(), [[[[0, 2]]]]);
  assertClose(run(mk('A', [1, 1, 2], { activation: 'tanh' }), neg).toArray(), [[[[Math.tanh(-1), Math.tanh(2)]]]], 1e-6);
});

test('BN: eval formula, momentum is the keep rate, BNA adds the activation', () => {
  const m = mk('BN', [2, 3, 3]);
  const x = randn([4, 2, 3, 3]).mul(2).add(1);
  assertClose(run(m, x).toArray(), x.div(Math.sqrt(1 + 1e-5)).toArray(), 1e-5);
  run(m, x, true);
  const rm = m.namedBuffers()[0]!.tensor;
  assertClose(rm.toArray(), x.mean([0, 2, 3]).mul(0.1).toArray(), 1e-6);
  const m2 = mk('BN[0.5]', [2, 3, 3]);
  run(m2, x, true);
  assertClose(m2.namedBuffers()[0]!.tensor.toArray(), x.mean([0, 2, 3]).mul(0.5).toArray(), 1e-6);
  const bna = run(mk('BNA', [2, 3, 3]), x, true);
  assert.ok(bna.ge(0).all().item() && bna.eq(0).any().item());
});

test('residual blocks: torchvision names, projection only when the shape changes', () => {
  const names = (desc: string, s: S = [8, 8, 8]) => mk(desc, s).namedParameters().map((p) => p.name);
  assert.deepEqual(names('RSN[8]').sort(), ['layers.0.bn1.bias', 'layers.0.bn1.weight', 'layers.0.bn2.bias', 'layers.0.bn2.weight', 'layers.0.conv1.weight', 'layers.0.conv2.weight']);
  const post = names('RSN.O[16,3,2]');
  assert.ok(post.includes('layers.0.downsample.0.weight') && post.includes('layers.0.downsample.1.weight'));
  const pre = names('RSN[16,3,2]');
  assert.ok(pre.includes('layers.0.downsample.0.weight') && !pre.includes('layers.0.downsample.1.weight'));
  assert.ok(names('2BRSN.O[32]').includes('layers.0.1.conv3.weight'));
  assert.deepEqual(mk('2RSN[16,3,2]', [8, 8, 8]).outputShape, [16, 4, 4]);
  assert.deepEqual(mk('BRSN[32,3,2]', [8, 7, 7]).outputShape, [32, 4, 4]);
  // Pre-activation with zero convolutions is the identity.
  const m = mk('RSN[8]', [8, 4, 4]);
  noGrad(() => m.namedParameters().forEach((p) => p.name.includes('conv') && p.tensor.zero_()));
  const x = randn([2, 8, 4, 4]);
  assert.ok(run(m, x).equal(x));
});

test('torchvision ResNet parameter counts and FLOPs', () => {
  const classes = Array.from({ length: 1000 }, (_, i) => `c${i}`);
  const m18 = Model.create(TORCHVISION_RESNETS.resnet18!, { inputShape: [3, 224, 224], classNames: classes });
  assert.equal(m18.parameterCount(), 11_689_512);
  const gmacs = m18.summary().totalFlops / 2e9;
  assert.ok(gmacs > 1.75 && gmacs < 1.9, `resnet18 ≈ 1.82 GMACs, got ${gmacs}`);
  m18.dispose();
  const m50 = Model.create(TORCHVISION_RESNETS.resnet50!, { inputShape: [3, 224, 224], classNames: classes });
  assert.equal(m50.parameterCount(), 25_557_032);
  m50.dispose();
});

test('weight init: standard deviation from fan-in or fan-out, uniform bound σ√3', () => {
  assert.equal(initStd('he-forward', 50, 200), Math.sqrt(2 / 50));
  assert.equal(initStd('he-backward', 50, 200), Math.sqrt(2 / 200));
  assert.equal(initStd('xavier-forward-uniform', 50, 200), Math.sqrt(1 / 50));
  const w = (init: string) => mk('C.B[64,5]', [32, 8, 8], { weightInit: init }).namedParameters()[0]!.tensor;
  const fanIn = 32 * 25, fanOut = 64 * 25;
  const std = (t: Tensor) => noGrad(() => t.std().item());
  assert.ok(Math.abs(std(w('he-forward')) / Math.sqrt(2 / fanIn) - 1) < 0.05);
  assert.ok(Math.abs(std(w('xavier-backward')) / Math.sqrt(1 / fanOut) - 1) < 0.05);
  const u = w('he-forward-uniform');
  const bound = Math.sqrt(2 / fanIn) * Math.sqrt(3);
  assert.ok(noGrad(() => u.abs().max().item()) <= bound && noGrad(() => u.abs().max().item()) > 0.95 * bound);
});

test('SKIP adds a 1×1 projection of the marked tensor (zero projection = identity)', () => {
  const m = mk('SKIPSRC[0] C[4,3] SKIP[0]', [2, 4, 4]);
  assert.deepEqual(m.namedParameters().map((p) => p.name), ['layers.1.weight', 'layers.1.bias', 'layers.2.weight', 'layers.2.bias']);
  const x = randn([1, 2, 4, 4]);
  const conv = mk('C[4,3]', [2, 4, 4]);
  noGrad(() => {
    conv.namedParameters().forEach((p, i) => p.tensor.copy_(m.namedParameters()[i]!.tensor));
    m.namedParameters()[2]!.tensor.zero_();
  });
  assertClose(run(m, x).toArray(), run(conv, x).toArray(), 1e-6);
});
