// Tensor ops against hand-computed values and against PyTorch (python3-torch computes the
// reference values inside the test from the same inputs; skipped when it is absent).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { F, tensor, scope } from '../../src/torch/index.js';
import { assertClose, flat } from '../helpers/close.js';
import { needsPyTorch, pytorch } from '../helpers/pytorch.js';

test('creation: shapes, dtypes and values', () => {
  scope(() => {
    assert.deepEqual(torch.zeros([2, 3]).toArray(), [[0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(torch.ones([2], { dtype: 'int32' }).toArray(), [1, 1]);
    assert.deepEqual(torch.full([2], 7, { dtype: 'float64' }).toArray(), [7, 7]);
    assert.deepEqual(torch.arange(1, 7, 2).toArray(), [1, 3, 5]);
    assert.equal(torch.arange(3).dtype, 'int64');
    assertClose(torch.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(torch.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    const r = torch.randint(3, 5, [100]).toArray() as number[];
    assert.ok(r.every((v) => v === 3 || v === 4));
    const u = torch.rand([1000]);
    assert.ok(u.min().item() >= 0 && u.max().item() < 1);
    assert.deepEqual(tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(tensor(new BigInt64Array([5n, -6n])).toArray(), [5, -6]);
    assert.equal(tensor([1, 2], { dtype: 'int64' }).dtype, 'int64');
    assert.equal(tensor(3.5, { dtype: 'float64' }).item(), 3.5);
    assert.deepEqual(tensor([true, false], { dtype: 'bool' }).toArray(), [true, false]);
    // float16 / bfloat16 round trip through float32
    assertClose(Array.from(tensor([1.5, -2.25]).to('float16').toFloat32Array()), [1.5, -2.25]);
    assertClose(Array.from(tensor([1.5, -2.25]).to('bfloat16').toFloat32Array()), [1.5, -2.25]);
  });
});

test('views and indexing', () => {
  scope(() => {
    const a = torch.arange(12).reshape(3, 4);
    assert.deepEqual(a.transpose(0, 1).shape, [4, 3]);
    assert.deepEqual(a.permute(1, 0).contiguous().view(-1).toArray().slice(0, 4), [0, 4, 8, 1]);
    // channels-last: the NCHW shape kept, NHWC strides (as torch.channels_last), the same values.
    const img = torch.arange(24).reshape(1, 2, 3, 4).to('float32');
    const nhwc = img.contiguous('channels-last');
    assert.deepEqual([nhwc.shape, nhwc.strides, nhwc.isChannelsLast, nhwc.isContiguous], [[1, 2, 3, 4], [24, 1, 8, 2], true, false]);
    assert.deepEqual(nhwc.toArray(), img.toArray());
    assert.deepEqual(nhwc.contiguous().strides, [24, 12, 4, 1]);
    assert.deepEqual(a.slice(1, 1, 3).toArray(), [[1, 2], [5, 6], [9, 10]]);
    assert.deepEqual(a.narrow(0, 1, 1).toArray(), [[4, 5, 6, 7]]);
    assert.deepEqual(a.select(0, 2).toArray(), [8, 9, 10, 11]);
    assert.deepEqual(a.indexSelect(0, tensor([2, 0], { dtype: 'int64' })).toArray(), [[8, 9, 10, 11], [0, 1, 2, 3]]);
    assert.deepEqual(a.gather(1, tensor([[0], [3], [1]], { dtype: 'int64' })).toArray(), [[0], [7], [9]]);
    const z = torch.zeros([2, 3]).scatterAdd(1, tensor([[0, 0, 2], [1, 1, 1]], { dtype: 'int64' }), torch.ones([2, 3]));
    assert.deepEqual(z.toArray(), [[2, 0, 1], [0, 3, 0]]);
    assert.deepEqual(a.maskedSelect(a.gt(9)).toArray(), [10, 11]);
    assert.deepEqual(torch.where(a.lt(2).slice(0, 0, 1), 1, tensor([[5, 5, 5, 5]])).toArray(), [[1, 1, 5, 5]]);
    assert.deepEqual(torch.cat([a.slice(0, 0, 1), a.slice(0, 2, 3)], 0).toArray(), [[0, 1, 2, 3], [8, 9, 10, 11]]);
    assert.deepEqual(torch.stack([torch.ones([2]), torch.zeros([2])], 1).toArray(), [[1, 0], [1, 0]]);
    assert.deepEqual(a.split(2, 1).map((t) => t.shape), [[3, 2], [3, 2]]);
    assert.deepEqual(a.split([1, 3], 1).map((t) => t.shape), [[3, 1], [3, 3]]);
    assert.deepEqual(a.chunk(3, 0).map((t) => t.toArray()), [[[0, 1, 2, 3]], [[4, 5, 6, 7]], [[8, 9, 10, 11]]]);
    assert.deepEqual(a.unsqueeze(0).shape, [1, 3, 4]);
    assert.deepEqual(a.unsqueeze(0).squeeze(0).shape, [3, 4]);
    assert.deepEqual(torch.ones([3, 1]).expand(3, 2).shape, [3, 2]);
    assert.deepEqual(a.flatten().shape, [12]);
    assert.deepEqual(a.index([tensor([0, 2], { dtype: 'int64' }), tensor([1, 3], { dtype: 'int64' })]).toArray(), [1, 11]);
    assert.deepEqual(a.flip(1).select(0, 0).toArray(), [3, 2, 1, 0]);
  });
});

test('element-wise math broadcasts and reductions take dims', () => {
  scope(() => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([10, 20]);
    assert.deepEqual(a.add(b).toArray(), [[11, 22], [13, 24]]);
    assert.deepEqual(a.sub(b, 0.5).toArray(), [[-4, -8], [-2, -6]]);
    assert.deepEqual(a.mul(2).toArray(), [[2, 4], [6, 8]]);
    assert.deepEqual(a.pow(2).toArray(), [[1, 4], [9, 16]]);
    assert.deepEqual(a.rsub(1).toArray(), [[0, -1], [-2, -3]]);
    assert.deepEqual(a.clamp(2, 3).toArray(), [[2, 2], [3, 3]]);
    assert.deepEqual(a.sum(1).toArray(), [3, 7]);
    assert.deepEqual(a.sum(0, true).toArray(), [[4, 6]]);
    assert.equal(a.sum().item(), 10);
    assert.deepEqual(a.mean([0, 1]).item(), 2.5);
    const { values, indices } = a.maxDim(1);
    assert.deepEqual(values.toArray(), [2, 4]);
    assert.deepEqual(indices.toArray(), [1, 1]);
    assert.deepEqual(a.argmax().item(), 3);
    const top = tensor([3, 1, 4, 1, 5]).topk(2);
    assert.deepEqual(top.values.toArray(), [5, 4]);
    assert.deepEqual(top.indices.toArray(), [4, 2]);
    // stable sort keeps the order of equal keys
    assert.deepEqual(tensor([2, 1, 2, 1]).sort(0, false, true).indices.toArray(), [1, 3, 0, 2]);
    assertClose(a.std().item(), 1.2909944487358056);
    assertClose(a.var(1, false, false).toArray(), [0.25, 0.25]);
    assertClose(a.logsumexp(1).toArray(), [Math.log(Math.exp(1) + Math.exp(2)), Math.log(Math.exp(3) + Math.exp(4))]);
    assert.deepEqual(tensor([1, 2, 3]).cumsum(0).toArray(), [1, 3, 6]);
    assert.deepEqual(a.eq(tensor([[1, 0], [3, 0]])).toArray(), [[true, false], [true, false]]);
    assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
    assert.deepEqual(torch.ones([2, 2, 3]).bmm(torch.ones([2, 3, 1])).toArray(), [[[3], [3]], [[3], [3]]]);
  });
});

test('in-place updates mutate and return the tensor', () => {
  scope(() => {
    const p = tensor([1, 2]);
    p.add_(tensor([1, 1]), 0.5).mul_(2);
    assert.deepEqual(p.toArray(), [3, 5]);
    p.addcmul_(tensor([1, 2]), tensor([3, 4]), 0.5);
    assert.deepEqual(p.toArray(), [4.5, 9]);
    p.addcdiv_(tensor([2, 2]), tensor([4, 1]), -1);
    assert.deepEqual(p.toArray(), [4, 7]);
    p.zero_().fill_(3);
    assert.deepEqual(p.toArray(), [3, 3]);
  });
});

test('nn ops and losses match PyTorch', needsPyTorch(), () => {
  scope(() => {
    torch.manualSeed(0);
    const x = torch.randn([2, 3, 6, 6]);
    const w = torch.randn([4, 3, 3, 3]);
    const bias = torch.randn([4]);
    const wt = torch.randn([3, 2, 3, 3]);
    const grid = torch.rand([2, 4, 5, 2]).mul(2.2).sub(1.1);
    const logits = torch.randn([5, 4]);
    const target = tensor([0, 3, 1, 1, 2], { dtype: 'int64' });
    const probs = torch.randn([5, 4]).softmax(1);
    const bceT = torch.rand([5, 4]);
    const inp = {
      x: x.toArray(), w: w.toArray(), b: bias.toArray(), wt: wt.toArray(), grid: grid.toArray(),
      logits: logits.toArray(), target: target.toArray(), probs: probs.toArray(), bceT: bceT.toArray(),
    };
    const ref = pytorch(
      `
import torch.nn.functional as F
t = {k: torch.tensor(v) for k, v in inp.items()}
t['target'] = t['target'].long()
x = t['x']
rm = torch.zeros(3); rv = torch.ones(3)
bn = F.batch_norm(x, rm, rv, torch.full((3,), 1.5), torch.full((3,), 0.5), training=True, momentum=0.1, eps=1e-5)
out = {
 'conv': F.conv2d(x, t['w'], t['b'], stride=2, padding=1).tolist(),
 'convd': F.conv2d(x, t['w'], None, padding=2, dilation=2).tolist(),
 'convt': F.conv_transpose2d(x, t['wt'], None, stride=2, padding=1, output_padding=1).tolist(),
 'maxpool': F.max_pool2d(x, 3, 2, 1).tolist(),
 'avgpool': F.avg_pool2d(x, 2).tolist(),
 'adaptive': F.adaptive_avg_pool2d(x, 1).tolist(),
 'nearest': F.interpolate(x, scale_factor=2, mode='nearest').tolist(),
 'bilinear': F.interpolate(x, size=(9, 9), mode='bilinear', align_corners=False).tolist(),
 'bn': bn.tolist(), 'rm': rm.tolist(), 'rv': rv.tolist(),
 'gs_bil': F.grid_sample(x, t['grid'], mode='bilinear', padding_mode='zeros', align_corners=False).tolist(),
 'gs_near': F.grid_sample(x, t['grid'], mode='nearest', padding_mode='border', align_corners=True).tolist(),
 'pad': F.pad(x, (1, 2, 0, 1), value=-1.0).tolist(),
 'leaky': F.leaky_relu(x, 0.2).tolist(), 'elu': F.elu(x).tolist(), 'gelu': F.gelu(x).tolist(),
 'softplus': F.softplus(x).tolist(), 'logsoftmax': F.log_softmax(t['logits'], 1).tolist(),
 'ce': F.cross_entropy(t['logits'], t['target']).item(),
 'ce_probs': F.cross_entropy(t['logits'], t['probs']).item(),
 'ce_smooth': F.cross_entropy(t['logits'], t['target'], label_smoothing=0.1).item(),
 'nll': F.nll_loss(F.log_softmax(t['logits'], 1), t['target'], reduction='sum').item(),
 'bce': F.binary_cross_entropy_with_logits(t['logits'], t['bceT']).item(),
 'sl1': F.smooth_l1_loss(t['logits'], t['probs'], beta=0.5).item(),
 'mse': F.mse_loss(t['logits'], t['probs'], reduction='none').tolist(),
}
`,
      inp,
    );
    assertClose(F.conv2d(x, w, bias, { stride: 2, padding: 1 }).toArray(), ref.conv, 1e-4, 1e-4, 'conv2d');
    assertClose(F.conv2d(x, w, null, { padding: 2, dilation: 2 }).toArray(), ref.convd, 1e-4, 1e-4, 'dilated conv2d');
    assertClose(F.convTranspose2d(x, wt, null, { stride: 2, padding: 1, outputPadding: 1 }).toArray(), ref.convt, 1e-4, 1e-4, 'conv_transpose2d');
    assertClose(F.maxPool2d(x, 3, { stride: 2, padding: 1 }).toArray(), ref.maxpool, 1e-6, 0, 'max_pool2d');
    assertClose(F.avgPool2d(x, 2).toArray(), ref.avgpool, 1e-6, 1e-6, 'avg_pool2d');
    assertClose(F.adaptiveAvgPool2d(x, 1).toArray(), ref.adaptive, 1e-6, 1e-6, 'adaptive_avg_pool2d');
    assertClose(F.interpolate(x, { scaleFactor: 2 }).toArray(), ref.nearest, 1e-6, 0, 'nearest');
    assertClose(F.interpolate(x, { size: 9, mode: 'bilinear' }).toArray(), ref.bilinear, 1e-5, 1e-5, 'bilinear');
    const rm = torch.zeros([3]);
    const rv = torch.ones([3]);
    const bn = F.batchNorm(x, { runningMean: rm, runningVar: rv, weight: torch.full([3], 1.5), bias: torch.full([3], 0.5), training: true, momentum: 0.1 });
    assertClose(bn.toArray(), ref.bn, 1e-5, 1e-5, 'batch_norm');
    assertClose(rm.toArray(), ref.rm, 1e-6, 1e-6, 'running_mean');
    assertClose(rv.toArray(), ref.rv, 1e-6, 1e-6, 'running_var');
    assertClose(F.gridSample(x, grid).toArray(), ref.gs_bil, 1e-5, 1e-5, 'grid_sample bilinear');
    assertClose(F.gridSample(x, grid, { mode: 'nearest', paddingMode: 'border', alignCorners: true }).toArray(), ref.gs_near, 1e-6, 0, 'grid_sample nearest');
    assertClose(F.pad(x, [1, 2, 0, 1], 'constant', -1).toArray(), ref.pad, 0, 0, 'pad');
    assertClose(F.leakyRelu(x, 0.2).toArray(), ref.leaky, 1e-6, 1e-6, 'leaky_relu');
    assertClose(F.elu(x).toArray(), ref.elu, 1e-6, 1e-6, 'elu');
    assertClose(F.gelu(x).toArray(), ref.gelu, 1e-6, 1e-6, 'gelu');
    assertClose(F.softplus(x).toArray(), ref.softplus, 1e-6, 1e-6, 'softplus');
    assertClose(logits.logSoftmax(1).toArray(), ref.logsoftmax, 1e-6, 1e-6, 'log_softmax');
    assertClose(torch.crossEntropy(logits, target).item(), ref.ce, 1e-6, 1e-6, 'cross_entropy');
    assertClose(torch.crossEntropy(logits, probs).item(), ref.ce_probs, 1e-6, 1e-6, 'cross_entropy with probabilities');
    assertClose(torch.crossEntropy(logits, target, { labelSmoothing: 0.1 }).item(), ref.ce_smooth, 1e-6, 1e-6, 'label smoothing');
    assertClose(torch.nllLoss(logits.logSoftmax(1), target, { reduction: 'sum' }).item(), ref.nll, 1e-5, 1e-6, 'nll');
    assertClose(torch.binaryCrossEntropyWithLogits(logits, bceT).item(), ref.bce, 1e-6, 1e-6, 'bce with logits');
    assertClose(torch.smoothL1Loss(logits, probs, { beta: 0.5 }).item(), ref.sl1, 1e-6, 1e-6, 'smooth_l1');
    assertClose(torch.mseLoss(logits, probs, { reduction: 'none' }).toArray(), ref.mse, 1e-6, 1e-6, 'mse');
  });
});

test('hand-computed losses', () => {
  scope(() => {
    // CE of logits [0, ln 3] at class 1: -log(3/4)
    assertClose(torch.crossEntropy(tensor([[0, Math.log(3)]]), tensor([1], { dtype: 'int64' })).item(), -Math.log(0.75));
    // smooth-L1 with beta 1: d=0.5 -> 0.125, d=2 -> 1.5; mean 0.8125
    assertClose(torch.smoothL1Loss(tensor([0.5, 2]), tensor([0, 0])).item(), 0.8125);
    // BCE with logits at x=0, t=1: ln 2
    assertClose(torch.binaryCrossEntropyWithLogits(tensor([0]), tensor([1])).item(), Math.LN2);
    assert.deepEqual(flat(F.relu(tensor([-1, 2])).toArray()), [0, 2]);
  });
});
