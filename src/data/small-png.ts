/**
 * Tiny PNGs (CIFAR's 32×32, Fashion-MNIST's 28×28 as class folders) decoded in JavaScript with
 * pngjs (Node's zlib inflate, then unfiltering) instead of libvips, whose fixed cost per call
 * (~0.4 ms through sharp) is twenty times PIL's for a 32×32 image (bench/train-pipeline.ts).
 * Only the cases where the result is the pixels sharp gives (tested against it) take this path;
 * every other file goes to libvips:
 *  - at most SMALL_PNG_PIXELS pixels (this decode blocks the main thread; larger images go to
 *    libvips, which decodes several at once on the thread pool: docs/data.md),
 *  - 8 bits per sample (palette indices: 1 to 8 bits), no embedded ICC profile (libvips would
 *    colour-manage it),
 *  - grey (with or without alpha) to 1 or 3 channels, or RGB / RGBA / palette to 3 channels
 *    (RGB to grey needs libvips' colour conversion). Alpha is dropped, as sharp's removeAlpha.
 */
import pngjs from 'pngjs';
import type { RawImage } from './decode.js';

/** Largest image (width × height) decoded here. */
export const SMALL_PNG_PIXELS = 96 * 96;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const GREY = 0, RGB = 2, PALETTE = 3, GREY_ALPHA = 4, RGBA = 6;

/** Whether `bytes` is a PNG this path decodes to `channels` channels exactly as libvips would. */
export function isSmallPng(bytes: Uint8Array, channels: number): boolean {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR is the first chunk: width, height, bit depth, colour type.
  const width = v.getUint32(16), height = v.getUint32(20), depth = bytes[24]!, type = bytes[25]!;
  if (width * height > SMALL_PNG_PIXELS || (depth !== 8 && !(type === PALETTE && depth < 8))) return false;
  const grey = type === GREY || type === GREY_ALPHA;
  if (!(grey || ((type === RGB || type === RGBA || type === PALETTE) && channels === 3))) return false;
  // Chunks before the image data: an ICC profile sends the file to libvips.
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = v.getUint32(at);
    const name = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (name === 'iCCP') return false;
    if (name === 'IDAT') return true;
    at += 12 + length;
  }
  return false;
}

/** Decodes a PNG that `isSmallPng` accepted to HWC uint8 pixels with `channels` (1 or 3). Throws on a corrupt file. */
export function decodeSmallPng(bytes: Uint8Array, channels: number): RawImage {
  const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const n = png.width * png.height;
  const rgba = png.data; // pngjs expands every colour type to RGBA
  const pixels = new Uint8Array(n * channels);
  if (channels === 1) for (let i = 0; i < n; i++) pixels[i] = rgba[4 * i]!;
  else {
    for (let i = 0; i < n; i++) {
      pixels[3 * i] = rgba[4 * i]!;
      pixels[3 * i + 1] = rgba[4 * i + 1]!;
      pixels[3 * i + 2] = rgba[4 * i + 2]!;
    }
  }
  return { pixels, width: png.width, height: png.height, channels };
}
