/**
 * Box IoU with the COCO API's rules (`bbIou` in cocoapi `common/maskApi.c`), in double precision.
 */

/**
 * IoU of every detection against every ground-truth box, written row-major into `out` (D×G):
 * `out[d * G + g]`. Boxes are `[x, y, w, h]` in pixels. For a crowd ground truth the union is the
 * detection's own area (`inter / (w_d·h_d)`), so a detection wholly inside a crowd region scores 1.
 * Boxes that only touch (zero-width intersection) score 0.
 *
 * @param dtBox detection boxes, 4 per row; rows `dtIdx[0..D)` are used, in that order
 * @param gtBox ground-truth boxes, 4 per row; rows `gtIdx[0..G)` are used, in that order
 * @param crowd per ground-truth row (indexed like `gtBox`), 1 for a crowd region
 */
export function bboxIou(
  dtBox: Float64Array, dtIdx: ArrayLike<number>, D: number,
  gtBox: Float64Array, gtIdx: ArrayLike<number>, G: number,
  crowd: Uint8Array, out: Float64Array,
): void {
  for (let g = 0; g < G; g++) {
    const gi = 4 * gtIdx[g];
    const gx = gtBox[gi], gy = gtBox[gi + 1], gw = gtBox[gi + 2], gh = gtBox[gi + 3];
    const ga = gw * gh;
    const isCrowd = crowd[gtIdx[g]] !== 0;
    for (let d = 0; d < D; d++) {
      const di = 4 * dtIdx[d];
      const dx = dtBox[di], dy = dtBox[di + 1], dw = dtBox[di + 2], dh = dtBox[di + 3];
      out[d * G + g] = 0;
      // Same operations in the same order as maskApi.c, so the doubles agree bit for bit.
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const inter = w * h;
      const da = dw * dh;
      out[d * G + g] = inter / (isCrowd ? da : da + ga - inter);
    }
  }
}
