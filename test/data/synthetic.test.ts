import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticDataset } from '../../src/data/synthetic-writer.js';
import { loadFashionMnist } from '../../src/data/idx.js';
import { Rng } from '../../src/util/rng.js';
import { generateImage, objectSource, splitObjectSources } from '../../src/data/synthetic.js';
import { openDataset } from '../../src/data/open.js';
import { renderGrid } from '../../src/data/grid.js';
import { createLoader } from '../../src/data/loader.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from './helpers.js';

test('generated dataset: both layouts open with the same boxes; deterministic from the seed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await writeSyntheticDataset(dir, { seed: 5, counts: { train: 6, val: 2, test: 0 }, size: 96 });
    assert.ok(r.classNames.length >= 5);
    const coco = openDataset(join(dir, 'coco'), 'mscoco,2026-train').dataset;
    const voc = openDataset(dir, 'voc,2026-train').dataset;
    assert.deepEqual(coco.classNames, voc.classNames);
    assert.equal(coco.length, 6);
    assert.equal(openDataset(dir, 'voc,2026-val').dataset.length, 2);
    let objects = 0;
    for (let i = 0; i < 6; i++) {
      const a = coco.record(i).objects!;
      const b = voc.record(i).objects!;
      assert.ok(a.length <= 10, `image ${i}: at most 10 objects, got ${a.length}`);
      for (const o of a) {
        // Boxes are pixel boxes inside the 96×96 image, at least 4 px a side (the generator's floor).
        assert.ok(Number.isInteger(o.cls) && o.cls >= 0 && o.cls < r.classNames.length, `class ${o.cls}`);
        assert.ok(o.box[0] >= 0 && o.box[1] >= 0 && o.box[2] <= 96 && o.box[3] <= 96, `box ${o.box}`);
        assert.ok(o.box[2] - o.box[0] >= 4 && o.box[3] - o.box[1] >= 4, `box ${o.box}`);
      }
      assert.deepEqual(a.map((o) => [o.cls, ...o.box]), b.map((o) => [o.cls, ...o.box]));
      objects += a.length;
    }
    assert.ok(objects > 0);
    const again = tempDir();
    try {
      await writeSyntheticDataset(again.dir, { seed: 5, counts: { train: 6, val: 0, test: 0 }, size: 96 });
      const f = (d: string) => readFileSync(join(d, 'coco', 'annotations', 'instances_train2026.json'), 'utf8');
      assert.equal(f(again.dir), f(dir));
      assert.deepEqual(readFileSync(join(again.dir, 'coco', 'train2026', 'train_000003.jpg')), readFileSync(join(dir, 'coco', 'train2026', 'train_000003.jpg')));
    } finally {
      again.cleanup();
    }
    const loader = createLoader(coco, { batchSize: 4, train: true, image: openDataset(join(dir, 'coco'), 'mscoco,2026-train,crop=64,crop_mode=denet').spec.options });
    for await (const b of loader.epochArrays(0)) {
      const png = await renderGrid(b, coco.classNames, 'png');
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      break;
    }
  } finally {
    cleanup();
  }
});

test('annotated boxes frame object pixels; sizes span small to large (drawn-shape fallback)', () => {
  const src = objectSource('/nonexistent');
  assert.equal(src.kind, 'shapes');
  let min = Infinity, max = 0;
  for (let i = 0; i < 40; i++) {
    const img = generateImage(src, 1, 0, i, 128);
    assert.ok(img.objects.length <= 10);
    for (const o of img.objects) {
      const side = Math.max(o.box[2] - o.box[0], o.box[3] - o.box[1]);
      min = Math.min(min, side);
      max = Math.max(max, side);
      assert.ok(o.box[0] >= 0 && o.box[1] >= 0 && o.box[2] <= 128 && o.box[3] <= 128);
    }
  }
  assert.ok(min <= 20 && max >= 80, `sizes ${min}..${max}`);
});

test('honest split: training images draw Fashion-MNIST training items, val and test images only t10k items', requires(!!loadFashionMnist(undefined, 't10k'), 'Debian\'s dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)'), () => {
  const key = (m: Uint8Array) => Buffer.from(m).toString('latin1');
  const itemSet = (split: 'train' | 't10k') => {
    const fm = loadFashionMnist(undefined, split)!;
    return new Set(Array.from({ length: fm.count }, (_, i) => key(fm.images.subarray(i * 784, (i + 1) * 784))));
  };
  const train = itemSet('train'), t10k = itemSet('t10k');
  const sourceOf = splitObjectSources();
  for (const split of ['train', 'val', 'test'] as const) {
    const src = sourceOf(split);
    assert.equal(src.kind, 'fashion-mnist');
    // The same draws as generateImage makes, through the source the dataset writer uses.
    const rng = new Rng(1, 0, 0);
    let inTrain = 0, inTest = 0;
    for (let k = 0; k < 600; k++) {
      const m = key(src.mask(k % src.classNames.length, rng));
      if (train.has(m)) inTrain++;
      if (t10k.has(m)) inTest++;
    }
    if (split === 'train') assert.deepEqual([inTrain, inTest > 5], [600, false], `${split}: ${inTrain} training items, ${inTest} test items`);
    // Fashion-MNIST has a few byte-identical items in both of its splits: allow a handful.
    else assert.deepEqual([inTest, inTrain <= 5], [600, true], `${split}: ${inTest} test items, ${inTrain} also in the training items`);
  }
  assert.equal(sourceOf('val'), sourceOf('test'), 'each Fashion-MNIST split is read once');
});
