/**
 * Greedy matching of one (image, category) cell for every area range and IoU threshold, with
 * pycocotools' `COCOeval.evaluateImg` rules.
 */
import type { CocoParams } from './params.js';

/** Per-detection outcome codes written by {@link matchCell}. */
export const FP = 0, TP = 1, IGNORED = 2;

/** Scratch buffers reused across cells so the hot loop allocates nothing. */
export class MatchScratch {
  ign = new Uint8Array(16);
  order = new Uint32Array(16);
  matched = new Uint8Array(16);
  ensure(G: number): void {
    if (this.ign.length >= G) return;
    const n = Math.max(G, 2 * this.ign.length);
    this.ign = new Uint8Array(n);
    this.order = new Uint32Array(n);
    this.matched = new Uint8Array(n);
  }
}

/**
 * Matches the D detections of one cell (already sorted by score, highest first, and cut to the
 * largest maxDets) to its G ground-truth boxes, once per area range `a` and IoU threshold `t`.
 *
 * Rules (pycocotools): ground truth that is a crowd or whose `area` field is outside the range is
 * "ignored" and is tried only after every regular box. Each detection takes the still-free ground
 * truth with the highest IoU ≥ t (ties: the later one in ground-truth order); a crowd is never
 * used up; once a regular box is in hand the detection does not look at ignored ones. A
 * detection matched to an ignored box is ignored; an unmatched detection whose own w·h is outside
 * the range is ignored. pycocotools records a match by the ground truth's `id`, so a match to an
 * annotation whose id is 0 reads as "unmatched"; that is reproduced.
 *
 * @param ious D×G row-major IoUs (ground truth in annotation order)
 * @param gtArea, gtCrowd, gtId per ground truth (length G, annotation order)
 * @param dtArea per detection w·h (length D)
 * @param status output, `status[((a * T) + t) * stride + offset + d]` ∈ {FP, TP, IGNORED}
 * @returns nothing; adds the number of non-ignored ground truths per area range to `npig[a]`
 */
export function matchCell(
  p: CocoParams, D: number, G: number, ious: Float64Array,
  gtArea: Float64Array, gtCrowd: Uint8Array, gtId: Float64Array, dtArea: Float64Array,
  status: Uint8Array, stride: number, offset: number, npig: Float64Array, npigAt: number, s: MatchScratch,
): void {
  const T = p.iouThrs.length;
  s.ensure(G);
  const { ign, order, matched } = s;
  for (let a = 0; a < p.areaRanges.length; a++) {
    const { lo, hi } = p.areaRanges[a];
    // Regular ground truth first, then ignored, each in annotation order (a stable argsort).
    let nReg = 0;
    for (let g = 0; g < G; g++) {
      ign[g] = gtCrowd[g] !== 0 || gtArea[g] < lo || gtArea[g] > hi ? 1 : 0;
      if (!ign[g]) order[nReg++] = g;
    }
    npig[npigAt + a] += nReg;
    for (let g = 0, j = nReg; g < G; g++) if (ign[g]) order[j++] = g;

    for (let t = 0; t < T; t++) {
      const base = (a * T + t) * stride + offset;
      const thr = Math.min(p.iouThrs[t], 1 - 1e-10);
      matched.fill(0, 0, G);
      for (let d = 0; d < D; d++) {
        let best = thr, m = -1;
        const row = d * G;
        for (let j = 0; j < G; j++) {
          const g = order[j];
          if (matched[g] && !gtCrowd[g]) continue;
          if (m > -1 && !ign[m] && ign[g]) break;
          const v = ious[row + g];
          if (v < best) continue;
          best = v;
          m = g;
        }
        const outside = dtArea[d] < lo || dtArea[d] > hi;
        if (m === -1) {
          status[base + d] = outside ? IGNORED : FP;
          continue;
        }
        matched[m] = 1;
        if (ign[m]) status[base + d] = IGNORED;
        else if (gtId[m] === 0) status[base + d] = outside ? IGNORED : FP;
        else status[base + d] = TP;
      }
    }
  }
}
