/** A small slice of real Fashion-MNIST through the CLI: test accuracy far above chance (10%). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFashionMnist } from '../../src/data/idx.js';
import { writeNpy } from '../../src/data/npy.js';
import { requires } from '../helpers/requires.js';
import { cli, tmp } from './helpers.js';

const train = loadFashionMnist(undefined, 'train');
const t10k = loadFashionMnist(undefined, 't10k');

function slice(fm: NonNullable<typeof train>, n: number, prefix: string): void {
  const data = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) data[i] = fm.images[i]! / 255;
  writeNpy(`${prefix}_data.npy`, { dtype: 'float32', shape: [n, 1, 28, 28], data });
  writeNpy(`${prefix}_labels.npy`, { dtype: 'int32', shape: [n], data: Int32Array.from(fm.labels.subarray(0, n)) });
}

test('Fashion-MNIST slice (4000 train / 1000 test, 2 epochs): test accuracy well above chance', requires(!!train && !!t10k, 'Debian\'s dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)'), () => {
  const dir = tmp('fashion');
  slice(train!, 4000, join(dir, 'train'));
  slice(t10k!, 1000, join(dir, 'test'));
  const out = join(dir, 'run');
  const r = cli('model-train', ['--model-desc', 'C[16,3]', 'BN', 'A', 'P[2]', 'C[32,3]', 'BN', 'A', 'P[2]', 'C[64,3]', 'BN', 'A', 'P.A', 'R',
    '--train', join(dir, 'train'), '--test', join(dir, 'test'), '--extension', 'npy', '--solver', 'adam', '--learn-rate', '0.01', '--batch-size', '32', '--epochs', '2', '--output-prefix', out]);
  assert.equal(r.status, 0, r.stderr);
  const rows = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
  const cols = rows[0]!.split(',');
  const last = rows.at(-1)!.split(',');
  const top1 = Number(last[cols.indexOf('top1_error')]);
  assert.ok(top1 < 0.3, `top-1 error ${top1} (accuracy ${((1 - top1) * 100).toFixed(1)}%)`);
});
