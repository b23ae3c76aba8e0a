/** NMS variants on hand-made boxes, tie-breaking, and greedy NMS against torchvision.ops.nms on random boxes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allPairsNms, greedyNms, iouAt, softNms } from '../../src/detect/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../helpers/close.js';
import { needsPyTorch, pytorch } from '../helpers/pytorch.js';

// A chain: A–B and B–C overlap by 0.818, A–C by 0.667; D is alone.
const boxes = [0, 0, 1, 1, 0.1, 0, 1.1, 1, 0.2, 0, 1.2, 1, 2, 2, 3, 3];
const scores = [0.9, 0.8, 0.7, 0.6];

test('greedy: a box survives when no kept box overlaps it above the threshold', () => {
  assert.deepEqual(Array.from(greedyNms(boxes, scores, 0.7)), [0, 2, 3]);
  assert.deepEqual(Array.from(greedyNms(boxes, scores, 0.5)), [0, 3]);
  assert.deepEqual(Array.from(greedyNms(boxes, scores, 0.9)), [0, 1, 2, 3]);
  // Order follows the scores, not the input order; ties go to the lower index.
  assert.deepEqual(Array.from(greedyNms(boxes, [0.1, 0.2, 0.3, 0.4], 0.7)), [3, 2, 0]);
  assert.deepEqual(Array.from(greedyNms([0, 0, 1, 1, 0, 0, 1, 1], [0.5, 0.5], 0.5)), [0]);
  assert.deepEqual(Array.from(greedyNms([], [], 0.5)), []);
});

test('all-pairs: dropped when any higher-scoring box overlaps it, even a suppressed one', () => {
  assert.deepEqual(Array.from(allPairsNms(boxes, scores, 0.7)), [0, 3]);
  assert.deepEqual(Array.from(allPairsNms(boxes, scores, 0.9)), [0, 1, 2, 3]);
});

test('soft: Gaussian decay exp(−IoU²/σ) of the remaining scores', () => {
  const r = softNms(boxes, scores, { sigma: 0.5, minScore: 0.001 });
  const iou = (i: number, j: number) => iouAt(boxes, i, boxes, j);
  const g = (v: number) => Math.exp(-(v * v) / 0.5);
  const c = 0.7 * g(iou(0, 2));
  const b = 0.8 * g(iou(0, 1)) * g(iou(2, 1));
  assert.deepEqual(Array.from(r.indices), [0, 3, 2, 1]);
  assertClose(Array.from(r.scores), [0.9, 0.6, c, b], 1e-6);
  // Scores decayed below minScore are dropped.
  assert.deepEqual(Array.from(softNms(boxes, scores, { sigma: 0.5, minScore: 0.1 }).indices), [0, 3, 2]);
});

test('greedy NMS equals torchvision.ops.nms on random boxes', needsPyTorch(), () => {
  const cases: { boxes: number[]; scores: number[] }[] = [];
  for (const seed of [1, 2, 3, 4]) {
    const rng = new Rng(seed);
    const b: number[] = [], s: number[] = [];
    for (let i = 0; i < 300; i++) {
      const x0 = rng.next() * 0.8, y0 = rng.next() * 0.8;
      b.push(x0, y0, x0 + 0.05 + rng.next() * 0.2, y0 + 0.05 + rng.next() * 0.2);
      s.push(rng.next());
    }
    cases.push({ boxes: b, scores: s });
  }
  const ref = pytorch<number[][]>(
    'import torchvision\nout = [torchvision.ops.nms(torch.tensor(c["boxes"], dtype=torch.float64).view(-1,4), torch.tensor(c["scores"], dtype=torch.float64), t).tolist() for c in inp for t in (0.3, 0.5, 0.7)]',
    cases,
  );
  let k = 0;
  for (const c of cases) for (const t of [0.3, 0.5, 0.7]) assert.deepEqual(Array.from(greedyNms(c.boxes, c.scores, t)), ref[k++], `threshold ${t}`);
});
