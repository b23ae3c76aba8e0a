/**
 * `Loader.epoch()` reuses each batch's pixel buffer once libtorch has copied it: the tensors must
 * equal the typed-array batches of `epochArrays()` (including a smaller last batch after a
 * skipped image). Needs the native addon; skipped where it cannot load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createLoader } from '../../src/data/loader.js';
import { openDataset } from '../../src/data/open.js';
import { disposeBatch } from '../../src/data/to-tensor.js';
import type { ArrayBatch } from '../../src/data/types.js';
import { put, tempDir, writeImage } from './helpers.js';

let torchError: string | undefined;
try {
  await import('../../src/torch/index.js');
} catch (e) {
  torchError = (e as Error).message.split('\n')[0];
}

test('epoch() tensors equal epochArrays() batches (recycled buffers, short last batch, skipped image)', { skip: torchError && `native addon unavailable: ${torchError}` }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const images = [];
    const annotations = [];
    for (let i = 0; i < 8; i++) {
      const w = 90 + 9 * i, h = 70 + 5 * i;
      await writeImage(join(dir, 'train2026', `${i}.jpg`), w, h, [[5 + i, 6, 40, 30 + i, 230, 20, 20]]);
      images.push({ id: i + 1, file_name: `${i}.jpg`, width: w, height: h });
      annotations.push({ image_id: i + 1, category_id: 1, bbox: [5 + i, 6, 35 - i, 24 + i] });
    }
    writeFileSync(join(dir, 'train2026', '3.jpg'), Buffer.from('not a jpeg'));
    put(join(dir, 'annotations', 'instances_train2026.json'), JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'red' }] }));
    const { dataset, spec } = openDataset(dir, 'mscoco,2026-train,crop=40,crop_mode=denet,mirror,augment_photo');
    const make = () => createLoader(dataset, { batchSize: 3, threads: 2, seed: 4, train: true, image: spec.options, warn: () => undefined });
    const arrays: ArrayBatch[] = [];
    for await (const b of make().epochArrays(2)) arrays.push(b);
    assert.deepEqual(arrays.map((b) => b.shape[0]), [3, 3, 1]);
    const epoch = make().epoch(2);
    let k = 0;
    for await (const b of epoch) {
      const want = arrays[k++]!;
      assert.deepEqual(b.images.shape, want.shape);
      assert.deepEqual(b.images.data(), want.images);
      assert.deepEqual(b.meta, want.meta);
      disposeBatch(b);
    }
    assert.equal(k, 3);
    assert.equal(epoch.stats.skipped, 1);
    assert.equal(epoch.stats.images, 7);
  } finally {
    cleanup();
  }
});
