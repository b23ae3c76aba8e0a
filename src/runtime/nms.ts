/**
 * Non-maximum suppression on typed arrays (one class at a time; detect.ts runs it per class).
 * boxes: n·4 values (x0, y0, x1, y1); scores: n. Order is by score, ties by the lower index,
 * so results are deterministic (as torchvision's tests expect).
 *
 *  - greedy: visit boxes best first; keep a box unless a kept box overlaps it by IoU > threshold
 *    (torchvision.ops.nms).
 *  - all-pairs: drop a box if any higher-ranked box overlaps it by IoU > threshold, whether or not
 *    that box survived (never keeps more than greedy).
 *  - soft (Gaussian Soft-NMS, Bodla et al. 2017): repeatedly keep the best remaining box and decay
 *    every other score by exp(−IoU²/σ); boxes whose score falls below `minScore` are dropped.
 */
import { iouAt } from './boxes.js';

export type NmsMethod = 'greedy' | 'soft' | 'all-pairs';

/** Indices 0…n−1 by score descending, ties by index. */
export function rankByScore(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Greedy NMS → kept indices, best first. */
export function greedyNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const order = rankByScore(scores);
  const kept: number[] = [];
  const removed = new Uint8Array(scores.length);
  for (let a = 0; a < order.length; a++) {
    const i = order[a]!;
    if (removed[i]) continue;
    kept.push(i);
    for (let b = a + 1; b < order.length; b++) {
      const j = order[b]!;
      if (!removed[j] && iouAt(boxes, i, boxes, j) > iouThreshold) removed[j] = 1;
    }
  }
  return Int32Array.from(kept);
}

/** All-pairs NMS → kept indices, best first. */
export function allPairsNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const order = rankByScore(scores);
  const kept: number[] = [];
  for (let a = 0; a < order.length; a++) {
    const i = order[a]!;
    let drop = false;
    for (let b = 0; b < a && !drop; b++) drop = iouAt(boxes, order[b]!, boxes, i) > iouThreshold;
    if (!drop) kept.push(i);
  }
  return Int32Array.from(kept);
}

export interface SoftNmsOptions {
  /** Gaussian width σ: score ·= exp(−IoU²/σ). */
  sigma?: number;
  /** Boxes whose decayed score falls below this are dropped. */
  minScore?: number;
}

/** Gaussian Soft-NMS → kept indices (in the order they were kept) and their decayed scores. */
export function softNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, o: SoftNmsOptions = {}): { indices: Int32Array; scores: Float32Array } {
  const sigma = o.sigma ?? 0.5;
  const minScore = o.minScore ?? 0.001;
  const n = scores.length;
  const s = Float64Array.from(scores as ArrayLike<number>);
  const alive = new Uint8Array(n).fill(1);
  const idx: number[] = [];
  const out: number[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < n; i++) if (alive[i] && s[i]! >= minScore && (best < 0 || s[i]! > s[best]!)) best = i;
    if (best < 0) break;
    alive[best] = 0;
    idx.push(best);
    out.push(s[best]!);
    for (let j = 0; j < n; j++) {
      if (!alive[j]) continue;
      const v = iouAt(boxes, best, boxes, j);
      s[j] = s[j]! * Math.exp(-(v * v) / sigma);
    }
  }
  return { indices: Int32Array.from(idx), scores: Float32Array.from(out) };
}
