/**
 * Pascal VOC average precision for one class, with the devkit's matching and both AP rules.
 */
import type { VocAnnotation } from './annotations.js';
import type { VocDetection } from './results.js';

/** `07`: VOC2007 11-point interpolated AP; `all`: VOC2010+ area under the precision envelope. */
export type VocMetric = '07' | 'all';

/** One class's outcome: AP and the raw precision/recall curve (one point per detection, score order). */
export interface VocClassResult {
  /** AP in [0, 1], or null when the class has no non-difficult ground truth (recall undefined). */
  ap: number | null;
  /** Non-difficult ground-truth objects. */
  npos: number;
  recall: Float64Array;
  precision: Float64Array;
  tp: number;
  fp: number;
}

/** VOC overlap: boxes `[x1, y1, x2, y2]` in inclusive pixels (width `x2 - x1 + 1`). 0 when disjoint. */
export function vocIou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const ua = (a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter;
  return inter / ua;
}

/**
 * The VOC2007 11-point recall thresholds as the Python reference takes them: py-faster-rcnn's
 * `voc_eval` (also shipped by mmdetection and detectron2) iterates `np.arange(0., 1.1, 0.1)`, whose
 * values are `k * 0.1` in doubles: 0.30000000000000004, 0.6000000000000001 and 0.7000000000000001
 * sit just above 3/10, 6/10 and 7/10, so a recall of exactly 3/10 does not reach the 4th threshold.
 * (MATLAB's VOCevaldet uses `0:0.1:1`, whose values are the doubles nearest k/10; APs of the two
 * differ by up to 1/11 when recall lands exactly on a tenth. We follow the Python reference, which
 * is what published PyTorch numbers come from.)
 */
export const VOC07_THRESHOLDS: readonly number[] = Array.from({ length: 11 }, (_, k) => k * 0.1);

/**
 * AP from a precision/recall curve (points in detection order).
 * `07`: sum over the 11 `VOC07_THRESHOLDS` t of (the highest precision at recall ≥ t, 0 if none) / 11,
 * added in threshold order as the reference does.
 * `all`: precision made monotone from the right, integrated over recall where recall changes.
 */
export function vocApFromCurve(recall: Float64Array, precision: Float64Array, metric: VocMetric): number {
  const n = recall.length;
  if (metric === '07') {
    let ap = 0;
    for (const t of VOC07_THRESHOLDS) {
      let p = 0;
      for (let i = 0; i < n; i++) if (recall[i] >= t && precision[i] > p) p = precision[i];
      ap += p / 11;
    }
    return ap;
  }
  const mrec = new Float64Array(n + 2), mpre = new Float64Array(n + 2);
  mrec.set(recall, 1);
  mrec[n + 1] = 1;
  mpre.set(precision, 1);
  for (let i = n; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i <= n + 1; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

/**
 * Evaluates one class with the devkit's rules: detections in descending score (ties keep file
 * order); each is assigned to the ground truth of that class in its image with the highest
 * overlap (difficult ones included; first on ties); overlap above 0.5 is needed. Assigned to a
 * difficult object: neither TP nor FP. Assigned to an object already found: FP (no fallback to the
 * next best). Recall is over non-difficult objects; precision 0/0 (only difficult matches so far) is 0.
 *
 * @param gt annotations per image id; only objects named `className` are used
 * @param dets this class's detections; every image id must be in `gt` (checked by the caller)
 */
export function evaluateVocClass(gt: ReadonlyMap<string, VocAnnotation>, className: string, dets: readonly VocDetection[], metric: VocMetric, minOverlap = 0.5): VocClassResult {
  const perImage = new Map<string, { boxes: VocAnnotation['objects']; found: Uint8Array }>();
  let npos = 0;
  for (const [id, ann] of gt) {
    const boxes = ann.objects.filter((o) => o.name === className);
    for (const o of boxes) if (!o.difficult) npos++;
    perImage.set(id, { boxes, found: new Uint8Array(boxes.length) });
  }
  const order = dets.map((_, i) => i).sort((a, b) => dets[b].score - dets[a].score || a - b);
  const recall = new Float64Array(order.length), precision = new Float64Array(order.length);
  let tp = 0, fp = 0;
  order.forEach((di, k) => {
    const d = dets[di];
    const img = perImage.get(d.imageId);
    let best = -Infinity, jmax = -1;
    if (img) {
      img.boxes.forEach((o, j) => {
        const ov = vocIou(d.box, o.box);
        if (ov > best) { best = ov; jmax = j; }
      });
    }
    if (jmax >= 0 && best > minOverlap) {
      if (!img!.boxes[jmax].difficult) {
        if (!img!.found[jmax]) { tp++; img!.found[jmax] = 1; } else fp++;
      }
    } else fp++;
    recall[k] = tp / npos;
    precision[k] = tp + fp === 0 ? 0 : tp / (tp + fp);
  });
  return { ap: npos === 0 ? null : vocApFromCurve(recall, precision, metric), npos, recall, precision, tp, fp };
}
