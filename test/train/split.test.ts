/**
 * Split execution: a step through SPLIT segments (forward without a graph, then segment-wise
 * recomputation and back-propagation) must give what the unsplit model gives — loss values,
 * every gradient, batch-norm statistics and the RNG stream — including dropout and a SKIPSRC mark
 * that crosses a cut. Reference: the same weights without SPLIT, forward + backward.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Model } from '../../src/model/index.js';
import { memoryStats, manualSeed, noGrad, randint, randn, scope } from '../../src/torch/index.js';
import { splitSegments, splitTrainStep } from '../../src/train/split.js';
import { UserError } from '../../src/util/errors.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const BODY = 'C[8,3] BN A SKIPSRC[1] SPLIT C[8,3] D[0.3] BN A SPLIT P[2] C[16,3] BN A SPLIT PI[2] C[8,3] SKIP[1] BN A SPLIT C[12,3,2] BN A R';
const classNames = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];

function pair(): [Model, Model] {
  const split = Model.create(BODY, { inputShape: [3, 16, 16], classNames, seed: 3 });
  const plain = Model.create(BODY.replaceAll(' SPLIT', ''), { inputShape: [3, 16, 16], classNames, seed: 3 });
  // Same weights, matched by order (SPLIT has none, so only the layer indices differ).
  const from = split.namedParameters(), to = plain.namedParameters();
  assert.equal(from.length, to.length);
  noGrad(() => from.forEach((p, i) => to[i]!.tensor.copy_(p.tensor)));
  return [split, plain];
}

test('a split step equals forward + backward of the unsplit model (losses, gradients, BN statistics, RNG stream)', () => {
  const [split, plain] = pair();
  const segments = splitSegments(split)!;
  assert.deepEqual(segments, [[0, 4], [4, 9], [9, 14], [14, 20], [20, 25]]);
  manualSeed(5);
  const x = randn([6, 3, 16, 16]);
  const y = randint(0, 12, [6], { dtype: 'int64' });
  for (const scale of [1, 0.25]) {
    manualSeed(11);
    const values = splitTrainStep(split, segments, x, { labels: y }, scale);
    const nextSplit = randn([3]).toArray();
    manualSeed(11);
    const want = scope(() => {
      const { losses } = plain.forward(x, { training: true, labels: y });
      losses.class!.mul(scale).backward();
      return losses.class!.item();
    });
    const nextPlain = randn([3]).toArray();
    assert.ok(Math.abs(values.class! - want) < 1e-6, `loss ${values.class} vs ${want}`);
    assert.deepEqual(nextSplit, nextPlain, 'the generator ends where the unsplit step leaves it');
    const a = split.namedParameters(), b = plain.namedParameters();
    a.forEach((p, i) => {
      const d = p.tensor.grad!.sub(b[i]!.tensor.grad!).abs().max().item();
      assert.ok(d < 1e-5, `${p.name}: gradient differs by ${d}`);
    });
    const ba = split.namedBuffers(), bb = plain.namedBuffers();
    ba.forEach((t, i) => assert.ok(t.tensor.sub(bb[i]!.tensor).abs().max().item() < 1e-6, `${t.name} updated once`));
    for (const p of [...a, ...b]) p.tensor.grad!.zero_();
  }
  split.dispose();
  plain.dispose();
});

test('a split step leaves no tensor behind', () => {
  const [split, plain] = pair();
  plain.dispose();
  const segments = splitSegments(split)!;
  const x = randn([2, 3, 16, 16]);
  const y = randint(0, 12, [2], { dtype: 'int64' });
  splitTrainStep(split, segments, x, { labels: y }, 1);
  const live = memoryStats().liveTensors;
  for (let i = 0; i < 3; i++) splitTrainStep(split, segments, x, { labels: y }, 1);
  assert.equal(memoryStats().liveTensors, live);
  split.dispose();
});

test('no SPLIT: no segments; SPLIT inside the DeNet head is a clear error', () => {
  const m = Model.create('C[4,3] BN A R', { inputShape: [3, 8, 8], classNames: ['a', 'b'] });
  assert.equal(splitSegments(m), undefined);
  m.dispose();
  const head = Model.create('C[8,3,2] BN A C[8,3,2] BN A PI[2] C[8,3] BN A DNC[4,1] SPLIT DNS[3,4,0.01,0.1,0,1] C[16] BN A DND[0.5,1,1]', { inputShape: [3, 32, 32], classNames: ['a', 'b'] });
  assert.throws(() => splitSegments(head), (e: Error) => e instanceof UserError && /SPLIT must come before the DeNet head \(DNC\)/.test(e.message));
  head.dispose();
});
