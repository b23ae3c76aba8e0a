// What model-predict feeds the network for unlabelled images, on real files with hand-placed
// objects: the test-time letterbox (detector) puts each object where hand computation says, and
// the transform maps the network box back to the placed pixels. Also --augment-mirror on
// detection data mirrors the boxes with the pixels.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { toOriginalBox } from '../../src/runtime/geometry.js';
import { createLoader } from '../../src/data/loader.js';
import { openPredictInput } from '../../src/data/predict-input.js';
import { openDataset } from '../../src/data/open.js';
import { IMAGENET_MEAN } from '../../src/runtime/convert.js';
import { writeSyntheticDataset } from '../../src/data/synthetic-writer.js';
import type { Box } from '../../src/data/types.js';

/** A black W×H PNG with a white rectangle over pixels [x0, x1) × [y0, y1). */
async function placed(file: string, w: number, h: number, [x0, y0, x1, y1]: Box): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) px.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

test('unlabelled images, detector: letterboxed as computed by hand; boxes map back to the placed pixels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'predict-input-'));
  // 160×90 → scale 64/160 = 0.4 → 64×36, padded 14 rows above (floor((64−36)/2)) → object [40,20,120,70]
  // lands on [16, 22, 48, 42]. 50×120 → scale 64/120 → 27×64 (round(26.67)), padded 19 columns
  // on the left (floor((64−27)/2)) → object [10,30,40,90] lands on [19+5.33, 16, 19+21.33, 48].
  await placed(join(dir, 'wide.png'), 160, 90, [40, 20, 120, 70]);
  mkdirSync(join(dir, 'more'));
  await placed(join(dir, 'more', 'tall.png'), 50, 120, [10, 30, 40, 90]);
  const input = openPredictInput(dir, undefined, { detector: true, classNames: ['thing'], inputShape: [3, 64, 64] });
  assert.ok(input.images);
  assert.deepEqual([input.spec.options.scale, input.spec.options.scaleMode, input.spec.options.crop], [64, 'large', 64]);
  const loader = createLoader(input.dataset, { batchSize: 2, threads: 1, train: false, image: input.spec.options, channels: 3 });
  const cases = [
    { name: 'more/tall.png', orig: [10, 30, 40, 90] as Box, net: [19 + 10 * 27 / 50, 30 * 64 / 120, 19 + 40 * 27 / 50, 90 * 64 / 120] as Box },
    { name: 'wide.png', orig: [40, 20, 120, 70] as Box, net: [16, 22, 48, 42] as Box },
  ];
  for await (const b of loader.epochArrays(0)) {
    assert.deepEqual(b.shape, [2, 3, 64, 64]);
    b.meta.forEach((meta, i) => {
      const c = cases[i]!;
      assert.equal(input.images!.relative(meta.index), c.name);
      const t = meta.transform;
      // The network box of the object, normalised, maps back to the placed pixels.
      const back = toOriginalBox(c.net.map((v, k) => v / (k % 2 ? t.height : t.width)) as Box, t);
      back.forEach((v, k) => assert.ok(Math.abs(v - c.orig[k]!) < 1e-9, `${c.name} ${back} vs ${c.orig}`));
      // The pixels: white well inside the network box, black well outside it (inside the image), the mean colour in the padding.
      const at = (x: number, y: number) => b.images[i * 3 * 64 * 64 + y * 64 + x]!; // red channel
      const [x0, y0, x1, y1] = c.net;
      assert.ok(at(Math.round((x0 + x1) / 2), Math.round((y0 + y1) / 2)) > 0.95, 'object centre is white');
      assert.ok(at(Math.ceil(x0) + 1, Math.ceil(y0) + 1) > 0.9 && at(Math.floor(x1) - 2, Math.floor(y1) - 2) > 0.9, 'object corners are white');
      const outside = i === 0 ? at(19 + 2, 5) : at(2, 14 + 2);
      assert.ok(outside < 0.05, `image pixel outside the object is black: ${outside}`);
      const pad = i === 0 ? at(3, 30) : at(30, 3);
      assert.ok(Math.abs(pad - IMAGENET_MEAN[0]!) < 1e-6, `padding is the mean colour: ${pad}`);
    });
  }
});

test('--augment-mirror on detection data mirrors the boxes with the pixels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-det-'));
  await writeSyntheticDataset(dir, { seed: 3, counts: { train: 16, val: 0, test: 0 }, size: 64 });
  const { dataset, spec } = openDataset(join(dir, 'coco'), 'mscoco,2026-train');
  const plain = createLoader(dataset, { batchSize: 16, threads: 1, seed: 5, train: true, image: spec.options });
  const mirrored = createLoader(dataset, { batchSize: 16, threads: 1, seed: 5, train: true, image: spec.options, augmentMirror: true });
  const first = async (l: typeof plain) => { for await (const b of l.epochArrays(0)) return b; throw new Error('no batch'); };
  const [a, m] = [await first(plain), await first(mirrored)];
  const flipped = m.meta.map((x) => x.transform.flip);
  assert.ok(a.meta.every((x) => !x.transform.flip), 'no mirror without the flag');
  assert.ok(flipped.some(Boolean) && !flipped.every(Boolean), `about half mirrored: ${flipped}`);
  m.meta.forEach((meta, i) => {
    const j = a.meta.findIndex((x) => x.index === meta.index);
    const ta = a.targets![j]!, tm = m.targets![i]!;
    assert.equal(ta.classes.length, tm.classes.length);
    for (let k = 0; k < ta.classes.length; k++) {
      const [x0, y0, x1, y1] = ta.boxes.subarray(4 * k, 4 * k + 4);
      const want = meta.transform.flip ? [1 - x1!, y0!, 1 - x0!, y1!] : [x0!, y0!, x1!, y1!];
      Array.from(tm.boxes.subarray(4 * k, 4 * k + 4)).forEach((v, q) => assert.ok(Math.abs(v - want[q]!) < 1e-6));
    }
    // The pixels are mirrored too: column x of the mirrored image is column 63 − x of the plain one.
    if (meta.transform.flip) {
      const img = (bt: typeof a, n: number, x: number, y: number) => bt.images[n * 3 * 64 * 64 + y * 64 + x]!;
      for (const [x, y] of [[3, 10], [30, 40], [60, 5]]) assert.ok(Math.abs(img(m, i, x!, y!) - img(a, j, 63 - x!, y!)) < 1e-6);
    }
  });
});
