/**
 * COCO bbox evaluation: the numbers pycocotools' `COCOeval(gt, dt, 'bbox')` computes in
 * `evaluate()` + `accumulate()`, on typed arrays.
 *
 * Layout: ground truth and detections are bucketed by cell key `k * I + i` (category-major, then
 * image in ascending id order) with counting sorts that keep file order inside a cell; each
 * cell's detections are stably sorted by score and cut to the largest maxDets; every kept
 * detection gets one outcome byte per (area range, IoU threshold). Accumulation then walks each
 * category's detections once per (area, maxDets, threshold).
 */
import { accumulateCategory, AccumulateScratch } from './accumulate.js';
import type { CocoDetections, CocoGroundTruth } from './dataset.js';
import { bboxIou } from './iou.js';
import { matchCell, MatchScratch } from './match.js';
import { defaultCocoParams, type CocoParams } from './params.js';

/** The accumulated evaluation, shaped like pycocotools' `COCOeval.eval`. */
export interface CocoEvaluation {
  params: CocoParams;
  categoryIds: Float64Array;
  categoryNames: string[];
  /** T×R×K×A×M row-major; -1 where a category has no non-ignored ground truth in that area range. */
  precision: Float64Array;
  /** T×K×A×M row-major; -1 likewise. */
  recall: Float64Array;
  /** Dimensions of `precision`: [T, R, K, A, M]. */
  shape: [number, number, number, number, number];
  /** Warnings carried from loading (counted skips). */
  warnings: string[];
}

/** Stable sort of `idx[lo..hi)` by `score` descending (insertion sort for small runs). */
function sortByScoreDesc(idx: Uint32Array, lo: number, hi: number, score: Float64Array): void {
  const n = hi - lo;
  if (n < 2) return;
  if (n <= 48) {
    for (let i = lo + 1; i < hi; i++) {
      const v = idx[i], sv = score[v];
      let j = i - 1;
      while (j >= lo && score[idx[j]] < sv) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = v;
    }
    return;
  }
  // Indices within a cell are ascending (file order), so an index tie-break makes the sort stable.
  idx.subarray(lo, hi).sort((x, y) => score[y] - score[x] || x - y);
}

/** Counting sort of items by key into `start` (length nKeys+1) and `out`, keeping input order per key. */
function bucket(keys: Uint32Array, nKeys: number): { start: Uint32Array; out: Uint32Array } {
  const start = new Uint32Array(nKeys + 1);
  for (let i = 0; i < keys.length; i++) start[keys[i] + 1]++;
  for (let b = 0; b < nKeys; b++) start[b + 1] += start[b];
  const fill = start.slice(0, nKeys);
  const out = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[fill[keys[i]]++] = i;
  return { start, out };
}

/**
 * Evaluates detections against ground truth over all images and categories of the ground truth.
 * Equal to pycocotools `COCOeval` with `iouType='bbox'` and default `imgIds`/`catIds`.
 */
export function evaluateCoco(gt: CocoGroundTruth, dt: CocoDetections, params: CocoParams = defaultCocoParams()): CocoEvaluation {
  const p = params;
  const I = gt.imageIds.length, K = gt.categoryIds.length;
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRanges.length, M = p.maxDets.length;
  const maxDetLast = p.maxDets[M - 1];
  const nCells = K * I;

  // --- bucket ground truth and detections by cell ---------------------------------------------
  const gtKey = new Uint32Array(gt.count);
  for (let i = 0; i < gt.count; i++) gtKey[i] = gt.category[i] * I + gt.image[i];
  const G = bucket(gtKey, nCells);
  const dtKey = new Uint32Array(dt.count);
  for (let i = 0; i < dt.count; i++) dtKey[i] = dt.category[i] * I + dt.image[i];
  const Dall = bucket(dtKey, nCells);

  // Per cell: sort by score (stable), keep the first maxDetLast; compact into `kept`.
  const keptStart = new Uint32Array(nCells + 1);
  let nKept = 0;
  for (let c = 0; c < nCells; c++) {
    const lo = Dall.start[c], hi = Dall.start[c + 1];
    sortByScoreDesc(Dall.out, lo, hi, dt.score);
    nKept += Math.min(hi - lo, maxDetLast);
    keptStart[c + 1] = nKept;
  }
  const kept = new Uint32Array(nKept);
  const rank = new Uint32Array(nKept);
  const keptScore = new Float64Array(nKept);
  for (let c = 0; c < nCells; c++) {
    const lo = Dall.start[c], n = keptStart[c + 1] - keptStart[c];
    for (let r = 0; r < n; r++) {
      const pos = keptStart[c] + r;
      kept[pos] = Dall.out[lo + r];
      rank[pos] = r;
      keptScore[pos] = dt.score[kept[pos]];
    }
  }

  // --- match every non-empty cell ---------------------------------------------------------------
  const status = new Uint8Array(A * T * nKept);
  const npig = new Float64Array(K * A);
  const ms = new MatchScratch();
  let ious = new Float64Array(256);
  let gtArea = new Float64Array(16), gtId = new Float64Array(16), gtCrowd = new Uint8Array(16);
  let dtArea = new Float64Array(maxDetLast);
  for (let c = 0; c < nCells; c++) {
    const g0 = G.start[c], nG = G.start[c + 1] - g0;
    const d0 = keptStart[c], nD = keptStart[c + 1] - d0;
    if (nG === 0 && nD === 0) continue;
    if (nG > gtArea.length) {
      gtArea = new Float64Array(2 * nG); gtId = new Float64Array(2 * nG); gtCrowd = new Uint8Array(2 * nG);
    }
    for (let j = 0; j < nG; j++) {
      const g = G.out[g0 + j];
      gtArea[j] = gt.area[g]; gtId[j] = gt.id[g]; gtCrowd[j] = gt.crowd[g];
    }
    if (nD > dtArea.length) dtArea = new Float64Array(nD);
    for (let d = 0; d < nD; d++) {
      const b = 4 * kept[d0 + d];
      dtArea[d] = dt.box[b + 2] * dt.box[b + 3];
    }
    if (nD * nG > ious.length) ious = new Float64Array(Math.max(nD * nG, 2 * ious.length));
    bboxIou(dt.box, kept.subarray(d0, d0 + nD), nD, gt.box, G.out.subarray(g0, g0 + nG), nG, gt.crowd, ious);
    matchCell(p, nD, nG, ious, gtArea, gtCrowd, gtId, dtArea, status, nKept, d0, npig, (c / I | 0) * A, ms);
  }

  // --- accumulate per category ------------------------------------------------------------------
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const as = new AccumulateScratch();
  for (let k = 0; k < K; k++) {
    const lo = keptStart[k * I], hi = keptStart[(k + 1) * I];
    const order = new Uint32Array(hi - lo);
    for (let i = 0; i < order.length; i++) order[i] = lo + i;
    // Positions are already in image order then rank, so a position tie-break is pycocotools' stable sort.
    order.sort((x, y) => keptScore[y] - keptScore[x] || x - y);
    accumulateCategory(p, k, K, order, rank, status, nKept, npig, precision, recall, as);
  }
  return {
    params: p, categoryIds: gt.categoryIds, categoryNames: gt.categoryNames, precision, recall,
    shape: [T, R, K, A, M], warnings: [...gt.warnings, ...dt.warnings],
  };
}
