// The typed-array COCO evaluator against a plain reference (test/eval/coco-reference.ts) on random
// cases built to hit every rule: crowds, boxes straddling the area limits, score ties, more than
// 100 detections in one cell, images without ground truth, categories without detections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCocoJson } from '../../src/eval/coco/index.js';
import { referenceCocoEval } from './coco-reference.js';

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(seed: number) {
  const r = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const images = Array.from({ length: 6 }, (_, i) => ({ id: 10 * (6 - i) })); // listed out of order
  const categories = [{ id: 3 }, { id: 1 }, { id: 2 }, { id: 7 }];
  const sizes = [8, 20, 31, 32, 33, 60, 95, 96, 97, 150];
  const annotations: any[] = [];
  for (const im of images.slice(1)) { // the first image has no ground truth
    const n = Math.floor(r() * 8);
    for (let i = 0; i < n; i++) {
      const w = pick(sizes), h = pick(sizes);
      annotations.push({ id: annotations.length + 1, image_id: im.id, category_id: pick([1, 2, 3]), bbox: [Math.floor(r() * 200), Math.floor(r() * 200), w, h], area: r() < 0.5 ? w * h : Math.round(w * h * (0.6 + 0.5 * r())), iscrowd: r() < 0.15 ? 1 : 0 });
    }
  }
  const results: any[] = [];
  for (const im of images) {
    const gts = annotations.filter((a) => a.image_id === im.id);
    const n = im.id === 30 ? 130 : Math.floor(r() * 25);
    for (let i = 0; i < n; i++) {
      const score = pick([0.1, 0.3, 0.5, 0.5, 0.7, 0.9, r()]);
      if (gts.length && r() < 0.6) {
        const g = pick(gts), j = () => Math.round((r() - 0.5) * 0.5 * g.bbox[2]);
        results.push({ image_id: im.id, category_id: r() < 0.85 ? g.category_id : pick([1, 2, 3]), bbox: [g.bbox[0] + j(), g.bbox[1] + j(), Math.max(1, g.bbox[2] + j()), Math.max(1, g.bbox[3] + j())], score });
      } else {
        results.push({ image_id: im.id, category_id: im.id === 30 ? 1 : pick([1, 2, 3]), bbox: [Math.floor(r() * 200), Math.floor(r() * 200), pick(sizes), pick(sizes)], score });
      }
    }
  }
  return { gt: { images, categories, annotations }, results };
}

test('typed-array evaluator equals the plain reference on 25 random cases (every precision/recall entry)', () => {
  let nonTrivial = 0;
  for (let seed = 1; seed <= 25; seed++) {
    const { gt, results } = randomCase(seed);
    const fast = evaluateCocoJson(gt, results).evaluation;
    const ref = referenceCocoEval(gt, results);
    assert.deepEqual(Array.from(fast.recall), ref.recall, `recall, seed ${seed}`);
    assert.deepEqual(Array.from(fast.precision), ref.precision, `precision, seed ${seed}`);
    if (ref.precision.some((v) => v > 0 && v < 1)) nonTrivial++;
  }
  assert.equal(nonTrivial, 25);
});
