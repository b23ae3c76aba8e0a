// Native memory stays flat over a training loop: scopes free every per-step tensor, and the
// allocator setting returns freed buffers to the OS so RSS does not creep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { F, noGrad, scope, keep } from '../../src/torch/index.js';
import { settledRss } from '../helpers/memory.js';

test('scope frees what it creates except its result and kept tensors', () => {
  const before = torch.memoryStats().liveTensors;
  let kept!: torch.Tensor;
  const out = scope(() => {
    const a = torch.ones([4]);
    kept = keep(a.mul(3));
    const inner = scope(() => ({ x: a.add(1), list: [a.add(2)] }));
    return [inner.x, a.sum()];
  });
  assert.equal(torch.memoryStats().liveTensors, before + 3);
  assert.deepEqual(out[0]!.toArray(), [2, 2, 2, 2]);
  for (const t of [...out, kept]) t.dispose();
  assert.equal(torch.memoryStats().liveTensors, before);
  assert.throws(() => scope(() => { torch.ones([1]); throw new Error('boom'); }), /boom/);
  assert.equal(torch.memoryStats().liveTensors, before, 'a throwing scope still frees');
});

test("dataView is the tensor's own memory, counted in storageRefs and kept alive after dispose", () => {
  const t = torch.zeros([2, 3]);
  assert.equal(t.storageRefs, 1);
  const v = t.dataView() as Float32Array;
  assert.equal(t.storageRefs, 2);
  v[4] = 7;
  assert.deepEqual(t.toArray(), [[0, 0, 0], [0, 7, 0]]);
  const row = t.narrow(0, 1, 1);
  assert.equal(t.storageRefs, 3); // a view shares the storage
  assert.deepEqual(Array.from(row.dataView() as Float32Array), [0, 7, 0]); // over the view's elements only
  row.dispose();
  t.dispose();
  v[5] = 1; // the array still owns a reference: writing is safe after dispose
  assert.equal(v[4], 7);
  assert.throws(() => torch.ones([2, 2]).transpose(0, 1).dataView(), /contiguous CPU tensor/);
});

test('1,000 training steps of a small CNN keep live tensors constant and RSS flat', async () => {
  torch.manualSeed(0);
  const params = [
    torch.randn([16, 3, 3, 3]).mul(0.2).requiresGrad_(),
    torch.zeros([16], { requiresGrad: true }),
    torch.randn([32, 16, 3, 3]).mul(0.1).requiresGrad_(),
    torch.randn([10, 32, 1, 1]).mul(0.1).requiresGrad_(),
  ];
  const [w1, b1, w2, w3] = params as [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor];
  const runningMean = torch.zeros([32]);
  const runningVar = torch.ones([32]);
  const x = torch.randn([16, 3, 16, 16]);
  const y = torch.randint(0, 10, [16]);
  const step = (): number =>
    scope(() => {
      let h = F.relu(F.conv2d(x, w1, b1, { padding: 1 }));
      h = F.maxPool2d(h, 2);
      h = F.relu(F.batchNorm(F.conv2d(h, w2, null, { padding: 1 }), { runningMean, runningVar, training: true }));
      const logits = F.adaptiveAvgPool2d(F.conv2d(h, w3), 1).flatten(1);
      const loss = torch.crossEntropy(logits, y);
      for (const p of params) p.zeroGrad();
      loss.backward();
      noGrad(() => {
        for (const p of params) p.sub_(p.grad!, 0.05);
      });
      return loss.item();
    });
  for (let i = 0; i < 100; i++) step(); // warm-up: allocator pools and thread stacks settle
  const rss0 = await settledRss(); // collects dead wrappers first, whose finalizers free tensors
  const live = torch.memoryStats().liveTensors;
  let first = 0;
  let last = 0;
  for (let i = 0; i < 1000; i++) {
    last = step();
    if (i === 0) first = last;
    assert.equal(torch.memoryStats().liveTensors, live, `live tensors changed at step ${i}`);
  }
  const rss1 = await settledRss();
  assert.ok(rss1 <= rss0 * 1.1, `RSS grew from ${(rss0 / 2 ** 20).toFixed(1)} MiB to ${(rss1 / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(last < first, `loss did not fall (${first} -> ${last})`);
  for (const t of [...params, runningMean, runningVar, x, y]) t.dispose();
});
