/**
 * Detections drawn on an image: a box per detection in its class colour, with a label
 * "name 0.87" on a filled tag. The overlay is an SVG composited by sharp.
 */
import sharp from 'sharp';
import { classColor, escapeXml, FONT } from './color.js';

/** One detection to draw. */
export interface DrawnDetection {
  /** `[x1, y1, x2, y2]` in pixels of the (EXIF-oriented) image. */
  box: [number, number, number, number];
  /** Class name shown on the tag. */
  label: string;
  score: number;
  /** Picks the colour (`classColor`); defaults to a stable hash of the label. */
  classIndex?: number;
}

export interface DrawOptions {
  /** Output encoding (default png). */
  format?: 'png' | 'jpeg';
  /** Box line width in px (default: ~0.3% of the image's longer side, at least 2). */
  lineWidth?: number;
  /** Label font size in px (default: scales with the image, 12..28). */
  fontSize?: number;
}

function hashIndex(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h % 64;
}

/** The SVG overlay for an image of size w×h. */
export function detectionsSvg(w: number, h: number, dets: readonly DrawnDetection[], opts: DrawOptions = {}): string {
  const lw = opts.lineWidth ?? Math.max(2, Math.round(Math.max(w, h) * 0.003));
  const fs = opts.fontSize ?? Math.max(12, Math.min(28, Math.round(Math.max(w, h) / 45)));
  const parts: string[] = [];
  // Lowest score first, so the most confident boxes end up on top.
  const order = [...dets].sort((a, b) => a.score - b.score);
  for (const d of order) {
    const color = classColor(d.classIndex ?? hashIndex(d.label));
    const [x1, y1, x2, y2] = d.box;
    if (![x1, y1, x2, y2].every(Number.isFinite)) continue;
    parts.push(`<rect x="${x1}" y="${y1}" width="${Math.max(0, x2 - x1)}" height="${Math.max(0, y2 - y1)}" fill="none" stroke="${color}" stroke-width="${lw}"/>`);
    const text = `${d.label} ${d.score.toFixed(2)}`;
    const tw = text.length * fs * 0.62 + 8, th = fs * 1.35;
    const tx = Math.min(Math.max(0, x1 - lw / 2), Math.max(0, w - tw));
    const ty = y1 - th >= 0 ? y1 - th : Math.min(h - th, y1); // above the box, inside it at the top edge
    parts.push(`<rect x="${tx}" y="${ty}" width="${tw}" height="${th}" fill="${color}"/>`);
    parts.push(`<text x="${tx + 4}" y="${ty + th * 0.74}" font-size="${fs}" font-family="${FONT}" fill="white" stroke="black" stroke-width="0.6" paint-order="stroke">${escapeXml(text)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
}

/**
 * Draws detections on an image (a path or encoded bytes) and returns the encoded picture. The
 * image is EXIF-oriented first, so boxes refer to what a viewer shows.
 */
export async function drawDetections(image: string | Buffer, dets: readonly DrawnDetection[], opts: DrawOptions = {}): Promise<Buffer> {
  const { data, info } = await sharp(image).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const svg = detectionsSvg(info.width, info.height, dets, opts);
  const out = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return opts.format === 'jpeg' ? out.jpeg({ quality: 92 }).toBuffer() : out.png().toBuffer();
}
