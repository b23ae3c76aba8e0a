/** Fixture helpers for the data tests: temp folders and real images written by sharp. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'denet-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `text` to `path`, creating folders. */
export function put(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Writes an RGB image of w×h with a grey background and solid rectangles `[x0,y0,x1,y1,r,g,b]`
 * (pixel x in [x0,x1)). Format from the extension (jpg/png).
 */
export async function writeImage(path: string, w: number, h: number, rects: number[][] = [], bg = [90, 90, 90]): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) px.set(bg, i * 3);
  for (const [x0, y0, x1, y1, r, g, b] of rects) {
    for (let y = y0!; y < y1!; y++) for (let x = x0!; x < x1!; x++) px.set([r!, g!, b!], (y * w + x) * 3);
  }
  mkdirSync(dirname(path), { recursive: true });
  const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
  await (path.endsWith('.png') ? img.png() : img.jpeg({ quality: 95 })).toFile(path);
}
