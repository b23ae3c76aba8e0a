/**
 * The JavaScript decode of tiny PNGs gives sharp's (libvips') pixels exactly, for every colour
 * type it takes, and sends every other file to libvips. The expected pixels are sharp's own
 * output (`removeAlpha().toColourspace(...)`, what src/data/decode.ts asks libvips for).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeRaw, decodeWhole } from '../../src/data/decode.js';
import { decodeSmallPng, isSmallPng } from '../../src/data/small-png.js';
import { tmp } from '../cli/helpers.js';

const W = 23, H = 17; // odd sizes: row filters and strides are exercised
function rgba(): Buffer {
  const px = Buffer.alloc(W * H * 4);
  for (let i = 0; i < W * H; i++) px.set([(i * 37) & 255, (i * 11 + 60) & 255, (i * 5 + 200) & 255, (i * 3) & 255], 4 * i);
  return px;
}
const raw = (channels: 1 | 2 | 3 | 4) => {
  const a = rgba();
  const img = sharp(Buffer.from(a.filter((_, j) => j % 4 < channels)), { raw: { width: W, height: H, channels } });
  return channels <= 2 ? img.toColourspace('b-w') : img;
};

/** The PNG colour type sharp wrote (IHDR byte 25), so each case really is the type it names. */
const colourType = (png: Buffer) => png[25];
const bitDepth = (png: Buffer) => png[24];

async function sharpPixels(png: Buffer, channels: 1 | 3): Promise<Buffer> {
  return sharp(png).removeAlpha().toColourspace(channels === 3 ? 'srgb' : 'b-w').raw().toBuffer();
}

test('tiny PNGs of every 8-bit colour type decode to sharp\'s pixels', async () => {
  const cases: [string, Buffer, number, (1 | 3)[]][] = [
    ['grey', await raw(1).png().toBuffer(), 0, [1, 3]],
    ['grey + alpha', await raw(2).png().toBuffer(), 4, [1, 3]],
    ['RGB', await raw(3).png().toBuffer(), 2, [3]],
    ['RGBA', await raw(4).png().toBuffer(), 6, [3]],
    ['palette, 8-bit indices', await raw(3).png({ palette: true, colours: 256, dither: 0, bitdepth: 8 }).toBuffer(), 3, [3]],
    ['palette, 4-bit indices', await raw(3).png({ palette: true, colours: 16, dither: 0, bitdepth: 4 }).toBuffer(), 3, [3]],
    ['interlaced RGB', await raw(3).png({ progressive: true }).toBuffer(), 2, [3]],
  ];
  for (const [name, png, type, channelsList] of cases) {
    assert.equal(colourType(png), type, `${name}: colour type`);
    assert.equal(bitDepth(png), name.includes('4-bit') ? 4 : 8, `${name}: bit depth`);
    for (const channels of channelsList) {
      assert.ok(isSmallPng(png, channels), `${name} → ${channels} channel(s) takes the JavaScript path`);
      const im = decodeSmallPng(png, channels);
      assert.deepEqual([im.width, im.height, im.channels], [W, H, channels]);
      assert.deepEqual(Buffer.from(im.pixels), await sharpPixels(png, channels), `${name} → ${channels} channel(s)`);
    }
  }
});

test('other PNGs and other formats go to libvips', async () => {
  const rgb = await raw(3).png().toBuffer();
  assert.equal(isSmallPng(rgb, 1), false, 'RGB to grey needs libvips\' colour conversion');
  const deep = await raw(3).toColourspace('rgb16').png().toBuffer();
  assert.equal(bitDepth(deep), 16);
  assert.equal(isSmallPng(deep, 3), false, '16-bit');
  const icc = await raw(3).withIccProfile('p3').png().toBuffer();
  assert.ok(icc.includes('iCCP'));
  assert.equal(isSmallPng(icc, 3), false, 'an ICC profile');
  const big = await sharp({ create: { width: 97, height: 96, channels: 3, background: '#808080' } }).png().toBuffer();
  assert.equal(isSmallPng(big, 3), false, 'more than 96×96 pixels');
  assert.equal(isSmallPng(await raw(3).jpeg().toBuffer(), 3), false, 'a JPEG');
});

test('the loader\'s decode of a tiny PNG: same pixels through both paths, corrupt files are plain errors', async () => {
  const dir = tmp('small-png');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'a.png');
  const png = await raw(4).png().toBuffer();
  writeFileSync(file, png);
  const whole = await decodeWhole({ file }, 3);
  assert.deepEqual(Buffer.from(whole.pixels), await sharpPixels(png, 3));
  const plan = (w: number, h: number) => ({ resizedWidth: w, resizedHeight: h, cropX: 0, cropY: 0, width: w, height: h, flip: false });
  const d = await decodeRaw({ file }, 3, plan);
  assert.deepEqual([d.srcW, d.srcH, d.originalWidth, d.originalHeight], [W, H, W, H]);
  assert.deepEqual(Buffer.from(d.pixels), Buffer.from(whole.pixels));
  await assert.rejects(decodeRaw({ file, width: W + 1, height: H }, 3, plan), /image is 23x17 but its annotation says 24x17/);

  const broken = join(dir, 'broken.png');
  writeFileSync(broken, png.subarray(0, png.length - 40));
  await assert.rejects(decodeRaw({ file: broken }, 3, plan), (e: Error) => e.constructor === Error);
});
