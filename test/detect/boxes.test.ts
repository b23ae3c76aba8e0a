/** Box utilities: IoU (typed arrays and tensors, against torchvision), R-CNN deltas and their inverse, clipping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxIouPairsTensor, boxIouTensor, clipBoxes, clipBoxesTensor, decodeDeltas, decodeDeltasTensor, encodeDeltas, encodeDeltasTensor, iouMatrix, iouPairs } from '../../src/detect/index.js';
import { Rng } from '../../src/util/rng.js';
import { tensor } from '../../src/torch/index.js';
import { assertClose } from '../helpers/close.js';
import { needsPyTorch, pytorch } from '../helpers/pytorch.js';

const randomBoxes = (rng: Rng, n: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = rng.next() * 0.8, y0 = rng.next() * 0.8;
    out.push(x0, y0, x0 + 0.02 + rng.next() * 0.3, y0 + 0.02 + rng.next() * 0.3);
  }
  return out;
};

test('IoU by hand: identical, disjoint, touching, nested, half overlap', () => {
  const a = [0, 0, 2, 2];
  const b = [0, 0, 2, 2, 3, 3, 4, 4, 2, 0, 4, 2, 0.5, 0.5, 1.5, 1.5, 1, 0, 3, 2];
  assertClose(Array.from(iouMatrix(a, b)), [1, 0, 0, 0.25, 2 / 6]);
  assertClose(Array.from(iouPairs([0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 1, 1, 0.5, 0, 1.5, 1])), [1, 1 / 3]);
  // Empty boxes have IoU 0 (no NaN).
  assert.deepEqual(Array.from(iouMatrix([0, 0, 0, 0], [0, 0, 0, 0])), [0]);
  assert.throws(() => iouPairs([0, 0, 1, 1], []), RangeError);
});

test('IoU matrix: typed arrays, tensor op and torchvision.ops.box_iou agree', needsPyTorch(), () => {
  const rng = new Rng(3);
  const a = randomBoxes(rng, 17), b = randomBoxes(rng, 11);
  const ref = pytorch<number[][]>('import torchvision\nout = torchvision.ops.box_iou(torch.tensor(inp[0], dtype=torch.float64).view(-1,4), torch.tensor(inp[1], dtype=torch.float64).view(-1,4)).tolist()', [a, b]);
  assertClose(Array.from(iouMatrix(a, b)), ref.flat(), 1e-6);
  const t = boxIouTensor(tensor(a, { shape: [17, 4], dtype: 'float64' }), tensor(b, { shape: [11, 4], dtype: 'float64' }));
  assertClose(t.toArray(), ref, 1e-12);
  const pairs = boxIouPairsTensor(tensor(a.slice(0, 44), { shape: [11, 4] }), tensor(b, { shape: [11, 4] }));
  assertClose(pairs.toArray(), Array.from(iouPairs(a.slice(0, 44), b)), 1e-6);
});

test('R-CNN deltas: hand values, decode inverts encode (typed and tensor)', () => {
  const roi = [0, 0, 2, 4];
  const gt = [1, 1, 5, 3];
  // RoI centre (1, 2), size 2×4; target centre (3, 2), size 4×2.
  assertClose(Array.from(encodeDeltas(roi, gt)), [1, 0, Math.log(2), Math.log(0.5)], 1e-6);
  assertClose(Array.from(decodeDeltas(roi, encodeDeltas(roi, gt))), gt, 1e-5);
  const rng = new Rng(5);
  const rois = randomBoxes(rng, 20), gts = randomBoxes(rng, 20);
  const d = encodeDeltas(rois, gts);
  assertClose(Array.from(decodeDeltas(rois, d)), gts, 1e-5);
  const rt = tensor(rois, { shape: [20, 4], dtype: 'float64' }), gtt = tensor(gts, { shape: [20, 4], dtype: 'float64' });
  const dt = encodeDeltasTensor(rt, gtt);
  assertClose(dt.toArray(), Array.from(d), 1e-5);
  assertClose(decodeDeltasTensor(rt, dt).toArray(), gts, 1e-12);
  // Huge tw, th are capped: no Infinity.
  const capped = decodeDeltas([0, 0, 1, 1], [0, 0, 1e4, 1e4]);
  assert.ok(Array.from(capped).every(Number.isFinite));
});

test('clipping to the unit square', () => {
  assert.deepEqual(Array.from(clipBoxes(Float32Array.from([-0.5, 0.2, 1.5, 0.7]))), [0, 0.20000000298023224, 1, 0.699999988079071]);
  assert.deepEqual(clipBoxes([-1, -1, 2, 0.5]), [0, 0, 1, 0.5]);
  assert.deepEqual(clipBoxesTensor(tensor([[-1, 0.5, 2, 1]])).toArray(), [[0, 0.5, 1, 1]]);
});
