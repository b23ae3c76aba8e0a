/**
 * Mixed precision (Trainer `precision`, Model.infer `precision`, GradScaler). References: the fp32
 * forward of the same weights (bf16 keeps 8 significant bits, so outputs agree to about 1e-2
 * relative); PyTorch's GradScaler policy for the loss scale (halve on inf/NaN, skip the step).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerLayers } from '../../src/layers.js';
import { Model } from '../../src/model/index.js';
import { autocast, cuda, manualSeed, randint, randn, scope, setNumThreads, tensor } from '../../src/torch/index.js';
import { GradScaler } from '../../src/train/grad-scaler.js';
import { LearnSchedule } from '../../src/train/schedule.js';
import { createSolver } from '../../src/train/solvers/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { MemLoader, syntheticSet } from './helpers.js';

registerLayers();
setNumThreads(1);

const DESC = 'C.B[16,3] BN A P[2] C.B[32,3] BN A P.A R';
const classNames = ['a', 'b', 'c', 'd'];

test('a bf16 forward of a small network is within bf16 tolerance of fp32, with an fp32 loss', () => {
  manualSeed(1);
  const m = Model.create(DESC, { inputShape: [3, 16, 16], classNames, seed: 1 });
  scope(() => {
    const x = randn([8, 3, 16, 16]);
    const labels = randint(0, 4, [8]);
    const a = m.infer(x, { labels });
    const b = m.infer(x, { labels, precision: 'bf16' });
    assert.equal(b.output.dtype, 'float32', 'infer returns float32');
    const err = b.output.sub(a.output).abs().max().item() / a.output.abs().max().item();
    assert.ok(err > 0 && err < 3e-2, `bf16 relative error ${err}`);
    assert.equal(b.losses.class!.dtype, 'float32');
    assert.ok(Math.abs(b.losses.class!.item() - a.losses.class!.item()) < 2e-2 * a.losses.class!.item());
    // Inside autocast the convolutions really ran in bf16.
    const raw = autocast('bf16', 'cpu', () => m.forward(x, { training: false }).output);
    assert.equal(raw.dtype, 'bfloat16');
  });
  m.dispose();
});

test('bf16 training steps (Trainer precision bf16) lower the loss; weights and gradients stay fp32', async () => {
  manualSeed(2);
  const m = Model.create(DESC, { inputShape: [1, 8, 8], classNames, seed: 2 });
  const data = syntheticSet(64, 4, 8);
  const solver = createSolver('sgd', m.namedParameters(), { momentum: [0.9], weightDecay: 0 });
  const trainer = new Trainer({ model: m, solver, schedule: new LearnSchedule({ rate: 0.05, anneal: 1 }), train: new MemLoader(data, 16, 3), epochs: 4, seed: 3, progress: false, precision: 'bf16' });
  const history = await trainer.run();
  const losses = history.map((h) => h.trainLoss.class!);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss ${losses.join(' → ')}`);
  assert.ok(m.namedParameters().every((p) => p.tensor.dtype === 'float32'));
  m.dispose();
});

test('GradScaler: unscales finite gradients, skips and halves the scale on inf/NaN, grows after good steps', () => {
  const s = new GradScaler({ initScale: 1024, growthInterval: 2 });
  const p = tensor([1, 2]).requiresGrad_();
  p.grad = tensor([2048, -1024]);
  assert.equal(s.unscale([p]), true);
  assert.deepEqual(Array.from(p.grad!.data()), [2, -1]);
  assert.equal(s.scale, 1024);
  p.grad = tensor([Infinity, 1]);
  assert.equal(s.unscale([p]), false);
  assert.equal(s.scale, 512);
  p.grad = tensor([NaN, 1]);
  assert.equal(s.unscale([p]), false);
  assert.equal(s.scale, 256);
  p.grad = tensor([1, 1]);
  s.unscale([p]);
  s.unscale([p]);
  assert.equal(s.scale, 512, 'doubles after growthInterval good steps');
  p.dispose();
});

test('fp16 training with gradient scaling on CUDA', async (t) => {
  if (!cuda.isAvailable()) {
    t.skip('no CUDA device: fp16 autocast runs on CUDA only (the CPU refuses it, tested in torch/modes)');
    return;
  }
  manualSeed(4);
  const m = Model.create(DESC, { inputShape: [1, 8, 8], classNames, seed: 4 }).to('cuda:0');
  const solver = createSolver('sgd', m.namedParameters(), { momentum: [0.9], weightDecay: 0 });
  const trainer = new Trainer({ model: m, solver, schedule: new LearnSchedule({ rate: 0.05, anneal: 1 }), train: new MemLoader(syntheticSet(64, 4, 8), 16, 3), epochs: 4, seed: 3, progress: false, precision: 'fp16', device: 'cuda:0' });
  const losses = (await trainer.run()).map((h) => h.trainLoss.class!);
  assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss ${losses.join(' → ')}`);
  m.dispose();
});

