// Makes the README's two pictures from a demo run folder (`denet demo --output DIR`):
//   node --import tsx scripts/readme-pictures.ts DIR
// docs/images/demo-detections.png: four of DIR/predict/images/*.png in a 2×2 grid;
// docs/images/demo-training.png: DIR/train/results.png scaled to 640 px wide. Both are
// palette PNGs of a few tens of KB.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../src/util/fs.js';

const [run] = process.argv.slice(2);
if (!run) {
  console.error('usage: node --import tsx scripts/readme-pictures.ts DEMO_RUN_FOLDER');
  process.exit(2);
}
const OUT = new URL('../docs/images/', import.meta.url).pathname;
const TILE = 192;
const png = (s: sharp.Sharp) => s.png({ palette: true, colours: 64, compressionLevel: 9, effort: 10 }).toBuffer();

const images = join(run, 'predict', 'images');
const files = readdirSync(images).filter((f) => f.endsWith('.png')).sort().slice(0, 4);
if (files.length < 4) throw new Error(`${images}: need 4 pictures, found ${files.length}`);
const tiles = await Promise.all(files.map((f) => sharp(join(images, f)).resize(TILE, TILE, { fit: 'contain', background: 'white' }).png().toBuffer()));
const grid = sharp({ create: { width: 2 * TILE + 4, height: 2 * TILE + 4, channels: 3, background: 'white' } })
  .composite(tiles.map((input, i) => ({ input, left: (i % 2) * (TILE + 4), top: Math.floor(i / 2) * (TILE + 4) })));
writeFileAtomic(join(OUT, 'demo-detections.png'), await png(sharp(await grid.png().toBuffer())));
writeFileAtomic(join(OUT, 'demo-training.png'), await png(sharp(join(run, 'train', 'results.png')).resize({ width: 640 })));
console.log(`wrote ${OUT}demo-detections.png and ${OUT}demo-training.png from ${files.join(', ')}`);
