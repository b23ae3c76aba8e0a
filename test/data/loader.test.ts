import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createLoader } from '../../src/data/loader.js';
import { openDataset } from '../../src/data/open.js';
import { parseExtension } from '../../src/data/extension-spec.js';
import { FileClassificationDataset } from '../../src/data/class-folder.js';
import { NpyDataset } from '../../src/data/npy-dataset.js';
import { toOriginalBox } from '../../src/runtime/geometry.js';
import { UserError } from '../../src/util/errors.js';
import type { ArrayBatch, Box, Dataset } from '../../src/data/types.js';
import { put, tempDir, writeImage } from './helpers.js';

async function collect(it: AsyncIterable<ArrayBatch>): Promise<ArrayBatch[]> {
  const out: ArrayBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** A COCO fixture: images with a red and a green rectangle at known places. */
async function cocoFixture(dir: string, n: number): Promise<void> {
  const images = [];
  const annotations = [];
  for (let i = 0; i < n; i++) {
    const w = 120 + 10 * i;
    const h = 80 + 7 * i;
    const red = [10 + 3 * i, 12 + i, 50 + 3 * i, 40 + 2 * i];
    const green = [w - 45, h - 30 - i, w - 5, h - 4];
    await writeImage(join(dir, 'train2026', `${i}.png`), w, h, [[...red, 230, 20, 20], [...green, 20, 220, 20]]);
    images.push({ id: i + 1, file_name: `${i}.png`, width: w, height: h });
    annotations.push({ image_id: i + 1, category_id: 1, bbox: [red[0], red[1], red[2]! - red[0]!, red[3]! - red[1]!] });
    annotations.push({ image_id: i + 1, category_id: 2, bbox: [green[0], green[1], green[2]! - green[0]!, green[3]! - green[1]!] });
  }
  put(join(dir, 'annotations', 'instances_train2026.json'), JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'red' }, { id: 2, name: 'green' }] }));
}

/** Bounding box (in input pixels) of the pixels where channel `c` dominates. */
function pixelBox(b: ArrayBatch, i: number, c: number): Box | undefined {
  const [, C, H, W] = b.shape;
  const base = i * C * H * W;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = [0, 1, 2].map((k) => b.images[base + k * H * W + y * W + x]!);
    const others = (v[0]! + v[1]! + v[2]! - v[c]!) / 2;
    if (v[c]! - others > 0.3) {
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
  }
  return x1 < 0 ? undefined : [x0, y0, x1, y1];
}

test('augmentation keeps boxes on the object pixels (denet crop, mirror, photo) and meta maps back to the original', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await cocoFixture(dir, 4);
    const { dataset, spec } = openDataset(dir, 'mscoco,2026-train,crop=64,crop_mode=denet,mirror,augment_photo,min_visible=0.6');
    const loader = createLoader(dataset, { batchSize: 4, threads: 2, seed: 3, train: true, image: spec.options });
    let checked = 0;
    let flipped = 0;
    for (let e = 0; e < 6; e++) {
      for await (const b of loader.epochArrays(e)) {
        assert.deepEqual(b.shape, [4, 3, 64, 64]);
        for (let i = 0; i < 4; i++) {
          const t = b.targets![i]!;
          const m = b.meta[i]!;
          if (m.transform.flip) flipped++;
          for (let k = 0; k < t.classes.length; k++) {
            const box = Array.from(t.boxes.subarray(4 * k, 4 * k + 4)).map((v) => v * 64) as Box;
            const pix = pixelBox(b, i, t.classes[k] === 0 ? 0 : 1);
            assert.ok(pix, `object ${k} of sample ${m.index} has a box but no pixels`);
            for (let j = 0; j < 4; j++) assert.ok(Math.abs(pix[j]! - box[j]!) <= 2.01, `epoch ${e} sample ${m.index} class ${t.classes[k]}: box ${box} vs pixels ${pix}`);
            checked++;
            // The box maps back into the original image within the annotated rectangle.
            const orig = toOriginalBox(Array.from(t.boxes.subarray(4 * k, 4 * k + 4)) as Box, m.transform);
            const ann = dataset.record(m.index).objects![t.classes[k]!]!.box;
            for (let j = 0; j < 2; j++) assert.ok(orig[j]! >= ann[j]! - 0.5 && orig[j + 2]! <= ann[j + 2]! + 0.5, `back-mapped ${orig} outside ${ann}`);
          }
        }
      }
    }
    assert.ok(checked > 20, `only ${checked} boxes checked`);
    assert.ok(flipped > 0 && flipped < 24, `flipped ${flipped} of 24`);
  } finally {
    cleanup();
  }
});

test('same seed gives the same batches whatever the thread count, converted here or on workers; another seed differs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await cocoFixture(dir, 5);
    // 128² images are converted on the worker pool (convertThreads > 0), so a and b differ in where.
    const { dataset, spec } = openDataset(dir, 'mscoco,2026-train,crop=128,crop_mode=denet,mirror,augment_photo');
    const run = async (seed: number, threads: number, convertThreads?: number) =>
      collect(createLoader(dataset, { batchSize: 2, threads, convertThreads, seed, train: true, image: spec.options }).epochArrays(1));
    const a = await run(7, 1, 0);
    const b = await run(7, 3);
    const c = await run(8, 2);
    assert.equal(a.length, 3);
    assert.deepEqual(a.map((x) => x.meta.map((m) => m.index)), b.map((x) => x.meta.map((m) => m.index)));
    for (let i = 0; i < a.length; i++) {
      assert.deepEqual(a[i]!.images, b[i]!.images);
      assert.deepEqual(a[i]!.targets, b[i]!.targets);
    }
    assert.notDeepEqual(a.map((x) => x.images), c.map((x) => x.images));
    // Test mode: fixed order, centred crop, no randomness.
    const t = await collect(createLoader(dataset, { batchSize: 5, seed: 1, image: spec.options }).epochArrays(0));
    assert.deepEqual(t[0]!.meta.map((m) => m.index), [0, 1, 2, 3, 4]);
    assert.ok(t[0]!.meta.every((m) => !m.transform.flip));
  } finally {
    cleanup();
  }
});

test('cache=ram gives the same batches as reading the files, with and without resizing; a full budget warns once and reads the rest from disk', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await cocoFixture(dir, 5);
    for (const opts of ['mirror', 'crop=48,crop_mode=denet,mirror,augment_photo', 'scale=60,crop=48,crop_mode=center']) {
      const plain = openDataset(dir, `mscoco,2026-train,${opts}`);
      const cached = openDataset(dir, `mscoco,2026-train,${opts},cache`);
      assert.equal(cached.spec.options.cache, true);
      const files = createLoader(plain.dataset, { batchSize: 5, threads: 2, seed: 4, train: true, image: plain.spec.options, channels: 3 });
      const ram = createLoader(cached.dataset, { batchSize: 5, threads: 2, seed: 4, train: true, image: cached.spec.options, channels: 3 });
      for (const epoch of [0, 1, 2]) {
        const [a, b] = [await collect(files.epochArrays(epoch)), await collect(ram.epochArrays(epoch))];
        assert.deepEqual(b.map((x) => x.images), a.map((x) => x.images), `${opts} epoch ${epoch}`);
        assert.deepEqual(b.map((x) => x.targets), a.map((x) => x.targets));
        assert.deepEqual(b.map((x) => x.meta), a.map((x) => x.meta));
      }
      // Every image is held once: 120×80 + 130×87 + … RGB bytes.
      assert.equal(ram.cache!.size, 5);
      assert.equal(ram.cache!.bytes, [0, 1, 2, 3, 4].reduce((s, i) => s + (120 + 10 * i) * (80 + 7 * i) * 3, 0));
    }
    const warnings: string[] = [];
    const { dataset, spec } = openDataset(dir, 'mscoco,2026-train,cache=ram');
    const small = createLoader(dataset, { batchSize: 5, image: spec.options, cacheBytes: 120 * 80 * 3 + 130 * 87 * 3, warn: (m) => warnings.push(m) });
    // Which images fill the budget depends on which decodes finish first (file reads run
    // ahead of the decode limit), so the test checks the contract, not the count.
    const held: number[] = [];
    for (const epoch of [0, 1]) {
      assert.equal((await collect(small.epochArrays(epoch)))[0]!.meta.length, 5);
      held.push(small.cache!.size);
    }
    assert.ok(held[0]! >= 1 && held[0]! <= 2, `cache holds ${held[0]} images`);
    assert.equal(held[1], held[0], 'nothing is added once the budget is full');
    assert.ok(small.cache!.bytes <= 120 * 80 * 3 + 130 * 87 * 3);
    assert.deepEqual(warnings, [`warning: cache=ram: the 0 MiB budget is full after ${held[0]} image${held[0] === 1 ? '' : 's'}; the others are read from disk every epoch`]);
  } finally {
    cleanup();
  }
});

test('a corrupt JPEG and a missing file are skipped, warned about and counted; batches fill from the next images', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files: string[] = [];
    for (let i = 0; i < 6; i++) {
      const f = join(dir, 'c', `${i}.jpg`);
      await writeImage(f, 16, 16, [[0, 0, 8, 8, 200, 0, 0]]);
      files.push(f);
    }
    const bytes = readFileSync(files[2]!);
    writeFileSync(files[2]!, bytes.subarray(0, Math.floor(bytes.length / 2)));
    files[4] = join(dir, 'c', 'gone.jpg');
    const ds = new FileClassificationDataset(['c'], files, new Int32Array(6), dir);
    const warnings: string[] = [];
    const epoch = createLoader(ds, { batchSize: 2, threads: 2, warn: (m) => warnings.push(m) }).epochArrays(0);
    const batches = await collect(epoch);
    assert.deepEqual(batches.map((b) => b.meta.map((m) => m.index)), [[0, 1], [3, 5]]);
    assert.equal(epoch.stats.skipped, 2);
    assert.equal(epoch.stats.images, 4);
    assert.ok(epoch.stats.skippedFiles[0]!.startsWith(files[2]!));
    assert.ok(epoch.stats.skippedFiles[1]!.includes('gone.jpg'));
    assert.equal(warnings.length, 3);
    assert.match(warnings[2]!, /skipped 2 unreadable/);
  } finally {
    cleanup();
  }
});

test('an image whose size disagrees with its annotation stops with a UserError naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await cocoFixture(dir, 1);
    const ann = join(dir, 'annotations', 'instances_train2026.json');
    put(ann, readFileSync(ann, 'utf8').replace('"width":120', '"width":121'));
    const { dataset, spec } = openDataset(dir, 'mscoco,2026-train,crop=32');
    await assert.rejects(collect(createLoader(dataset, { batchSize: 1, image: spec.options }).epochArrays(0)),
      (e: Error) => e instanceof UserError && /train2026\/0.png: image is 120x80 but its annotation says 121x80/.test(e.message));
  } finally {
    cleanup();
  }
});

test('class folders: grey PNGs give 1 channel; scale + centre crop; labels batch', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sharp = (await import('sharp')).default;
    for (const [cls, v] of [['a', 40], ['b', 200]] as const) {
      mkdirSync(join(dir, cls));
      for (let i = 0; i < 3; i++) await sharp(Buffer.alloc(20 * 10, v), { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, cls, `${i}.png`));
    }
    const { dataset, spec } = openDataset(dir, 'png,scale=8,crop=8');
    const batches = await collect(createLoader(dataset, { batchSize: 4, image: spec.options }).epochArrays(0));
    assert.deepEqual(batches.map((b) => b.shape), [[4, 1, 8, 8], [2, 1, 8, 8]]);
    assert.deepEqual(Array.from(batches[0]!.labels!), [0, 0, 0, 1]);
    assert.ok(Math.abs(batches[0]!.images[0]! - 40 / 255) < 1e-6);
    assert.ok(Math.abs(batches[1]!.images[64]! - 200 / 255) < 1e-6);
    assert.equal(batches[0]!.meta[0]!.transform.scaleX, 16 / 20);
    assert.equal(batches[0]!.meta[0]!.transform.offsetX, -4);
  } finally {
    cleanup();
  }
});

function npyDataset(n: number): Dataset {
  const data = new Float32Array(n * 1 * 4 * 4);
  for (let i = 0; i < n; i++) for (let p = 0; p < 16; p++) data[i * 16 + p] = i * 100 + p;
  return new NpyDataset(data, [n, 1, 4, 4], Int32Array.from({ length: n }, (_, i) => i % 3), 'mem');
}

test('npy loader: images_per_subset streams chunks of a per-pass shuffle; mirror distortion is exact and seeded', async () => {
  const ds = npyDataset(5);
  const loader = createLoader(ds, { batchSize: 2, seed: 4, train: true, image: parseExtension('png,images_per_subset=2').options });
  assert.equal(loader.samplesInEpoch(0), 2);
  const seen: number[] = [];
  for (let e = 0; e < 5; e++) for (const b of await collect(loader.epochArrays(e))) seen.push(...b.meta.map((m) => m.index));
  assert.equal(seen.length, 10);
  assert.deepEqual([...seen.slice(0, 5)].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual([...seen.slice(5)].sort(), [0, 1, 2, 3, 4]);
  const mirrored = createLoader(ds, { batchSize: 5, seed: 1, train: true, shuffle: false, distort: { offset: 0, scale: 0, rotation: 0, mirror: 100 } });
  const [b] = await collect(mirrored.epochArrays(0));
  assert.deepEqual(Array.from(b!.images.subarray(0, 4)), [3, 2, 1, 0]);
  assert.deepEqual(Array.from(b!.labels!), [0, 1, 2, 0, 1]);
  const d = (seed: number) => createLoader(ds, { batchSize: 5, seed, train: true, distort: { offset: 1, scale: 10, rotation: 20, mirror: 50 } });
  const [x] = await collect(d(2).epochArrays(0));
  const [y] = await collect(d(2).epochArrays(0));
  assert.deepEqual(x!.images, y!.images);
});
