/**
 * Converts Debian's Fashion-MNIST (/usr/share/datasets/fashion-mnist, idx.gz) into the two
 * classification layouts the toolkit reads:
 *
 *   OUT/png/{train,test}/<class>/<n>.png          → --train OUT/png/train --extension png
 *   OUT/npy/{train,test}_{data,labels}.npy         → --train OUT/npy/train --extension npy
 *
 * Usage: node --import tsx scripts/fashion-mnist.ts OUT_DIR [--limit N] [--from DIR]
 * (data [0,1] float32 (N,1,28,28), labels int32). Never commit the output.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FASHION_CLASSES, FASHION_DIR, loadFashionMnist } from '../src/data/idx.js';
import { writeNpy } from '../src/data/npy.js';

const args = process.argv.slice(2);
const out = args.find((a, i) => !a.startsWith('--') && !['--limit', '--from'].includes(args[i - 1] ?? ''));
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!out) {
  console.error('usage: node --import tsx scripts/fashion-mnist.ts OUT_DIR [--limit N] [--from DIR]');
  process.exit(2);
}
const limit = opt('--limit') ? Number(opt('--limit')) : Infinity;
const from = opt('--from') ?? FASHION_DIR;

for (const [split, name] of [['train', 'train'], ['t10k', 'test']] as const) {
  const fm = loadFashionMnist(from, split);
  if (!fm) {
    console.error(`error: ${from}/${split}-images-idx3-ubyte.gz not found (apt install dataset-fashion-mnist)`);
    process.exit(1);
  }
  const n = Math.min(fm.count, limit);
  for (const c of FASHION_CLASSES) mkdirSync(join(out, 'png', name, c), { recursive: true });
  for (let start = 0; start < n; start += 64) {
    await Promise.all(Array.from({ length: Math.min(64, n - start) }, (_, k) => start + k).map((i) =>
      sharp(Buffer.from(fm.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } })
        .toColourspace('b-w').png().toFile(join(out, 'png', name, FASHION_CLASSES[fm.labels[i]!]!, `${String(i).padStart(5, '0')}.png`))));
  }
  const data = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) data[i] = fm.images[i]! / 255;
  writeNpy(join(out, 'npy', `${name}_data.npy`), { dtype: 'float32', shape: [n, 1, 28, 28], data });
  writeNpy(join(out, 'npy', `${name}_labels.npy`), { dtype: 'int32', shape: [n], data: Int32Array.from(fm.labels.subarray(0, n)) });
  console.log(`${name}: ${n} images → ${join(out, 'png', name)} and ${join(out, 'npy', name)}_{data,labels}.npy`);
}
