/**
 * Box utilities on typed arrays (pure functions, no tensors). Boxes are `(x0, y0, x1, y1)` with
 * x0 ≤ x1, y0 ≤ y1, stored flat: a list of n boxes is an array of n·4 numbers. The tensor forms
 * of the same operations are in box-ops.ts.
 */

/** A flat list of boxes: n·4 values `(x0, y0, x1, y1)` per box. */
export type BoxArray = Float32Array | Float64Array | number[];

/** Area of one box (0 for an empty or inverted box). */
export function boxArea(b: ArrayLike<number>, i = 0): number {
  const w = b[i * 4 + 2]! - b[i * 4]!;
  const h = b[i * 4 + 3]! - b[i * 4 + 1]!;
  return w > 0 && h > 0 ? w * h : 0;
}

/** IoU of box `i` of `a` with box `j` of `b` (0 when both are empty). */
export function iouAt(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const ax0 = a[i * 4]!, ay0 = a[i * 4 + 1]!, ax1 = a[i * 4 + 2]!, ay1 = a[i * 4 + 3]!;
  const bx0 = b[j * 4]!, by0 = b[j * 4 + 1]!, bx1 = b[j * 4 + 2]!, by1 = b[j * 4 + 3]!;
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Pairwise IoU. a: n boxes, b: m boxes → Float32Array [n, m] (row-major), like
 * torchvision.ops.box_iou.
 */
export function iouMatrix(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const n = a.length / 4, m = b.length / 4;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = iouAt(a, i, b, j);
  return out;
}

/** Element-wise IoU of box i of `a` with box i of `b` (same count) → Float32Array [n]. */
export function iouPairs(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const n = a.length / 4;
  if (b.length !== a.length) throw new RangeError(`iouPairs needs equal box counts, got ${n} and ${b.length / 4}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = iouAt(a, i, b, i);
  return out;
}

/** Clips every box to the window [lo, hi] (default the unit square) in place; returns `boxes`. */
export function clipBoxes<T extends BoxArray>(boxes: T, lo = 0, hi = 1): T {
  for (let i = 0; i < boxes.length; i++) boxes[i] = Math.min(hi, Math.max(lo, boxes[i]!));
  return boxes;
}

/** Smallest width/height used when encoding, so a degenerate box never gives ln 0. */
export const MIN_SIZE = 1e-6;
/** Largest |tw|, |th| applied when decoding (torchvision's ln(1000/16)): exp never overflows. */
export const MAX_LOG_SCALE = Math.log(1000 / 16);

/**
 * R-CNN deltas of `target` boxes relative to `rois` (both n boxes) → n·4 values
 * (tx, ty, tw, th): tx = (cx − cx_s)/w_s, ty = (cy − cy_s)/h_s, tw = ln(w/w_s), th = ln(h/h_s).
 */
export function encodeDeltas(rois: ArrayLike<number>, target: ArrayLike<number>): Float32Array {
  const n = rois.length / 4;
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const k = i * 4;
    const ws = Math.max(MIN_SIZE, rois[k + 2]! - rois[k]!), hs = Math.max(MIN_SIZE, rois[k + 3]! - rois[k + 1]!);
    const w = Math.max(MIN_SIZE, target[k + 2]! - target[k]!), h = Math.max(MIN_SIZE, target[k + 3]! - target[k + 1]!);
    out[k] = ((target[k]! + target[k + 2]!) / 2 - (rois[k]! + rois[k + 2]!) / 2) / ws;
    out[k + 1] = ((target[k + 1]! + target[k + 3]!) / 2 - (rois[k + 1]! + rois[k + 3]!) / 2) / hs;
    out[k + 2] = Math.log(w / ws);
    out[k + 3] = Math.log(h / hs);
  }
  return out;
}

/** Inverse of encodeDeltas: boxes from `rois` and deltas (n·4 each); tw, th capped at MAX_LOG_SCALE. */
export function decodeDeltas(rois: ArrayLike<number>, deltas: ArrayLike<number>): Float32Array {
  const n = rois.length / 4;
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) decodeDeltaInto(rois, i, deltas, i, out, i);
  return out;
}

/** Decodes one box (RoI `i` of `rois`, delta `j` of `deltas`) into box `k` of `out`. */
export function decodeDeltaInto(rois: ArrayLike<number>, i: number, deltas: ArrayLike<number>, j: number, out: BoxArray, k: number): void {
  const ws = Math.max(MIN_SIZE, rois[i * 4 + 2]! - rois[i * 4]!), hs = Math.max(MIN_SIZE, rois[i * 4 + 3]! - rois[i * 4 + 1]!);
  const cx = (rois[i * 4]! + rois[i * 4 + 2]!) / 2 + deltas[j * 4]! * ws;
  const cy = (rois[i * 4 + 1]! + rois[i * 4 + 3]!) / 2 + deltas[j * 4 + 1]! * hs;
  const w = ws * Math.exp(Math.min(MAX_LOG_SCALE, deltas[j * 4 + 2]!));
  const h = hs * Math.exp(Math.min(MAX_LOG_SCALE, deltas[j * 4 + 3]!));
  out[k * 4] = cx - w / 2;
  out[k * 4 + 1] = cy - h / 2;
  out[k * 4 + 2] = cx + w / 2;
  out[k * 4 + 3] = cy + h / 2;
}
