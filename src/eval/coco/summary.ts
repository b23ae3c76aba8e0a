/**
 * The 12 standard COCO numbers and pycocotools' printed summary, from an accumulated evaluation.
 */
import { numpyMean } from '../util/numpy-sum.js';
import type { CocoEvaluation } from './evaluate.js';

/** Names of the 12 standard numbers, in pycocotools' `stats` order. */
export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export type CocoStatName = (typeof COCO_STAT_NAMES)[number];
export type CocoStats = Record<CocoStatName, number>;

interface StatDef { ap: boolean; iouThr?: number; area: string; maxDets: number }
const DEFS: StatDef[] = [
  { ap: true, area: 'all', maxDets: 100 },
  { ap: true, iouThr: 0.5, area: 'all', maxDets: 100 },
  { ap: true, iouThr: 0.75, area: 'all', maxDets: 100 },
  { ap: true, area: 'small', maxDets: 100 },
  { ap: true, area: 'medium', maxDets: 100 },
  { ap: true, area: 'large', maxDets: 100 },
  { ap: false, area: 'all', maxDets: 1 },
  { ap: false, area: 'all', maxDets: 10 },
  { ap: false, area: 'all', maxDets: 100 },
  { ap: false, area: 'small', maxDets: 100 },
  { ap: false, area: 'medium', maxDets: 100 },
  { ap: false, area: 'large', maxDets: 100 },
];

/** Mean of the entries > -1 (pycocotools' `np.mean(s[s > -1])`), or -1 when there are none. */
function meanDefined(values: number[]): number {
  return values.length === 0 ? -1 : numpyMean(values);
}

/**
 * One summary number: the mean of precision (AP) or recall (AR) over the selected IoU
 * thresholds (all, or the one equal to `iouThr`), recall thresholds and categories, at one area
 * range and detection cap, skipping -1 entries. Entries are visited in C order, as NumPy does.
 * A label or cap not in the parameters gives -1.
 */
function summarizeOne(e: CocoEvaluation, def: StatDef, categories?: number[]): number {
  const [T, R, K, A, M] = e.shape;
  const a = e.params.areaRanges.findIndex((r) => r.label === def.area);
  const m = e.params.maxDets.indexOf(def.maxDets);
  if (a < 0 || m < 0) return -1;
  const ts: number[] = [];
  for (let t = 0; t < T; t++) if (def.iouThr === undefined || e.params.iouThrs[t] === def.iouThr) ts.push(t);
  const ks = categories ?? Array.from({ length: K }, (_, k) => k);
  const vals: number[] = [];
  for (const t of ts) {
    if (def.ap) {
      for (let r = 0; r < R; r++) {
        for (const k of ks) {
          const v = e.precision[(((t * R + r) * K + k) * A + a) * M + m];
          if (v > -1) vals.push(v);
        }
      }
    } else {
      for (const k of ks) {
        const v = e.recall[((t * K + k) * A + a) * M + m];
        if (v > -1) vals.push(v);
      }
    }
  }
  return meanDefined(vals);
}

/** The 12 standard numbers (pycocotools `COCOeval.stats`), -1 where undefined. */
export function cocoStats(e: CocoEvaluation): CocoStats {
  const out = {} as CocoStats;
  DEFS.forEach((d, i) => (out[COCO_STAT_NAMES[i]] = summarizeOne(e, d)));
  return out;
}

/** AP@[.50:.95] and AP50 of one category at area `all`, maxDets 100; -1 when it has no ground truth. */
export interface CategoryAp { id: number; name: string; AP: number; AP50: number }

/** Per-category AP and AP50 (area all, the largest maxDets), in category id order. */
export function cocoPerCategory(e: CocoEvaluation): CategoryAp[] {
  const maxDets = e.params.maxDets[e.params.maxDets.length - 1];
  return Array.from(e.categoryIds, (id, k) => ({
    id,
    name: e.categoryNames[k],
    AP: summarizeOne(e, { ap: true, area: 'all', maxDets }, [k]),
    AP50: summarizeOne(e, { ap: true, iouThr: 0.5, area: 'all', maxDets }, [k]),
  }));
}

/**
 * Python's `'{:0.Nf}'.format(x)`: like `toFixed`, but an exact tie rounds half to even (Python
 * prints 0.0625 as 0.062 where JavaScript's toFixed gives 0.063).
 */
export function pyFixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const tail = exact.slice(exact.indexOf('.') + 1 + digits);
  if (!/^50*$/.test(tail)) return s;
  // Exact tie: toFixed rounded away from zero; Python keeps the truncation when its last digit is even.
  const truncated = exact.slice(0, exact.indexOf('.') + (digits > 0 ? 1 + digits : 0));
  return Number(truncated[truncated.length - 1]) % 2 === 0 ? (x < 0 ? '-' : '') + truncated : s;
}

/** pycocotools' 12-line summary, e.g. ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505`. */
export function formatCocoSummary(stats: CocoStats, iouRange: [number, number] = [0.5, 0.95]): string {
  return DEFS.map((d, i) => {
    const title = d.ap ? 'Average Precision' : 'Average Recall';
    const type = d.ap ? '(AP)' : '(AR)';
    const iou = d.iouThr === undefined ? `${pyFixed(iouRange[0], 2)}:${pyFixed(iouRange[1], 2)}` : pyFixed(d.iouThr, 2);
    return ` ${title.padEnd(18)} ${type} @[ IoU=${iou.padEnd(9)} | area=${d.area.padStart(6)} | maxDets=${String(d.maxDets).padStart(3)} ] = ${pyFixed(stats[COCO_STAT_NAMES[i]], 3)}`;
  }).join('\n');
}
