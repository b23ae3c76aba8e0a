/**
 * Minimal line plots for the run folder: each panel draws its series against a shared x axis, as
 * SVG rendered to PNG by sharp. Kept to one file so it can give way to src/eval/plot.ts.
 */
import sharp from 'sharp';

export interface Series { name: string; y: number[] }
export interface Panel { title: string; series: Series[] }

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(3));

function panelSvg(x: number[], p: Panel, ox: number, w: number, h: number, xLabel: string): string {
  const m = { l: 60, r: 12, t: 28, b: 40 };
  const ys = p.series.flatMap((s) => s.y).filter(Number.isFinite);
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 1;
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x0 = Math.min(...x);
  const x1 = Math.max(...x) === x0 ? x0 + 1 : Math.max(...x);
  const px = (v: number) => ox + m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const py = (v: number) => m.t + (1 - (v - lo) / (hi - lo)) * (h - m.t - m.b);
  const out: string[] = [];
  out.push(`<rect x="${ox + m.l}" y="${m.t}" width="${w - m.l - m.r}" height="${h - m.t - m.b}" fill="white" stroke="#888"/>`);
  out.push(`<text x="${ox + w / 2}" y="18" font-size="14" text-anchor="middle" font-family="sans-serif">${esc(p.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    out.push(`<line x1="${ox + m.l}" x2="${ox + w - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
    out.push(`<text x="${ox + m.l - 4}" y="${py(v) + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${fmt(v)}</text>`);
  }
  for (const v of [x0, (x0 + x1) / 2, x1]) out.push(`<text x="${px(v)}" y="${h - m.b + 16}" font-size="11" text-anchor="middle" font-family="sans-serif">${fmt(v)}</text>`);
  out.push(`<text x="${ox + w / 2}" y="${h - 6}" font-size="12" text-anchor="middle" font-family="sans-serif">${esc(xLabel)}</text>`);
  p.series.forEach((s, k) => {
    const c = COLOURS[k % COLOURS.length];
    const pts = x.map((xv, i) => [xv, s.y[i]!] as const).filter(([, y]) => Number.isFinite(y));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) out.push(`<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="2.5" fill="${c}"/>`);
    out.push(`<text x="${ox + w - m.r - 6}" y="${m.t + 16 + 14 * k}" font-size="11" text-anchor="end" fill="${c}" font-family="sans-serif">${esc(s.name)}</text>`);
  });
  return out.join('');
}

/** Renders the panels side by side as one PNG. */
export async function curvesPng(x: number[], panels: Panel[], xLabel: string): Promise<Buffer> {
  const w = 480;
  const h = 320;
  const total = w * Math.max(1, panels.length);
  const body = panels.map((p, i) => panelSvg(x, p, i * w, w, h, xLabel)).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${h}"><rect width="100%" height="100%" fill="#fafafa"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
