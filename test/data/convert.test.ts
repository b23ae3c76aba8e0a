/**
 * augment_photo and the uint8 → CHW float32 conversion (`writeChw`, `decodeRaw` + `writeDecoded`):
 * checked against a naive per-pixel reference of the documented rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, decodeRaw, writeDecoded } from '../../src/data/decode.js';
import { planCrop } from '../../src/data/crop-plan.js';
import { parseExtension } from '../../src/data/extension-spec.js';
import { IMAGENET_MEAN, NO_PHOTO, randomPhoto, writeChw, type PhotoParams, type Resample } from '../../src/runtime/convert.js';
import { Rng } from '../../src/util/rng.js';
import { needsPyTorch, pytorch } from '../helpers/pytorch.js';
import { tempDir, writeImage } from './helpers.js';

/** The documented rule, one pixel and channel at a time, no algebraic shortcuts. */
function reference(src: Uint8Array, srcW: number, srcH: number, C: number, outW: number, outH: number, placeX: number, placeY: number, flip: boolean, photo: PhotoParams, subtractMean: boolean, up?: Resample): Float32Array {
  const out = new Float32Array(C * outW * outH);
  const mean = C === 3 ? IMAGENET_MEAN : [(IMAGENET_MEAN[0]! + IMAGENET_MEAN[1]! + IMAGENET_MEAN[2]!) / 3];
  for (let y = 0; y < outH; y++) for (let xo = 0; xo < outW; xo++) {
    const x = flip ? outW - 1 - xo : xo; // output column xo shows unmirrored column x
    const sx = x - placeX, sy = y - placeY;
    const inside = sx >= 0 && sy >= 0 && sx < (up?.placedW ?? srcW) && sy < (up?.placedH ?? srcH);
    const at = (c: number) => (up ? bilinear(src, srcW, srcH, C, up, sx, sy, c) : src[(sy * srcW + sx) * C + c]!);
    const v = Array.from({ length: C }, (_, c) => (inside ? at(c) / 255 : NaN));
    const l = C === 3 ? 0.299 * v[0]! + 0.587 * v[1]! + 0.114 * v[2]! : v[0]!;
    for (let c = 0; c < C; c++) {
      let p: number;
      if (!inside) p = mean[c]!;
      else {
        p = l + photo.saturation * (v[c]! - l); // saturation about the luma (no-op for grey)
        p = (p - 0.5) * photo.contrast + 0.5 + photo.brightness; // contrast about 0.5, then brightness
        p = Math.min(1, Math.max(0, p));
      }
      out[(c * outH + y) * outW + xo] = subtractMean ? p - mean[c]! : p;
    }
  }
  return out;
}

/** Pixel (px, py) of the placed window of the resized source, channel c: the textbook bilinear rule (not rounded). */
function bilinear(src: Uint8Array, W: number, H: number, C: number, up: Resample, px: number, py: number, c: number): number {
  const coord = (p: number, out: number, size: number) => Math.min(size - 1, Math.max(0, ((p + 0.5) * size) / out - 0.5));
  const fx = coord(up.x + px, up.width, W), fy = coord(up.y + py, up.height, H);
  const xa = Math.floor(fx), ya = Math.floor(fy), xb = Math.min(W - 1, xa + 1), yb = Math.min(H - 1, ya + 1);
  const g = (xx: number, yy: number) => src[(yy * W + xx) * C + c]!;
  const v = (1 - (fy - ya)) * ((1 - (fx - xa)) * g(xa, ya) + (fx - xa) * g(xb, ya)) + (fy - ya) * ((1 - (fx - xa)) * g(xa, yb) + (fx - xa) * g(xb, yb));
  return v;
}

function pseudoPixels(n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

test('randomPhoto draws within the documented ranges, the same for the same generator state', () => {
  for (let i = 0; i < 500; i++) {
    const p = randomPhoto(new Rng(7, 0, i));
    assert.ok(p.brightness >= -0.125 && p.brightness <= 0.125, `brightness ${p.brightness}`);
    assert.ok(p.contrast >= 0.6 && p.contrast <= 1.4, `contrast ${p.contrast}`);
    assert.ok(p.saturation >= 0.6 && p.saturation <= 1.4, `saturation ${p.saturation}`);
    assert.deepEqual(randomPhoto(new Rng(7, 0, i)), p);
  }
  assert.notDeepEqual(randomPhoto(new Rng(7, 0, 1)), randomPhoto(new Rng(7, 0, 2)));
});

test('writeChw matches the per-pixel rule (photo, mirror, padding, mean) and overwrites every value of a stale buffer', () => {
  const cases: [C: number, placeX: number, placeY: number, flip: boolean, photo: PhotoParams, subtractMean: boolean][] = [
    [3, 0, 0, false, NO_PHOTO, false],
    [3, 3, -2, true, { brightness: 0.1, contrast: 1.35, saturation: 0.65 }, false],
    [3, -4, 5, false, { brightness: -0.12, contrast: 0.62, saturation: 1.38 }, true],
    [3, 2, 1, true, NO_PHOTO, true],
    [1, -1, 3, true, { brightness: 0.05, contrast: 1.2, saturation: 0.9 }, false],
    [1, 0, 0, false, NO_PHOTO, true],
    [3, 40, 0, false, NO_PHOTO, false], // source entirely outside: all padding
  ];
  const srcW = 13, srcH = 9, outW = 16, outH = 11;
  for (const [k, [C, placeX, placeY, flip, photo, subtractMean]] of cases.entries()) {
    const src = pseudoPixels(srcW * srcH * C, k);
    const want = reference(src, srcW, srcH, C, outW, outH, placeX, placeY, flip, photo, subtractMean);
    // Written at an offset into a NaN-filled buffer: everything in range is written, nothing outside.
    const offset = 5;
    const dst = new Float32Array(offset + want.length + 3).fill(NaN);
    writeChw({ src, srcW, srcH, channels: C, dst, dstOffset: offset, outW, outH, placeX, placeY, flip, photo, subtractMean });
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(dst[offset + i]! - want[i]!) < 1e-6, `case ${k} value ${i}: ${dst[offset + i]} vs ${want[i]}`);
    for (const i of [0, 1, 2, 3, 4, offset + want.length, dst.length - 1]) assert.ok(Number.isNaN(dst[i]!), `case ${k}: wrote outside its image at ${i}`);
    if (!subtractMean) for (let i = 0; i < want.length; i++) assert.ok(dst[offset + i]! >= 0 && dst[offset + i]! <= 1);
  }
});

test('writeChw with resample: bilinear resize of the source, then the same photo, mirror, padding and mean rule', () => {
  const srcW = 7, srcH = 5, outW = 16, outH = 12;
  const cases: [C: number, placeX: number, placeY: number, flip: boolean, photo: PhotoParams, up: Resample][] = [
    [3, 0, 0, false, NO_PHOTO, { width: 16, height: 12, x: 0, y: 0, placedW: 16, placedH: 12 }],
    [3, 2, -1, true, { brightness: 0.1, contrast: 1.3, saturation: 0.7 }, { width: 19, height: 11, x: 3, y: 0, placedW: 13, placedH: 11 }],
    [1, -3, 2, false, { brightness: -0.05, contrast: 0.8, saturation: 1 }, { width: 14, height: 9, x: 1, y: 2, placedW: 12, placedH: 7 }],
    [3, 1, 0, true, { brightness: 0, contrast: 1.1, saturation: 1.2 }, { width: 4, height: 3, x: 0, y: 0, placedW: 4, placedH: 3 }], // down: 7×5 → 4×3
    [3, 0, 1, false, NO_PHOTO, { width: 12, height: 3, x: 2, y: 0, placedW: 9, placedH: 3 }], // up in x, down in y
  ];
  for (const [k, [C, placeX, placeY, flip, photo, up]] of cases.entries()) {
    const src = pseudoPixels(srcW * srcH * C, 10 + k);
    const subtractMean = k % 2 === 1;
    const want = reference(src, srcW, srcH, C, outW, outH, placeX, placeY, flip, photo, subtractMean, up);
    const dst = new Float32Array(want.length).fill(NaN);
    writeChw({ src, srcW, srcH, channels: C, dst, dstOffset: 0, outW, outH, placeX, placeY, flip, photo, subtractMean, resample: up });
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(dst[i]! - want[i]!) < 1e-6, `case ${k} value ${i}: ${dst[i]} vs ${want[i]}`);
  }
});

test('the resample equals torch.nn.functional.interpolate(bilinear, align_corners=False), rounded, up and down', needsPyTorch(), () => {
  for (const [W, H, w, h] of [[9, 6, 23, 17], [21, 16, 13, 9]]) {
    const C = 3, up: Resample = { width: w!, height: h!, x: 0, y: 0, placedW: w!, placedH: h! };
    const src = pseudoPixels(W! * H! * C, 42);
    const dst = new Float32Array(C * w! * h!);
    writeChw({ src, srcW: W!, srcH: H!, channels: C, dst, dstOffset: 0, outW: w!, outH: h!, placeX: 0, placeY: 0, flip: false, photo: NO_PHOTO, subtractMean: false, resample: up });
    const want: number[] = pytorch(
      'x = torch.tensor(inp["src"], dtype=torch.float64).reshape(1, inp["H"], inp["W"], 3).permute(0, 3, 1, 2)\n' +
        'y = torch.nn.functional.interpolate(x, size=(inp["h"], inp["w"]), mode="bilinear", align_corners=False)\n' +
        'out = y.round().flatten().tolist()',
      { src: Array.from(src), W, H, w, h },
    );
    let off = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(Math.round(dst[i]! * 255) - want[i]!);
      assert.ok(d <= 1, `${W}x${H} → ${w}x${h} value ${i}: ${dst[i]! * 255} vs torch ${want[i]}`);
      off += d; // a rounding tie may go either way
    }
    assert.ok(off <= want.length / 100, `${off} of ${want.length} values differ by 1`);
  }
});

test('augment_photo changes pixels, deterministically; the same photo applied twice gives the same floats', () => {
  const src = pseudoPixels(8 * 8 * 3, 1);
  const write = (photo: PhotoParams) => {
    const dst = new Float32Array(3 * 64);
    writeChw({ src, srcW: 8, srcH: 8, channels: 3, dst, dstOffset: 0, outW: 8, outH: 8, placeX: 0, placeY: 0, flip: false, photo, subtractMean: false });
    return dst;
  };
  const plain = write(NO_PHOTO);
  const p = randomPhoto(new Rng(3, 1, 4));
  const a = write(p);
  assert.deepEqual(write(randomPhoto(new Rng(3, 1, 4))), a);
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - plain[i]!) > 1e-3) changed++;
  assert.ok(changed > a.length / 2, `only ${changed} of ${a.length} values changed`);
});

test('decodeRaw + writeDecoded into a batch slot gives the same pixels and transform as decodeImage', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'a.png');
    await writeImage(file, 90, 70, [[10, 12, 50, 40, 230, 20, 20], [60, 30, 85, 66, 20, 220, 20]]);
    const options = parseExtension('mscoco,2026-train,crop=48,crop_mode=denet,mirror,augment_photo').options;
    const record = { index: 0, id: 0, file, objects: [] };
    for (let s = 0; s < 6; s++) {
      const plan = (seed: number) => {
        const rng = new Rng(9, s, seed);
        return (w: number, h: number) => planCrop(w, h, options, true, rng);
      };
      const photo = randomPhoto(new Rng(5, s));
      const whole = await decodeImage(record, 3, plan(0), photo, s % 2 === 1);
      const raw = await decodeRaw(record, 3, plan(0));
      assert.deepEqual(raw.transform, whole.transform);
      const batch = new Float32Array(3 * whole.data.length).fill(NaN);
      writeDecoded(raw, batch, whole.data.length, photo, s % 2 === 1);
      assert.deepEqual(batch.subarray(whole.data.length, 2 * whole.data.length), whole.data);
      assert.ok(Number.isNaN(batch[0]!) && Number.isNaN(batch[batch.length - 1]!));
    }
  } finally {
    cleanup();
  }
});

test('enlarged crops, and when augmenting crops reduced down to 1/2 (both in writeChw), equal torch resizing the whole image; other reductions equal libvips resizing it', needsPyTorch(), async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'a.png');
    await writeImage(file, 160, 120, [[20, 16, 80, 64, 230, 20, 20], [88, 40, 148, 108, 20, 220, 20], [0, 80, 48, 120, 30, 30, 220]]);
    const pixels = Array.from(await sharp(file).raw().toBuffer());
    // [scale, crop, resized size, centre-crop origin, augmenting, resized in writeChw, tolerance in
    // mean levels]. Where the region's size times the scale is whole, its geometry is the whole
    // image's and the values are torch's exactly (measured 1.6e-6 levels; shifted by a pixel,
    // 0.87). Otherwise the region's scale is rounded to whole pixels, which moves values a little:
    // 0.34 levels for the 0.7 reduction in writeChw, 0.31 when libvips resizes the same region.
    const cases = [
      [360, 256, 480, 360, 112, 52, false, true, 0.05], [150, 128, 200, 150, 36, 11, false, true, 0.05], [84, 64, 112, 84, 24, 10, false, false, 0.5],
      [84, 64, 112, 84, 24, 10, true, true, 0.5], [48, 32, 64, 48, 16, 8, true, false, 0.05],
    ] as const;
    for (const [scale, crop, rw, rh, cx, cy, augmenting, inPass, tolerance] of cases) {
      const options = parseExtension(`mscoco,2026-train,scale=${scale},crop=${crop}`).options;
      const raw = await decodeRaw({ index: 0, id: 0, file, objects: [] }, 3, (w, h) => planCrop(w, h, options, false, new Rng(0)), undefined, undefined, augmenting);
      assert.equal(!!raw.resample, inPass, `scale=${scale}, augmenting ${augmenting}: resized in writeChw?`);
      const ours = new Float32Array(3 * crop * crop);
      writeDecoded(raw, ours, 0, NO_PHOTO, false);
      const want: number[] = inPass
        ? pytorch(
          'x = torch.tensor(inp["px"], dtype=torch.float64).reshape(1, 120, 160, 3).permute(0, 3, 1, 2)\n' +
            'y = torch.nn.functional.interpolate(x, size=(inp["rh"], inp["rw"]), mode="bilinear", align_corners=False)\n' +
            'out = y[0, :, inp["cy"]:inp["cy"] + inp["crop"], inp["cx"]:inp["cx"] + inp["crop"]].permute(1, 2, 0).flatten().tolist()',
          { px: pixels, rw, rh, cx, cy, crop },
        )
        : Array.from(await sharp(file).resize(rw, rh, { fit: 'fill', kernel: 'linear' }).extract({ left: cx, top: cy, width: crop, height: crop }).raw().toBuffer());
      let sum = 0;
      for (let y = 0; y < crop; y++) for (let x = 0; x < crop; x++) for (let c = 0; c < 3; c++) sum += Math.abs(ours[(c * crop + y) * crop + x]! * 255 - want[(y * crop + x) * 3 + c]!);
      assert.ok(sum / (3 * crop * crop) < tolerance, `scale=${scale}: mean difference ${sum / (3 * crop * crop)} levels`);
    }
  } finally {
    cleanup();
  }
});
