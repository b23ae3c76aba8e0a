/**
 * Precision/recall accumulation for one category, with pycocotools' `COCOeval.accumulate` rules.
 */
import type { CocoParams } from './params.js';
import { TP, FP } from './match.js';

/** `np.spacing(1)`: added to the precision denominator by pycocotools. */
const EPS = 2.220446049250313e-16;

/** Reusable scratch for {@link accumulateCategory}. */
export class AccumulateScratch {
  rc = new Float64Array(64);
  pr = new Float64Array(64);
  ensure(n: number): void {
    if (this.rc.length >= n) return;
    const m = Math.max(n, 2 * this.rc.length);
    this.rc = new Float64Array(m);
    this.pr = new Float64Array(m);
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
 * Precision at recall threshold r is the running maximum from the right of `tp / (tp + fp + eps)`
 * taken at the first detection whose recall `tp / npig` reaches r, or 0 when none does.
 */
export function accumulateCategory(
  p: CocoParams, k: number, K: number, order: Uint32Array, rank: Uint32Array,
  status: Uint8Array, stride: number, npig: Float64Array,
  precision: Float64Array, recall: Float64Array, s: AccumulateScratch,
): void {
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRanges.length, M = p.maxDets.length;
  const recThrs = p.recThrs;
  s.ensure(order.length);
  const { rc, pr } = s;
  for (let a = 0; a < A; a++) {
    const np = npig[k * A + a];
    if (np === 0) continue;
    for (let m = 0; m < M; m++) {
      const maxDet = p.maxDets[m];
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * stride;
        let tp = 0, fp = 0, nd = 0;
        for (let i = 0; i < order.length; i++) {
          const pos = order[i];
          if (rank[pos] >= maxDet) continue;
          const st = status[base + pos];
          if (st === TP) tp++;
          else if (st === FP) fp++;
          rc[nd] = tp / np;
          pr[nd] = tp / (fp + tp + EPS);
          nd++;
        }
        recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
        for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        // searchsorted(rc, recThrs, side='left'); thresholds past the last recall give 0.
        let j = 0;
        for (let r = 0; r < R; r++) {
          const thr = recThrs[r];
          while (j < nd && rc[j] < thr) j++;
          precision[(((t * R + r) * K + k) * A + a) * M + m] = j < nd ? pr[j] : 0;
        }
      }
    }
  }
}
