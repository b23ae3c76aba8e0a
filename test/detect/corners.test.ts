/** Corner cells and corner targets for hand-placed boxes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cornerCells, cornerTargets } from '../../src/detect/index.js';

const targets = (boxes: number[], ignore: number[] = []) => ({
  boxes: Float32Array.from(boxes),
  classes: new Int32Array(boxes.length / 4),
  ignore: Uint8Array.from(boxes.map((_, i) => (i % 4 === 0 ? ignore[i / 4] ?? 0 : 0)).filter((_, i) => i % 4 === 0)),
  difficult: new Uint8Array(boxes.length / 4),
});

/** The set cells of a [4, H, W] target as "type:x,y" strings. */
const cells = (t: Float32Array, w: number, h: number): string[] => {
  const out: string[] = [];
  t.forEach((v, i) => {
    if (!v) return;
    const k = Math.floor(i / (w * h)), r = i % (w * h);
    out.push(`${k}:${r % w},${Math.floor(r / w)}`);
  });
  return out.sort();
};

test('corner cells: x0 → ⌊x0·W⌋, x1 → ⌈x1·W⌉ − 1, clamped to the map and to ≥ x0', () => {
  assert.deepEqual(cornerCells(0.25, 0.25, 0.75, 0.75, 8, 8), [2, 2, 5, 5]);
  // Edges inside cells; float32 0.3 on 10 cells stays cell 2.
  assert.deepEqual(cornerCells(0.3, 0.11, Math.fround(0.3) + 0.2, 0.94, 10, 10), [3, 1, 4, 9]);
  assert.deepEqual(cornerCells(0, 0, Math.fround(0.3), 1, 10, 4), [0, 0, 2, 3]);
  // A box thinner than a cell: x1's cell is x0's.
  assert.deepEqual(cornerCells(0.51, 0.51, 0.52, 0.52, 4, 4), [2, 2, 2, 2]);
  // Outside the map: clamped.
  assert.deepEqual(cornerCells(-0.2, -0.1, 1.3, 1.2, 4, 4), [0, 0, 3, 3]);
});

test('corner targets: four cells per box, one per type; ignore boxes are not positives', () => {
  const t = cornerTargets(targets([0.25, 0.125, 0.75, 0.5, 0, 0, 1, 1, 0.5, 0.5, 0.6, 0.6], [0, 0, 1]), 4, 8);
  // Box 1 on a 4-wide, 8-high map: x cells 1..2, y cells 1..3. Box 2: the whole map.
  assert.deepEqual(cells(t, 4, 8), ['0:0,0', '0:1,1', '1:2,1', '1:3,0', '2:0,7', '2:1,3', '3:2,3', '3:3,7']);
  assert.equal(t.length, 4 * 4 * 8);
  assert.equal(cornerTargets(targets([]), 4, 4).reduce((a, b) => a + b, 0), 0);
});
