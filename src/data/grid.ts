/**
 * Renders a batch as a picture grid with boxes and class names (like Ultralytics'
 * `train_batch*.jpg`): tiles from the CHW float pixels, boxes and labels as an SVG overlay.
 */
import sharp from 'sharp';
import { IMAGENET_MEAN } from '../runtime/convert.js';
import type { ArrayBatch } from './types.js';

const COLOURS = ['#ff3838', '#2c99a8', '#ff9d97', '#ff701f', '#ffb21d', '#cfd231', '#48f90a', '#92cc17', '#3ddb86', '#1a9334', '#00d4bb', '#00c2ff', '#344593', '#6473ff', '#0018ec', '#8438ff', '#520085', '#cb38ff', '#ff95c8', '#ff37c7'];

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Encodes `batch` as a grid image (format from `file`'s extension: .jpg or .png) and returns the bytes. */
export async function renderGrid(batch: ArrayBatch, classNames: string[], format: 'jpeg' | 'png', subtractMean = false): Promise<Buffer> {
  const [B, C, H, W] = batch.shape;
  const cols = Math.ceil(Math.sqrt(B));
  const rows = Math.ceil(B / cols);
  const GW = cols * W, GH = rows * H;
  const rgb = Buffer.alloc(GW * GH * 3, 114);
  const plane = H * W;
  for (let i = 0; i < B; i++) {
    const ox = (i % cols) * W, oy = Math.floor(i / cols) * H;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        const cc = C === 3 ? c : 0;
        let v = batch.images[i * C * plane + cc * plane + y * W + x]!;
        if (subtractMean) v += C === 3 ? IMAGENET_MEAN[c]! : 0.449;
        rgb[((oy + y) * GW + ox + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    }
  }
  const font = Math.max(9, Math.round(Math.min(W, H) / 22));
  const parts: string[] = [];
  for (let i = 0; i < B; i++) {
    const ox = (i % cols) * W, oy = Math.floor(i / cols) * H;
    parts.push(`<rect x="${ox + 0.5}" y="${oy + 0.5}" width="${W - 1}" height="${H - 1}" fill="none" stroke="white" stroke-width="1"/>`);
    const t = batch.targets?.[i];
    if (t) {
      for (let k = 0; k < t.classes.length; k++) {
        const [x0, y0, x1, y1] = Array.from(t.boxes.subarray(4 * k, 4 * k + 4));
        const col = COLOURS[t.classes[k]! % COLOURS.length]!;
        const bx = ox + x0! * W, by = oy + y0! * H;
        const dash = t.ignore[k] ? ' stroke-dasharray="4,3"' : '';
        parts.push(`<rect x="${bx}" y="${by}" width="${(x1! - x0!) * W}" height="${(y1! - y0!) * H}" fill="none" stroke="${col}" stroke-width="2"${dash}/>`);
        const label = escape(classNames[t.classes[k]!] ?? String(t.classes[k]));
        parts.push(`<rect x="${bx}" y="${Math.max(oy, by - font - 2)}" width="${label.length * font * 0.6 + 4}" height="${font + 2}" fill="${col}"/>`);
        parts.push(`<text x="${bx + 2}" y="${Math.max(oy, by - font - 2) + font - 1}" font-family="sans-serif" font-size="${font}" fill="white">${label}</text>`);
      }
    } else if (batch.labels) {
      const label = escape(classNames[batch.labels[i]!] ?? String(batch.labels[i]));
      parts.push(`<text x="${ox + 3}" y="${oy + font + 1}" font-family="sans-serif" font-size="${font}" fill="yellow" stroke="black" stroke-width="0.4">${label}</text>`);
    }
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${GW}" height="${GH}">${parts.join('')}</svg>`);
  const img = sharp(rgb, { raw: { width: GW, height: GH, channels: 3 } }).composite([{ input: svg, top: 0, left: 0 }]);
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 92 }).toBuffer();
}
