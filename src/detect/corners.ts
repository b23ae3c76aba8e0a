/**
 * Corner types and corner targets. The corner map of a W×H feature map has 4 channels, one per
 * corner type, in this order: top-left, top-right, bottom-left, bottom-right.
 */
import type { DetectionTargets } from '../data/types.js';

import { BL, BR, TL, TR } from '../runtime/corner-search.js';

export { BL, BR, CORNER_TYPES, TL, TR } from '../runtime/corner-search.js';

/**
 * Coordinates within this distance of a cell boundary count as on it, so a float32 box edge like
 * 0.3 (stored as 0.30000001) on a 10-cell map still ends in cell 2.
 */
const EDGE_EPS = 1e-4;

/**
 * The cells a normalised box's corners fall in on a W×H map, spanning cells inclusively:
 * cx0 = ⌊x0·W⌋, cx1 = ⌈x1·W⌉ − 1, clamped to the map and to ≥ cx0 (the same for y).
 */
export function cornerCells(x0: number, y0: number, x1: number, y1: number, w: number, h: number): [cx0: number, cy0: number, cx1: number, cy1: number] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const cx0 = clamp(Math.floor(x0 * w + EDGE_EPS), 0, w - 1);
  const cy0 = clamp(Math.floor(y0 * h + EDGE_EPS), 0, h - 1);
  const cx1 = clamp(Math.ceil(x1 * w - EDGE_EPS) - 1, cx0, w - 1);
  const cy1 = clamp(Math.ceil(y1 * h - EDGE_EPS) - 1, cy0, h - 1);
  return [cx0, cy0, cx1, cy1];
}

/**
 * Corner targets of one image → Float32Array [4, H, W]: 1 at the cells holding a ground-truth
 * box's corners (type k at channel k), 0 elsewhere. Boxes flagged `ignore` are not positives.
 */
export function cornerTargets(t: DetectionTargets, w: number, h: number): Float32Array {
  const out = new Float32Array(4 * h * w);
  const n = t.classes.length;
  for (let i = 0; i < n; i++) {
    if (t.ignore[i]) continue;
    const [cx0, cy0, cx1, cy1] = cornerCells(t.boxes[i * 4]!, t.boxes[i * 4 + 1]!, t.boxes[i * 4 + 2]!, t.boxes[i * 4 + 3]!, w, h);
    out[(TL * h + cy0) * w + cx0] = 1;
    out[(TR * h + cy0) * w + cx1] = 1;
    out[(BL * h + cy1) * w + cx0] = 1;
    out[(BR * h + cy1) * w + cx1] = 1;
  }
  return out;
}
