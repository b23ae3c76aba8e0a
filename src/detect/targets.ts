/**
 * Target assignment for the RoIs of one image (DETECTOR.md §3–4): class (or joint class×fitness)
 * distributions, independent fitness classes and box-regression targets. Typed arrays only.
 *
 *  - A RoI matches the ground-truth boxes (not flagged `ignore`) with IoU ≥ Ω (up to 1e-6, so
 *    float32 boxes exactly at the boundary match). Its class target is
 *    uniform over the distinct classes of its matches, or `null` when there are none.
 *  - Fitness: ρ = the RoI's best IoU; bucket f = min(⌊F(2ρ − 1)⌋, F − 1) for ρ ≥ 0.5. Joint layouts
 *    put class c's share in cell (c, bucket of the best IoU among c's matches).
 *  - A RoI without a match that overlaps an `ignore` (crowd) box by IoU ≥ Ω gets weight 0: it is
 *    neither a positive nor a negative.
 *  - Box target: the best-matching ground truth for RoIs with ρ ≥ Ω (mask 1); others get the RoI
 *    itself (mask 0), so no target is ever degenerate.
 */
import type { DetectionTargets } from '../data/types.js';
import { UserError } from '../util/errors.js';
import { iouAt } from '../runtime/boxes.js';
import { fitnessBucket, type HeadLayout } from '../runtime/head-layout.js';

/** Tolerance of the IoU ≥ Ω test (float32 coordinates). */
const MATCH_EPS = 1e-6;

export interface RoiTargets {
  /** [R, classChannels] target distributions. */
  classTarget: Float32Array;
  /** [R] loss weight of each RoI's class (and fitness) term: 1, or 0 for crowd-only RoIs. */
  weight: Float32Array;
  /** [R] independent-fitness class: 0 = none, 1 + n = bucket n (`.I` layouts). */
  fitnessTarget: Int32Array;
  /** [R, 4] target boxes (x0, y0, x1, y1). */
  boxTarget: Float32Array;
  /** [R] 1 where the RoI has a box-regression target. */
  boxMask: Float32Array;
  /** [R] best IoU against a (non-ignored) ground-truth box. */
  bestIou: Float32Array;
}

/** Assigns targets to `rois` (R·4 normalised boxes) of one image. */
export function assignTargets(rois: Float32Array, t: DetectionTargets, layout: HeadLayout, matchIou: number, what = 'DND'): RoiTargets {
  const r = rois.length / 4;
  const k = layout.classChannels;
  const n = t.classes.length;
  for (let j = 0; j < n; j++) {
    const c = t.classes[j]!;
    if (!(c >= 0 && c < layout.numClasses)) throw new UserError(`${what}: a target box has class ${c} but the model has ${layout.numClasses} classes (0…${layout.numClasses - 1})`);
  }
  const out: RoiTargets = {
    classTarget: new Float32Array(r * k),
    weight: new Float32Array(r).fill(1),
    fitnessTarget: new Int32Array(r),
    boxTarget: rois.slice(),
    boxMask: new Float32Array(r),
    bestIou: new Float32Array(r),
  };
  const bestPerClass = new Float64Array(layout.numClasses);
  matchIou -= MATCH_EPS;
  for (let i = 0; i < r; i++) {
    let best = 0, bestJ = -1, crowd = false;
    bestPerClass.fill(-1);
    let matched = 0;
    for (let j = 0; j < n; j++) {
      const v = iouAt(rois, i, t.boxes, j);
      if (t.ignore[j]) {
        if (v >= matchIou) crowd = true;
        continue;
      }
      if (v > best) best = v, bestJ = j;
      if (v >= matchIou) {
        const c = t.classes[j]!;
        if (bestPerClass[c]! < 0) matched++;
        if (v > bestPerClass[c]!) bestPerClass[c] = v;
      }
    }
    out.bestIou[i] = best;
    const row = i * k;
    if (matched === 0) {
      out.classTarget[row + layout.nullIndex] = 1;
      if (crowd) out.weight[i] = 0;
    } else {
      for (let c = 0; c < layout.numClasses; c++) {
        const v = bestPerClass[c]!;
        if (v < 0) continue;
        const cell = layout.fitness === 'joint' ? c * layout.buckets + Math.max(0, fitnessBucket(v, layout.buckets)) : c;
        out.classTarget[row + cell] = 1 / matched;
      }
    }
    const f = fitnessBucket(best, layout.buckets);
    out.fitnessTarget[i] = f < 0 ? 0 : 1 + f;
    if (bestJ >= 0 && best >= matchIou) {
      out.boxMask[i] = 1;
      for (let q = 0; q < 4; q++) out.boxTarget[i * 4 + q] = t.boxes[bestJ * 4 + q]!;
    }
  }
  return out;
}
