/**
 * A small line-plot renderer: x/y series with a legend, axis labels and nice ticks, drawn as SVG
 * and rasterised to PNG by sharp (librsvg). Used for loss/metric curves per epoch and PR curves.
 */
import sharp from 'sharp';
import { classColor, escapeXml, FONT } from './color.js';

/** One line. Non-finite points are skipped (they break the line). */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; defaults to the series' palette colour. */
  color?: string;
  /** Stroke width in px (default 2). */
  width?: number;
  dashed?: boolean;
  /** Draw dots at the points (default: when a series has ≤ 30 points). */
  markers?: boolean;
  /** Leave out of the legend. */
  hideInLegend?: boolean;
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Image size in px (default 800×500). */
  width?: number;
  height?: number;
  /** Fixed axis ranges; default: the data's range, widened to nice ticks. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Legend position inside the plot area (default top-right); `none` hides it. */
  legend?: 'top-right' | 'bottom-left' | 'bottom-right' | 'top-left' | 'none';
}

/** Tick positions: ~`count` round steps (1, 2 or 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): { ticks: number[]; step: number } {
  if (!(hi > lo)) { const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= d; hi += d; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { ticks, step };
}

function tickLabel(v: number, step: number): string {
  if (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(1);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}

function dataRange(series: readonly Series[], axis: 'x' | 'y'): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (let i = 0; i < s[axis].length; i++) {
    const v = s[axis][i];
    if (Number.isFinite(v) && Number.isFinite(s[axis === 'x' ? 'y' : 'x'][i])) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * The plot as an SVG group of size w×h (no `<svg>` wrapper), for composing several plots.
 * `fontScale` scales every text size.
 */
export function plotFragment(series: readonly Series[], opts: PlotOptions, w: number, h: number, fontScale = 1): string {
  const fs = (n: number) => (n * fontScale).toFixed(1);
  const left = 62 * fontScale + (opts.yLabel ? 18 * fontScale : 0), right = 18 * fontScale;
  const top = (opts.title ? 36 : 14) * fontScale, bottom = (opts.xLabel ? 54 : 34) * fontScale;
  const pw = Math.max(10, w - left - right), ph = Math.max(10, h - top - bottom);
  let [x0, x1] = opts.xRange ?? dataRange(series, 'x');
  let [y0, y1] = opts.yRange ?? dataRange(series, 'y');
  if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
  if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
  const nx = Math.max(2, Math.round(pw / 90)), ny = Math.max(2, Math.round(ph / 60));
  // Data ranges widen outward to whole tick steps, so the frame starts and ends on a tick.
  if (!opts.xRange) { const st = niceTicks(x0, x1, nx).step; x0 = Math.floor(x0 / st + 1e-9) * st; x1 = Math.ceil(x1 / st - 1e-9) * st; }
  if (!opts.yRange) { const st = niceTicks(y0, y1, ny).step; y0 = Math.floor(y0 / st + 1e-9) * st; y1 = Math.ceil(y1 / st - 1e-9) * st; }
  const xt = niceTicks(x0, x1, nx);
  const yt = niceTicks(y0, y1, ny);
  const X = (v: number) => left + ((v - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => top + ph - ((v - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  const text = `font-family="${FONT}" fill="#222"`;
  out.push(`<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${left + pw / 2}" y="${24 * fontScale}" text-anchor="middle" font-size="${fs(16)}" font-weight="bold" ${text}>${escapeXml(opts.title)}</text>`);
  // Grid and ticks.
  for (const v of xt.ticks) {
    if (v < x0 - 1e-12 || v > x1 + 1e-12) continue;
    out.push(`<line x1="${X(v)}" y1="${top}" x2="${X(v)}" y2="${top + ph}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${X(v)}" y="${top + ph + 18 * fontScale}" text-anchor="middle" font-size="${fs(12)}" ${text}>${tickLabel(v, xt.step)}</text>`);
  }
  for (const v of yt.ticks) {
    if (v < y0 - 1e-12 || v > y1 + 1e-12) continue;
    out.push(`<line x1="${left}" y1="${Y(v)}" x2="${left + pw}" y2="${Y(v)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 6 * fontScale}" y="${Y(v) + 4 * fontScale}" text-anchor="end" font-size="${fs(12)}" ${text}>${tickLabel(v, yt.step)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  if (opts.xLabel) out.push(`<text x="${left + pw / 2}" y="${h - 12 * fontScale}" text-anchor="middle" font-size="${fs(13)}" ${text}>${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) out.push(`<text transform="translate(${16 * fontScale},${top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="${fs(13)}" ${text}>${escapeXml(opts.yLabel)}</text>`);
  // Lines, clipped to the plot area.
  const clip = `clip${Math.random().toString(36).slice(2, 10)}`;
  out.push(`<clipPath id="${clip}"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath><g clip-path="url(#${clip})">`);
  series.forEach((s, si) => {
    const color = s.color ?? classColor(si);
    const parts: string[] = [];
    let pen = false;
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(s.y[i])) { pen = false; continue; }
      parts.push(`${pen ? 'L' : 'M'}${X(s.x[i]).toFixed(2)},${Y(s.y[i]).toFixed(2)}`);
      pen = true;
    }
    if (parts.length) out.push(`<path d="${parts.join('')}" fill="none" stroke="${color}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6,4"' : ''}/>`);
    if (s.markers ?? n <= 30) for (let i = 0; i < n; i++) {
      if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) out.push(`<circle cx="${X(s.x[i]).toFixed(2)}" cy="${Y(s.y[i]).toFixed(2)}" r="${((s.width ?? 2) + 1.5).toFixed(1)}" fill="${color}"/>`);
    }
  });
  out.push('</g>');
  // Legend.
  const shown = series.map((s, i) => ({ s, i })).filter(({ s }) => !s.hideInLegend);
  const pos = opts.legend ?? 'top-right';
  if (pos !== 'none' && shown.length > 0) {
    const rows = shown.slice(0, 14);
    const lh = 18 * fontScale;
    const lw = Math.min(pw * 0.6, (34 + 7.2 * Math.max(...rows.map(({ s }) => s.name.length))) * fontScale);
    const lhTotal = lh * rows.length + 8 * fontScale + (shown.length > rows.length ? lh : 0);
    const lx = pos.endsWith('right') ? left + pw - lw - 8 : left + 8;
    const ly = pos.startsWith('top') ? top + 8 : top + ph - lhTotal - 8;
    out.push(`<rect x="${lx}" y="${ly}" width="${lw}" height="${lhTotal}" fill="white" fill-opacity="0.88" stroke="#bbb" rx="3"/>`);
    rows.forEach(({ s, i }, r) => {
      const yy = ly + 4 * fontScale + lh * r + lh / 2;
      const color = s.color ?? classColor(i);
      out.push(`<line x1="${lx + 6 * fontScale}" y1="${yy}" x2="${lx + 26 * fontScale}" y2="${yy}" stroke="${color}" stroke-width="${Math.max(2, s.width ?? 2)}"${s.dashed ? ' stroke-dasharray="6,4"' : ''}/>`);
      out.push(`<text x="${lx + 31 * fontScale}" y="${yy + 4 * fontScale}" font-size="${fs(12)}" ${text}>${escapeXml(s.name)}</text>`);
    });
    if (shown.length > rows.length) out.push(`<text x="${lx + 31 * fontScale}" y="${ly + 4 * fontScale + lh * rows.length + lh / 2 + 4 * fontScale}" font-size="${fs(12)}" ${text}>… ${shown.length - rows.length} more</text>`);
  }
  return out.join('\n');
}

/** The plot as a complete SVG document (default 800×500 px). */
export function linePlotSvg(series: readonly Series[], opts: PlotOptions = {}): string {
  const w = opts.width ?? 800, h = opts.height ?? 500;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">\n${plotFragment(series, opts, w, h)}\n</svg>\n`;
}

/** Rasterises an SVG document to PNG bytes with sharp. */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 }).png().toBuffer();
}

/**
 * A line plot as PNG bytes, e.g. loss per epoch:
 * `await linePlotPng([{ name: 'train', x: epochs, y: loss }], { title: 'Loss', xLabel: 'epoch', yLabel: 'loss' })`.
 */
export async function linePlotPng(series: readonly Series[], opts: PlotOptions = {}): Promise<Buffer> {
  return svgToPng(linePlotSvg(series, opts));
}
