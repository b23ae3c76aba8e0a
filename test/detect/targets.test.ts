/** Class and fitness targets at the bucket boundaries, crowd regions, box targets, and the Bounded IoU cost. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignTargets, boundedIouBoxLoss, boundedIouCost, bucketIou, deltaBoxLoss, fitnessBucket, headLayout } from '../../src/detect/index.js';
import { tensor, zeros } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';
import { assertClose } from '../helpers/close.js';

const gt = (boxes: number[], classes: number[], ignore: number[] = []) => ({
  boxes: Float32Array.from(boxes),
  classes: Int32Array.from(classes),
  ignore: Uint8Array.from(classes.map((_, i) => ignore[i] ?? 0)),
  difficult: new Uint8Array(classes.length),
});

test('fitness buckets: f = min(⌊F(2ρ − 1)⌋, F − 1) at the boundaries 0.5, 0.6, …, 1.0; λn = 0.5 + n/2F', () => {
  const ious = [0.49, 0.5, 0.59, 0.6, 0.69, 0.7, 0.79, 0.8, 0.89, 0.9, 0.99, 1.0];
  assert.deepEqual(ious.map((v) => fitnessBucket(v)), [-1, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4]);
  assert.deepEqual(ious.map((v) => fitnessBucket(Math.fround(v))), [-1, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4]);
  assertClose([0, 1, 2, 3, 4].map((n) => bucketIou(n)), [0.5, 0.6, 0.7, 0.8, 0.9], 1e-12);
});

test('class, independent-fitness and joint targets for RoIs at IoU 0.45, 0.5, 0.6, …, 1.0 with one ground truth', () => {
  const widths = [0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]; // RoI [0,0,w,1] vs GT [0,0,1,1]: IoU = w
  const rois = Float32Array.from(widths.flatMap((w) => [0, 0, w, 1]));
  const t = gt([0, 0, 1, 1], [1]);
  const plain = assignTargets(rois, t, headLayout(2, 'independent'), 0.5);
  const rows = (a: Float32Array, k: number) => widths.map((_, i) => Array.from(a.subarray(i * k, i * k + k)));
  assert.deepEqual(rows(plain.classTarget, 3), [[0, 0, 1], ...widths.slice(1).map(() => [0, 1, 0])]);
  assert.deepEqual(Array.from(plain.fitnessTarget), [0, 1, 2, 3, 4, 5, 5]);
  assert.deepEqual(Array.from(plain.boxMask), [0, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(plain.weight), [1, 1, 1, 1, 1, 1, 1]);
  // Box targets: the ground truth for matched RoIs, the RoI itself otherwise.
  assert.deepEqual(Array.from(plain.boxTarget.subarray(0, 8)), [0, 0, Math.fround(0.45), 1, 0, 0, 1, 1]);
  // Joint: class 1 with bucket n at 1·5 + n; null last (index 10).
  const joint = assignTargets(rois, t, headLayout(2, 'joint'), 0.5);
  const hot = rows(joint.classTarget, 11).map((r) => r.indexOf(1));
  assert.deepEqual(hot, [10, 5, 6, 7, 8, 9, 9]);
  // A higher match threshold Ω turns the weaker RoIs into null.
  const strict = assignTargets(rois, t, headLayout(2, 'none'), 0.7);
  assert.deepEqual(rows(strict.classTarget, 3).map((r) => r.indexOf(1)), [2, 2, 2, 1, 1, 1, 1]);
});

test('several matching classes → a uniform distribution; crowd-only RoIs get weight 0; images without boxes are all null', () => {
  const rois = Float32Array.from([0, 0, 1, 0.95, 2, 2, 3, 3, 0, 0, 0.1, 0.1]);
  const t = gt([0, 0, 1, 1, 0, 0, 1, 0.9, 2, 2, 3, 3], [0, 1, 2], [0, 0, 1]);
  const a = assignTargets(rois, t, headLayout(3, 'none'), 0.5);
  assert.deepEqual(Array.from(a.classTarget.subarray(0, 4)), [0.5, 0.5, 0, 0]);
  assert.deepEqual(Array.from(a.classTarget.subarray(4, 8)), [0, 0, 0, 1]);
  assert.deepEqual(Array.from(a.weight), [1, 0, 1]);
  assert.deepEqual(Array.from(a.boxMask), [1, 0, 0]);
  const j = assignTargets(rois, t, headLayout(3, 'joint'), 0.5);
  // IoU 0.95 with class 0 (bucket 4) and 0.9/0.95 ≈ 0.947 with class 1 (bucket 4).
  assert.equal(j.classTarget[0 * 5 + 4], 0.5);
  assert.equal(j.classTarget[1 * 5 + 4], 0.5);
  const empty = assignTargets(rois, gt([], []), headLayout(3, 'none'), 0.5);
  assert.deepEqual(Array.from(empty.classTarget).filter((_, i) => i % 4 === 3), [1, 1, 1]);
  assert.deepEqual(Array.from(empty.boxMask), [0, 0, 0]);
  assert.throws(() => assignTargets(rois, gt([0, 0, 1, 1], [3]), headLayout(3, 'none'), 0.5, 'DND (token 9)'), (e: Error) => e instanceof UserError && e.message === 'DND (token 9): a target box has class 3 but the model has 3 classes (0…2)');
});

test('Bounded IoU cost worked from the formula (paper bound, exact bound, τ = 1 and 0.2)', () => {
  const pred = tensor([[0.6, 0.5, 0.5, 0.25], [0.8, 0.5, 0.4, 0.5]], { dtype: 'float64' });
  const target = tensor([[0.5, 0.5, 0.4, 0.5], [0.5, 0.5, 0.4, 0.5]], { dtype: 'float64' });
  // Row 0: Δx = 0.1, w_t = 0.4 → IoU_B = 0.2/0.6 = 1/3; Δy = 0 → 1; w: min(1.25, 0.8) = 0.8; h: 0.5.
  // Row 1: Δx = 0.3 → (0.4 − 0.6)/1.0 < 0 → 0. τ = 1: cost = (1 − IoU_B)².
  assertClose(boundedIouCost(pred, target).toArray(), [[4 / 9, 0, 0.04, 0.25], [1, 0, 0, 0]], 1e-12);
  // τ = 0.2: 2·smoothL1 = d²/τ below τ, 2d − τ above.
  const s = (d: number) => (d < 0.2 ? (d * d) / 0.2 : 2 * d - 0.2);
  assertClose(boundedIouCost(pred, target, { beta: 0.2 }).toArray(), [[s(2 / 3), 0, s(0.2), s(0.5)], [s(1), 0, 0, 0]], 1e-12);
  // Exact 1-D IoU of a shifted box: (w_t − |Δx|)/(w_t + |Δx|) = 0.3/0.5 and 0.1/0.7.
  assertClose(boundedIouCost(pred, target, { exact: true }).toArray(), [[0.16, 0, 0.04, 0.25], [(1 - 1 / 7) ** 2, 0, 0, 0]], 1e-12);
});

test('box losses are zero (not NaN) without positives and zero for a perfect prediction', () => {
  const rois = tensor([[[0, 0, 0.5, 0.5], [0.2, 0.2, 0.2, 0.2]]]);
  const targetBoxes = tensor([[[0.1, 0, 0.5, 0.6], [0.2, 0.2, 0.2, 0.2]]]);
  const none = zeros([1, 2]);
  const deltas = tensor([[[5, -5, 50, -50], [1, 1, 1, 1]]]);
  assert.equal(deltaBoxLoss(deltas, rois, targetBoxes, none).item(), 0);
  assert.equal(boundedIouBoxLoss(deltas, rois, targetBoxes, none).item(), 0);
  const mask = tensor([[1, 0]]);
  const perfect = tensor([[[0.1, 0.1, Math.log(0.8), Math.log(1.2)], [0, 0, 0, 0]]]);
  assert.ok(deltaBoxLoss(perfect, rois, targetBoxes, mask).item() < 1e-10);
  assert.ok(boundedIouBoxLoss(perfect, rois, targetBoxes, mask).item() < 1e-10);
});
