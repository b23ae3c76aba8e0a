/** The conversion worker pool: the same floats as converting here, errors surfaced, pool usable after one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConvertPool } from '../../src/data/convert-pool.js';
import { writeChw, type ChwWrite } from '../../src/runtime/convert.js';
import { Rng } from '../../src/util/rng.js';

function job(dst: Float32Array, dstOffset: number, seed: number): ChwWrite {
  const r = new Rng(seed);
  const src = Uint8Array.from({ length: 30 * 20 * 3 }, () => r.int(256));
  return {
    src, srcW: 30, srcH: 20, channels: 3, dst, dstOffset, outW: 48, outH: 40, placeX: -3, placeY: 2, flip: seed % 2 === 0,
    photo: { brightness: 0.05, contrast: 1.2, saturation: 0.7 }, subtractMean: false, resample: { width: 50, height: 36, x: 4, y: 0, placedW: 46, placedH: 36 },
  };
}

test('ConvertPool writes into shared memory exactly what writeChw writes here, for jobs in flight at once', async () => {
  const pool = new ConvertPool(2);
  const n = 3 * 48 * 40;
  const shared = new Float32Array(new SharedArrayBuffer(4 * 4 * n)).fill(NaN);
  await Promise.all([0, 1, 2, 3].map((i) => pool.convert(job(shared, i * n, i))));
  const here = new Float32Array(4 * n).fill(NaN);
  for (let i = 0; i < 4; i++) writeChw(job(here, i * n, i));
  assert.deepEqual(shared, here);
});

test('ConvertPool: a failing job rejects with the worker’s message and the pool goes on; a non-shared destination is refused', async () => {
  const pool = new ConvertPool(1);
  const shared = new Float32Array(new SharedArrayBuffer(4 * 3 * 48 * 40));
  await assert.rejects(pool.convert({ ...job(shared, 0, 1), channels: 2 }), /conversion worker: writeChw: expected 1 or 3 channels but received 2/);
  await pool.convert(job(shared, 0, 1));
  const here = new Float32Array(shared.length);
  writeChw(job(here, 0, 1));
  assert.deepEqual(shared, here);
  assert.throws(() => pool.convert(job(new Float32Array(shared.length), 0, 1)), /SharedArrayBuffer/);
});
