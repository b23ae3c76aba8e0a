/**
 * `Loader.epoch()` writes each batch's pixels into tensor memory it reuses once no tensor refers
 * to it (TensorBuffers): the tensors must equal the typed-array batches of `epochArrays()`
 * (including a smaller last batch after a skipped image), and a batch kept by the consumer must
 * never be overwritten. Needs the native addon; skipped where it cannot load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createLoader } from '../../src/data/loader.js';
import { openDataset } from '../../src/data/open.js';
import { TensorBuffers, disposeBatch } from '../../src/data/to-tensor.js';
import type { ArrayBatch } from '../../src/data/types.js';
import { put, tempDir, writeImage } from './helpers.js';

let torchError: string | undefined;
try {
  await import('../../src/torch/index.js');
} catch (e) {
  torchError = (e as Error).message.split('\n')[0];
}

const skip = { skip: torchError && `native addon unavailable: ${torchError}` };

/** A COCO folder of 8 JPEGs (one unreadable) with a red box each. */
async function fixture(dir: string): Promise<void> {
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
}

test('epoch() tensors equal epochArrays() batches (tensor-memory buffers, short last batch, skipped image)', skip, async () => {
  const { dir, cleanup } = tempDir();
  try {
    await fixture(dir);
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

test('batches the consumer keeps are never overwritten; freed buffers are reused', skip, async () => {
  const { dir, cleanup } = tempDir();
  try {
    await fixture(dir);
    const { dataset, spec } = openDataset(dir, 'mscoco,2026-train,crop=40,crop_mode=denet,mirror');
    const loader = createLoader(dataset, { batchSize: 1, threads: 2, seed: 1, train: true, image: spec.options, warn: () => undefined });
    const arrays: ArrayBatch[] = [];
    for await (const b of loader.epochArrays(0)) arrays.push(b);
    // Keep every batch (more than the pool's 4 buffers): each must still hold its own pixels.
    const kept = [];
    for await (const b of loader.epoch(0)) kept.push(b);
    assert.equal(kept.length, 7);
    kept.forEach((b, i) => assert.deepEqual(b.images.data(), arrays[i]!.images, `batch ${i}`));
    kept.forEach(disposeBatch);
  } finally {
    cleanup();
  }
});

test('TensorBuffers: a buffer returns to the pool when its batch tensor (and what autograd saved) is gone', skip, async () => {
  const torch = await import('../../src/torch/index.js');
  const pool = await TensorBuffers.create(2);
  const batch = (view: Float32Array): ArrayBatch => ({ images: view.subarray(0, 6), shape: [1, 1, 2, 3], meta: [], index: 0 });
  const a = pool.take(6);
  a.set([1, 2, 3, 4, 5, 6]);
  const ta = await pool.batch(batch(a));
  assert.deepEqual(Array.from(ta.images.data() as Float32Array), [1, 2, 3, 4, 5, 6]);
  a[0] = 9; // the tensor is the buffer's memory: no copy was made
  assert.equal(ta.images.toArray().flat(3)[0], 9);
  const b = pool.take(6);
  assert.notEqual(b.buffer, a.buffer, 'a buffer in use by a tensor must not be handed out');
  const tb = await pool.batch(batch(b));
  assert.ok(!(pool.take(6).buffer === a.buffer || pool.take(6).buffer === b.buffer), 'both in use: a plain array instead');
  disposeBatch(tb);
  // A graph that saved the images keeps the buffer busy until it is freed.
  const w = torch.ones([1, 1, 2, 3], { requiresGrad: true });
  const loss = ta.images.mul(w).sum();
  disposeBatch(ta);
  const c = pool.take(6);
  assert.equal(c.buffer, b.buffer, 'the freed buffer is reused');
  pool.batch(batch(c)).then(disposeBatch);
  assert.notEqual(pool.take(6).buffer, a.buffer, 'still saved by autograd');
  loss.backward();
  loss.dispose();
  w.dispose();
  assert.equal(pool.take(6).buffer, a.buffer, 'free once the graph is gone');
  pool.release();
});
