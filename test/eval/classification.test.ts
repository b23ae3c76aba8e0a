// Classification metrics on hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics } from '../../src/eval/classification.js';

test('top-1, top-5, per-class error and confusion from scores', () => {
  // 6 classes, 4 samples (scores row-major):
  //  s0 label 0: best class 0                         → top-1 right
  //  s1 label 1: best class 2; label 1 ranks 2nd      → top-1 wrong, top-5 right
  //  s2 label 5: label has the lowest score (rank 6)  → both wrong
  //  s3 label 1: classes 1 and 3 tie at the top → lower index (1) wins → right
  // top-1 error 2/4, top-5 error 1/4. Per class: 0 → 0/1, 1 → 1/2, 5 → 1/1, others NaN.
  const scores = Float32Array.from([
    9, 1, 2, 3, 4, 5,
    0, 8, 9, 1, 2, 3,
    6, 5, 4, 3, 2, 1,
    0, 7, 1, 7, 2, 3,
  ]);
  const m = classificationMetrics({ scores, labels: [0, 1, 5, 1], numClasses: 6 });
  assert.equal(m.top1Error, 0.5);
  assert.equal(m.top5Error, 0.25);
  assert.deepEqual(Array.from(m.perClassCount), [1, 2, 0, 0, 0, 1]);
  assert.deepEqual(Array.from(m.perClassError), [0, 0.5, NaN, NaN, NaN, 1]);
  const conf = (t: number, p: number) => m.confusion[t * 6 + p];
  assert.equal(conf(0, 0), 1); assert.equal(conf(1, 2), 1); assert.equal(conf(5, 0), 1); assert.equal(conf(1, 1), 1);
  assert.equal(m.confusion.reduce((a, b) => a + b, 0), 4);
});

test('a label tied with the 5th-best score is inside top-5 only if its index is lower', () => {
  // 7 classes; scores 7,6,5,4,3,3,0. Label 5 ties class 4 (index 4 < 5 ranks first) → label is 6th → top-5 miss.
  // Label 4 with the same row: 5th → hit.
  const row = [7, 6, 5, 4, 3, 3, 0];
  const scores = Float64Array.from([...row, ...row]);
  const m = classificationMetrics({ scores, labels: [5, 4], numClasses: 7 });
  assert.equal(m.top5Error, 0.5);
  assert.equal(m.top1Error, 1);
});

test('from top-k predictions; fewer than 5 classes means top-5 error 0', () => {
  const m = classificationMetrics({ topk: Int32Array.from([2, 0, 1, 1, 0, 2]), k: 3, labels: [2, 0], numClasses: 3 });
  // Sample 0: best 2 = label → right. Sample 1: best 1 ≠ 0 → wrong; 0 is in its top-3 → top-5 (=top-3) right.
  assert.equal(m.top1Error, 0.5);
  assert.equal(m.top5Error, 0);
  assert.equal(m.confusion[0 * 3 + 1], 1);
  // Only 2 predictions per sample for 10 classes: top-5 cannot be computed.
  assert.equal(classificationMetrics({ topk: [1, 2], k: 2, labels: [1], numClasses: 10 }).top5Error, null);
});

test('rejects NaN scores, bad labels and mismatched lengths', () => {
  assert.throws(() => classificationMetrics({ scores: Float32Array.from([0, NaN]), labels: [0], numClasses: 2 }), /NaN/);
  assert.throws(() => classificationMetrics({ scores: Float32Array.from([0, 1]), labels: [2], numClasses: 2 }), /label 2 of sample 0/);
  assert.throws(() => classificationMetrics({ scores: Float32Array.from([0, 1, 2]), labels: [0], numClasses: 2 }), /3 values/);
});
