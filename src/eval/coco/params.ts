/**
 * COCO bbox evaluation parameters, with the exact floating-point values pycocotools uses.
 *
 * pycocotools builds its thresholds with `np.linspace`, which computes `i * step + start` and then
 * overwrites the last element with `stop`. Those values are not the decimal literals (for example
 * `iouThrs[8]` is 0.8999999999999999 and `recThrs[35]` is 0.35000000000000003), and the recall
 * thresholds feed a `searchsorted`, so using `i / 100` instead moves the metrics by up to ~1e-4.
 */

/** `np.linspace(start, stop, num)` reproduced bit for bit: `i * ((stop - start) / (num - 1)) + start`, last = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** An area range in pixels² (closed at both ends, as pycocotools compares with `<` / `>`), with its label. */
export interface AreaRange {
  label: string;
  lo: number;
  hi: number;
}

/** Everything `COCOeval.params` holds for `iouType='bbox'` that changes the numbers. */
export interface CocoParams {
  /** IoU thresholds, ascending (T values). */
  iouThrs: Float64Array;
  /** Recall thresholds at which precision is sampled, ascending (R values). */
  recThrs: Float64Array;
  /** Detection caps per image and per category, ascending (M values); the last one bounds everything. */
  maxDets: number[];
  /** Area ranges (A values); the first must be `all` for the per-category numbers. */
  areaRanges: AreaRange[];
}

/** pycocotools' defaults: IoU 0.50:0.05:0.95, 101 recall points, maxDets 1/10/100, all/small/medium/large. */
export function defaultCocoParams(): CocoParams {
  return {
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRanges: [
      { label: 'all', lo: 0 ** 2, hi: 1e5 ** 2 },
      { label: 'small', lo: 0 ** 2, hi: 32 ** 2 },
      { label: 'medium', lo: 32 ** 2, hi: 96 ** 2 },
      { label: 'large', lo: 96 ** 2, hi: 1e5 ** 2 },
    ],
  };
}
