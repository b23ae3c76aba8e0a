/**
 * Precision-recall curves as PNG: all classes with the overall (mean) curve on one plot, and a
 * grid with one small panel per class.
 */
import type { CocoEvaluation } from './coco/evaluate.js';
import { classColor, escapeXml, FONT } from './color.js';
import { plotFragment, svgToPng, type Series } from './plot.js';
import type { VocReport } from './voc/evaluate.js';

/** One class's curve: `precision[i]` at `recall[i]`, and its AP for the label. */
export interface PrCurve { name: string; recall: ArrayLike<number>; precision: ArrayLike<number>; ap?: number }

const label = (c: PrCurve) => (c.ap === undefined ? c.name : `${c.name} (AP ${c.ap.toFixed(3)})`);

/**
 * COCO curves at one IoU threshold (default 0.5), area `all`, largest maxDets: precision at the
 * 101 recall thresholds per category with ground truth. `overall` is the mean over those categories.
 */
export function cocoPrCurves(e: CocoEvaluation, iouThr = 0.5): { perClass: PrCurve[]; overall: PrCurve } {
  const [T, R, K, A, M] = e.shape;
  let t = Array.from(e.params.iouThrs).findIndex((v) => Math.abs(v - iouThr) < 1e-9);
  if (t < 0) t = 0;
  const m = M - 1;
  const perClass: PrCurve[] = [];
  const sum = new Float64Array(R);
  for (let k = 0; k < K; k++) {
    const p = new Float64Array(R);
    for (let r = 0; r < R; r++) p[r] = e.precision[(((t * R + r) * K + k) * A + 0) * M + m];
    if (p[0] < 0) continue; // no ground truth: no curve
    perClass.push({ name: e.categoryNames[k], recall: e.params.recThrs, precision: p, ap: p.reduce((a, b) => a + b, 0) / R });
    for (let r = 0; r < R; r++) sum[r] += p[r];
  }
  const mean = sum.map((v) => v / Math.max(1, perClass.length));
  void T;
  return { perClass, overall: { name: `mean of ${perClass.length} classes`, recall: e.params.recThrs, precision: mean, ap: mean.reduce((a, b) => a + b, 0) / R } };
}

/**
 * VOC curves: each class's raw curve (one point per detection), and as `overall` the mean over
 * classes of the interpolated precision (max precision at recall ≥ r) at r = 0, 0.01, …, 1.
 */
export function vocPrCurves(report: VocReport): { perClass: PrCurve[]; overall: PrCurve } {
  const grid = Float64Array.from({ length: 101 }, (_, i) => i / 100);
  const sum = new Float64Array(101);
  const perClass: PrCurve[] = [];
  for (const [name, r] of report.perClass) {
    if (r.ap === null) continue;
    perClass.push({ name, recall: r.recall, precision: r.precision, ap: r.ap });
    for (let g = 0; g < 101; g++) {
      let best = 0;
      for (let i = 0; i < r.recall.length; i++) if (r.recall[i] >= grid[g] && r.precision[i] > best) best = r.precision[i];
      sum[g] += best;
    }
  }
  const mean = sum.map((v) => v / Math.max(1, perClass.length));
  return { perClass, overall: { name: `mean of ${perClass.length} classes`, recall: grid, precision: mean, ap: report.mAP ?? undefined } };
}

/**
 * All classes on one plot (thin, palette colours) with the overall curve (thick, black).
 * The legend lists every class up to 12 of them, otherwise only the overall curve.
 */
export async function prCurvesPng(perClass: readonly PrCurve[], overall: PrCurve | undefined, opts: { title?: string; width?: number; height?: number } = {}): Promise<Buffer> {
  const many = perClass.length > 12;
  const series: Series[] = perClass.map((c, i) => ({
    name: label(c), x: c.recall, y: c.precision, color: classColor(i), width: many ? 1 : 1.6, markers: false, hideInLegend: many,
  }));
  if (overall) series.push({ name: label(overall), x: overall.recall, y: overall.precision, color: '#111', width: 3.5, markers: false });
  const w = opts.width ?? 800, h = opts.height ?? 600;
  const body = plotFragment(series, { title: opts.title ?? 'Precision-recall', xLabel: 'recall', yLabel: 'precision', xRange: [0, 1], yRange: [0, 1.02], legend: 'bottom-left' }, w, h);
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`);
}

/** One small panel per class, `columns` wide (default: about square), each titled with the class and its AP. */
export async function prGridPng(perClass: readonly PrCurve[], opts: { title?: string; columns?: number; panel?: [number, number] } = {}): Promise<Buffer> {
  const n = Math.max(1, perClass.length);
  const cols = opts.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const [pw, ph] = opts.panel ?? [300, 230];
  const head = opts.title ? 40 : 0;
  const W = cols * pw, H = rows * ph + head;
  const parts = perClass.map((c, i) => {
    const x = (i % cols) * pw, y = head + Math.floor(i / cols) * ph;
    const body = plotFragment([{ name: c.name, x: c.recall, y: c.precision, color: classColor(i), markers: false, width: 2 }],
      { title: label(c), xLabel: 'recall', yRange: [0, 1.02], xRange: [0, 1], legend: 'none' }, pw, ph, 0.8);
    return `<g transform="translate(${x},${y})">${body}</g>`;
  });
  const title = opts.title ? `<text x="${W / 2}" y="27" text-anchor="middle" font-size="20" font-weight="bold" font-family="${FONT}">${escapeXml(opts.title)}</text>` : '';
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="white"/>${title}${parts.join('')}</svg>`);
}
