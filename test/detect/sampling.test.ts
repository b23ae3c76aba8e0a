/** Per-RoI sampling: grid values on a known map (nearest and bilinear), layout, and gradients vs finite differences. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleGrid, sampleRoiFeatures } from '../../src/detect/index.js';
import { arange, grad, tensor } from '../../src/torch/index.js';
import { assertClose } from '../helpers/close.js';
import { gradcheck } from '../helpers/gradcheck.js';

/** [1, 2, 4, 4] float64 map with value 100·f + 4·y + x. */
const linearMap = () => arange(0, 32).to('float64').reshape([1, 2, 4, 4]).add(arange(0, 2).to('float64').mul(84).reshape([1, 2, 1, 1]));
const rois = (boxes: number[]) => tensor(boxes, { shape: [1, boxes.length / 4, 4], dtype: 'float64' });
const v = (f: number, x: number, y: number) => 100 * f + 4 * y + x;

test('nearest: grid points (sampleGrid gives [B, F, g, g, R]; permuted to RoI-major here) read the cell they fall in (⌊x·W⌋, clamped)', () => {
  const s = sampleGrid(linearMap(), rois([0, 0, 1, 1, 0.25, 0.5, 0.75, 1]), 3, 'nearest').permute([0, 1, 4, 2, 3]); // [1, 2, 2, 3, 3]
  assert.deepEqual(s.shape, [1, 2, 2, 3, 3]);
  // RoI 0: x, y ∈ {0, 0.5, 1} → cells {0, 2, 3}. RoI 1: x ∈ {0.25, 0.5, 0.75} → {1, 2, 3}; y ∈ {0.5, 0.75, 1} → {2, 3, 3}.
  const expect = (xs: number[], ys: number[]) => [0, 1].map((f) => ys.map((y) => xs.map((x) => v(f, x, y))));
  const got = s.toArray() as number[][][][][];
  assert.deepEqual([0, 1].map((f) => got[0]![f]![0]), expect([0, 2, 3], [0, 2, 3]));
  assert.deepEqual([0, 1].map((f) => got[0]![f]![1]), expect([1, 2, 3], [2, 3, 3]));
});

test('bilinear: cell centres at (c + ½)/W, border replicated', () => {
  const s = sampleGrid(linearMap(), rois([0.25, 0.5, 0.75, 1, 0.125, 0.125, 0.125, 0.125]), 3, 'bilinear').permute([0, 1, 4, 2, 3]);
  const got = s.toArray() as number[][][][][];
  // u = x·W − ½: x ∈ {0.25, 0.5, 0.75} → {0.5, 1.5, 2.5}; y ∈ {0.5, 0.75, 1} → {1.5, 2.5, 3 (clamped from 3.5)}.
  const expect = [0, 1].map((f) => [1.5, 2.5, 3].map((y) => [0.5, 1.5, 2.5].map((x) => v(f, x, y))));
  assertClose([0, 1].map((f) => got[0]![f]![0]!), expect, 1e-9);
  // A point exactly at a cell centre reads that cell.
  assertClose([0, 1].map((f) => got[0]![f]![1]!), [0, 1].map((f) => [0, 1, 2].map(() => [0, 1, 2].map(() => v(f, 0, 0)))), 1e-9);
  // g = 1 samples the box centre (0.25 → u = 0.5).
  assertClose(sampleGrid(linearMap(), rois([0, 0, 0.5, 0.5]), 1, 'bilinear').reshape([2]).toArray(), [v(0, 0.5, 0.5), v(1, 0.5, 0.5)], 1e-9);
});

test('RoI features as an N×N image: channel f·g² + j·g + i, then width and height; RoI k at (⌊k/N⌋, k mod N)', () => {
  const boxes = [0, 0, 1, 1, 0, 0, 0.5, 0.25, 0.5, 0.5, 1, 1, 0.25, 0.25, 0.5, 1];
  const out = sampleRoiFeatures(linearMap(), rois(boxes), 2, 2, 'nearest'); // [1, 2·4 + 2, 2, 2]
  assert.deepEqual(out.shape, [1, 10, 2, 2]);
  const grid = sampleGrid(linearMap(), rois(boxes), 2, 'nearest').permute([0, 1, 4, 2, 3]).toArray() as number[][][][][];
  const o = out.toArray() as number[][][][];
  for (let k = 0; k < 4; k++) {
    const [row, col] = [Math.floor(k / 2), k % 2];
    for (let f = 0; f < 2; f++) for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) assert.equal(o[0]![f * 4 + j * 2 + i]![row]![col], grid[0]![f]![k]![j]![i]);
    assertClose([o[0]![8]![row]![col]!, o[0]![9]![row]![col]!], [boxes[k * 4 + 2]! - boxes[k * 4]!, boxes[k * 4 + 3]! - boxes[k * 4 + 1]!], 1e-12);
  }
});

test('gradients reach the sampling map: autograd equals finite differences (float64)', () => {
  const boxes = rois([0.1, 0.2, 0.8, 0.7, 0.33, 0.05, 0.6, 0.9, 0, 0, 1, 1, 0.4, 0.4, 0.45, 0.5]);
  for (const mode of ['nearest', 'bilinear'] as const) {
    const map = tensor(Array.from({ length: 2 * 5 * 6 }, (_, i) => Math.sin(i)), { shape: [1, 2, 5, 6], dtype: 'float64' }).requiresGrad_();
    gradcheck((m) => sampleRoiFeatures(m, boxes, 3, 2, mode), [map], { name: mode });
    const [g] = grad([sampleRoiFeatures(map, boxes, 3, 2, mode).sum()], [map]);
    assert.ok(g!.abs().sum().item() > 0, `${mode}: non-zero gradient`);
  }
});
