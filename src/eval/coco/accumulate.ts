/**
 * Precision/recall accumulation for one category, with pycocotools' `COCOeval.accumulate` rules.
 */
import type { CocoParams } from './params.js';
import { TP, FP } from './match.js';

/** `np.spacing(1)`: added to the precision denominator by pycocotools. */
const EPS = 2.220446049250313e-16;

/** Reusable scratch for {@link accumulateCategory}. */
export class AccumulateScratch {
  tpPr = new Float64Array(64);
  byCap: Uint32Array[] = [];
  ensure(n: number, caps: number): void {
    if (this.tpPr.length < n) this.tpPr = new Float64Array(Math.max(n, 2 * this.tpPr.length));
    while (this.byCap.length < caps) this.byCap.push(new Uint32Array(0));
    for (let m = 0; m < caps; m++) if (this.byCap[m].length < n) this.byCap[m] = new Uint32Array(Math.max(n, 2 * this.byCap[m].length));
  }
}

/**
 * Fills `precision[t, :, k, a, m]` (T×R×K×A×M, row-major) and `recall[t, k, a, m]` (T×K×A×M) for
 * category `k`. `order` lists the category's detections (positions into `status`/`rank`) sorted
 * by score, highest first, ties in image order then per-image rank, which is the order of
 * pycocotools' stable sort of the concatenated per-image lists. A detection takes part under cap
 * `maxDets[m]` when its per-image rank is below it. Cells with no non-ignored ground truth
 * (`npig == 0`) are left at -1.
 *
 * pycocotools computes `rc = tp/npig` and `pr = tp/(tp+fp+eps)` at every detection, makes `pr`
 * monotone from the right and reads it at `searchsorted(rc, recThrs, 'left')` (0 past the end).
 * Recall only rises at true positives, so every index that search can return for r > 0 is a true
 * positive, and the running maximum over all later detections equals the maximum over later true
 * positives (a detection that is not a TP has the same tp and no fewer fp than the TP before it).
 * So only the true positives' `pr` are computed, with the same double operations: identical results.
 */
export function accumulateCategory(
  p: CocoParams, k: number, K: number, order: Uint32Array, rank: Uint32Array,
  status: Uint8Array, stride: number, npig: Float64Array,
  precision: Float64Array, recall: Float64Array, s: AccumulateScratch,
): void {
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRanges.length, M = p.maxDets.length;
  const recThrs = p.recThrs;
  s.ensure(order.length, M);
  const { tpPr, byCap } = s;
  // Detections under each cap, in score order.
  const nByCap = new Uint32Array(M);
  for (let i = 0; i < order.length; i++) {
    const pos = order[i], r = rank[pos];
    for (let m = 0; m < M; m++) if (r < p.maxDets[m]) byCap[m][nByCap[m]++] = pos;
  }
  for (let a = 0; a < A; a++) {
    const np = npig[k * A + a];
    if (np === 0) continue;
    for (let m = 0; m < M; m++) {
      const list = byCap[m], nd = nByCap[m];
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * stride;
        let tp = 0, fp = 0;
        for (let i = 0; i < nd; i++) {
          const st = status[base + list[i]];
          if (st === TP) { tp++; tpPr[tp - 1] = tp / (fp + tp + EPS); }
          else if (st === FP) fp++;
        }
        recall[((t * K + k) * A + a) * M + m] = nd ? tp / np : 0;
        for (let i = tp - 2; i >= 0; i--) if (tpPr[i + 1] > tpPr[i]) tpPr[i] = tpPr[i + 1];
        // First true positive whose recall (j+1)/npig reaches the threshold.
        let j = 0;
        for (let r = 0; r < R; r++) {
          const thr = recThrs[r];
          while (j < tp && (j + 1) / np < thr) j++;
          precision[(((t * R + r) * K + k) * A + a) * M + m] = j < tp ? tpPr[j] : 0;
        }
      }
    }
  }
}
