/**
 * A confusion matrix as PNG: rows are true classes, columns predicted classes; each cell is
 * shaded by its share of the row (recall-normalised) and shows the count when cells are large enough.
 */
import { escapeXml, FONT } from './color.js';
import { svgToPng } from './plot.js';

/** White → dark blue for v ∈ [0, 1]. */
function shade(v: number): string {
  const t = Math.max(0, Math.min(1, v));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

/**
 * Renders a C×C confusion matrix (`confusion[true * C + predicted]`, as `classificationMetrics`
 * returns) with class names on both axes. Cell size adapts to C (48 px for few classes, down to
 * 6 px); counts are printed in cells of 22 px and more; names are shown while cells are ≥ 9 px.
 */
export async function confusionMatrixPng(confusion: ArrayLike<number>, classNames: readonly string[], opts: { title?: string } = {}): Promise<Buffer> {
  const C = classNames.length;
  if (confusion.length !== C * C) throw new RangeError(`confusion has ${confusion.length} cells but ${C} class names need ${C * C}`);
  const cell = Math.max(6, Math.min(48, Math.floor(900 / Math.max(1, C))));
  const names = cell >= 9;
  const maxName = names ? Math.min(24, Math.max(...classNames.map((n) => n.length), 1)) : 0;
  const nameFont = Math.min(13, cell * 0.8);
  const nameSpace = names ? maxName * nameFont * 0.62 + 12 : 10;
  const top = (opts.title ? 44 : 12) + nameSpace + 18, left = nameSpace + 34;
  const W = Math.ceil(left + C * cell + 90), H = Math.ceil(top + C * cell + 16);
  const short = (s: string) => (s.length > 24 ? s.slice(0, 23) + '…' : s);
  const out: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  const text = `font-family="${FONT}" fill="#222"`;
  if (opts.title) out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold" ${text}>${escapeXml(opts.title)}</text>`);
  out.push(`<text x="${left + (C * cell) / 2}" y="${top - nameSpace - 6}" text-anchor="middle" font-size="13" ${text}>predicted</text>`);
  out.push(`<text transform="translate(${16},${top + (C * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="13" ${text}>true</text>`);
  for (let t = 0; t < C; t++) {
    let rowSum = 0;
    for (let p = 0; p < C; p++) rowSum += confusion[t * C + p];
    for (let p = 0; p < C; p++) {
      const n = confusion[t * C + p];
      const v = rowSum ? n / rowSum : 0;
      const x = left + p * cell, y = top + t * cell;
      out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(v)}" stroke="#ddd" stroke-width="0.5"/>`);
      if (cell >= 22 && n > 0) {
        const fsz = Math.min(13, cell / Math.max(2.2, String(n).length * 0.75));
        out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + fsz * 0.35}" text-anchor="middle" font-size="${fsz.toFixed(1)}" font-family="${FONT}" fill="${v > 0.5 ? 'white' : '#222'}">${n}</text>`);
      }
    }
    if (names) {
      out.push(`<text x="${left - 6}" y="${top + t * cell + cell / 2 + nameFont * 0.35}" text-anchor="end" font-size="${nameFont.toFixed(1)}" ${text}>${escapeXml(short(classNames[t]))}</text>`);
      out.push(`<text transform="translate(${left + t * cell + cell / 2 + nameFont * 0.35},${top - 6}) rotate(-90)" font-size="${nameFont.toFixed(1)}" ${text}>${escapeXml(short(classNames[t]))}</text>`);
    }
  }
  out.push(`<rect x="${left}" y="${top}" width="${C * cell}" height="${C * cell}" fill="none" stroke="#888"/>`);
  // Colour bar: share of the true class's samples.
  const bx = left + C * cell + 24, bh = Math.min(200, C * cell);
  for (let i = 0; i < 20; i++) out.push(`<rect x="${bx}" y="${top + bh - ((i + 1) * bh) / 20}" width="14" height="${bh / 20 + 0.5}" fill="${shade((i + 0.5) / 20)}"/>`);
  out.push(`<rect x="${bx}" y="${top}" width="14" height="${bh}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${bx + 18}" y="${top + 10}" font-size="11" ${text}>100%</text><text x="${bx + 18}" y="${top + bh}" font-size="11" ${text}>0%</text>`);
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${out.join('\n')}</svg>`);
}
