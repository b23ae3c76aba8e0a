/**
 * Decodes one image file with sharp (libvips, on libuv's thread pool; tiny PNGs in JavaScript,
 * src/data/small-png.ts): reads the header, plans
 * the crop, reduces (by more than 2) and extracts in libvips to uint8 (`decodeRaw`);
 * `writeDecoded` (or a worker running `chwJob`) then writes the CHW float32 pixels in one pass,
 * resizing on the way, wherever the caller wants them (the loader: into the batch).
 * `decodeWhole` decodes a whole image (the loader's RAM cache, and images used uncropped),
 * which `decodeRaw` then takes instead of the file. Missing or corrupt files reject with a plain
 * Error (the loader skips them); an image whose size disagrees with its annotation is a
 * `UserError`.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError } from '../util/errors.js';
import type { CropPlan } from './crop-plan.js';
import { writeChw, type ChwWrite, type PhotoParams, type Resample } from '../runtime/convert.js';
import { decodeSmallPng, isSmallPng } from './small-png.js';
import type { SampleRecord, SampleTransform } from './types.js';

/**
 * Runs a libvips decode when a decode thread is free (the loader's `--workers` limit). File
 * reads and header parsing happen before it, outside the limit: they take microseconds of CPU,
 * and inside it they kept a decode thread waiting on the event loop.
 */
export type Gate = <T>(work: () => Promise<T>) => Promise<T>;

const ungated: Gate = (work) => work();

/**
 * One libvips thread per image (process-wide): the loader decodes `--workers` images at once,
 * so per-image threads only add hand-offs (torch's DataLoader likewise gives each worker one
 * intra-op thread). Measured 5% more images/s at 2 threads on 2 cores.
 */
export function oneThreadPerDecode(): void {
  if (sharp.concurrency() !== 1) sharp.concurrency(1);
}

/** A decoded, transformed sample. */
export interface DecodedImage {
  /** CHW float32, `channels`×`height`×`width`. */
  data: Float32Array;
  channels: number;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  transform: SampleTransform;
}

/** Reads an image's stored size and channel count (without alpha). */
export async function imageHeader(file: string | Buffer): Promise<{ width: number; height: number; channels: number }> {
  return header(await sharp(file).metadata());
}

function header(m: sharp.Metadata): { width: number; height: number; channels: number } {
  if (!m.width || !m.height) throw new Error('image has no size');
  const ch = (m.channels ?? 3) - (m.hasAlpha ? 1 : 0);
  return { width: m.width, height: m.height, channels: ch >= 3 ? 3 : 1 };
}

/**
 * A decoded sample before its conversion to float: the part of the crop window that lies on the
 * image, as HWC uint8 pixels, and where it goes in the network input. `writeDecoded` turns it
 * into CHW float32 (resize, photometric change, mirror, padding) at its place in a batch.
 */
export interface DecodedRaw {
  /** HWC uint8 pixels, `srcW`×`srcH`×`channels` (empty when the window misses the image). */
  pixels: Uint8Array;
  srcW: number;
  srcH: number;
  channels: number;
  /** Where `pixels`' top-left lands in the network input (before mirroring). */
  placeX: number;
  placeY: number;
  /** When set, `pixels` are resized on their way into the batch (writeChw), then placed. */
  resample?: Resample;
  /** Network-input size. */
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  transform: SampleTransform;
}

/** A whole decoded image held in memory (the loader's `cache=ram`): HWC uint8. */
export interface RawImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Runs a libvips pipeline to HWC uint8 with `channels` (1 or 3: grey or sRGB). */
async function rawPixels(img: sharp.Sharp, channels: number): Promise<RawImage> {
  const out = await (channels === 3 ? img.toColourspace('srgb') : img.toColourspace('b-w')).raw().toBuffer({ resolveWithObject: true });
  if (out.info.channels !== channels) throw new Error(`decoded ${out.info.channels} channels, expected ${channels}`);
  return { pixels: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.info.width, height: out.info.height, channels };
}

function checkAnnotatedSize(record: SampleRecord, ow: number, oh: number): void {
  if ((record.width !== undefined && record.width !== ow) || (record.height !== undefined && record.height !== oh)) {
    throw new UserError(`${record.file}: image is ${ow}x${oh} but its annotation says ${record.width}x${record.height}`);
  }
}

/** Decodes all of `record.file` to uint8 pixels with `channels` channels, in one libvips call. */
export async function decodeWhole(record: SampleRecord, channels: number, gate = ungated): Promise<RawImage> {
  const bytes = await readFile(record.file);
  const im = isSmallPng(bytes, channels) ? decodeSmallPng(bytes, channels) : await gate(() => rawPixels(sharp(bytes).removeAlpha(), channels));
  checkAnnotatedSize(record, im.width, im.height);
  return im;
}

/** The `w`×`h` window at (`x`, `y`) of a whole image, copied row by row. */
function cropWhole(im: RawImage, x: number, y: number, w: number, h: number): Uint8Array {
  const C = im.channels;
  if (x === 0 && y === 0 && w === im.width && h === im.height) return im.pixels;
  const out = new Uint8Array(w * h * C);
  for (let r = 0; r < h; r++) out.set(im.pixels.subarray(((y + r) * im.width + x) * C, ((y + r) * im.width + x + w) * C), r * w * C);
  return out;
}

/**
 * Decodes `record.file` (or its already decoded pixels `whole`) to uint8 pixels. `plan(w, h)`
 * chooses the geometry from the original size; `channels` 1 or 3 forces grey or sRGB output.
 * libvips reads, crops and reduces; only the part of the original under the crop window is
 * decoded and resized; enlargements, and with `augmenting` also reductions down to 1/2, are left
 * to `writeDecoded` (`resample`). From `whole`, a window that libvips need not reduce is copied
 * in JavaScript (no libvips pipeline at all).
 */
export async function decodeRaw(
  record: SampleRecord,
  channels: number,
  plan: (width: number, height: number) => CropPlan,
  whole?: RawImage,
  gate = ungated,
  augmenting = false,
): Promise<DecodedRaw> {
  const fromFile = !whole;
  const bytes = whole ? undefined : await readFile(record.file);
  if (bytes && isSmallPng(bytes, channels)) whole = decodeSmallPng(bytes, channels);
  // One sharp instance reads the header and then runs the pipeline (the input is parsed once).
  const input = whole ? undefined : sharp(bytes!);
  const { width: ow, height: oh } = whole ?? header(await input!.metadata());
  if (fromFile) checkAnnotatedSize(record, ow, oh);
  const p = plan(ow, oh);
  const sx = p.resizedWidth / ow;
  const sy = p.resizedHeight / oh;
  // Only the part of the original under the crop window is decoded and resized (like PIL's
  // resize(box=...)): pre-extract it on whole pixels, resize, then trim to the window.
  const ix0 = Math.max(0, Math.floor(p.cropX / sx));
  const iy0 = Math.max(0, Math.floor(p.cropY / sy));
  const ix1 = Math.min(ow, Math.ceil((p.cropX + p.width) / sx));
  const iy1 = Math.min(oh, Math.ceil((p.cropY + p.height) / sy));
  let pixels: Uint8Array = new Uint8Array(0);
  let srcW = 0;
  let srcH = 0;
  let scaleX = sx;
  let scaleY = sy;
  let px = p.cropX;
  let py = p.cropY;
  let ex0 = 0;
  let ey0 = 0;
  let resample: Resample | undefined;
  if (ix1 > ix0 && iy1 > iy0) {
    const rw = Math.max(1, Math.round((ix1 - ix0) * sx));
    const rh = Math.max(1, Math.round((iy1 - iy0) * sy));
    scaleX = rw / (ix1 - ix0);
    scaleY = rh / (iy1 - iy0);
    // Window origin in the resized region's pixels.
    px = Math.round(p.cropX - ix0 * scaleX);
    py = Math.round(p.cropY - iy0 * scaleY);
    ex0 = Math.max(0, px);
    ey0 = Math.max(0, py);
    const ex1 = Math.min(rw, px + p.width);
    const ey1 = Math.min(rh, py + p.height);
    const resize = rw !== ix1 - ix0 || rh !== iy1 - iy0;
    // Enlarging happens later, in the float conversion (writeChw, bilinear), which is cheaper than
    // libvips' resize of the whole image. When augmenting, so do reductions down to 1/2 (2 taps,
    // not antialiased, as Ultralytics resizes with OpenCV's INTER_LINEAR when it augments and with
    // INTER_AREA otherwise). Other reductions stay with libvips, which filters them
    // (docs/data.md; bench/data-loader.ts measures the difference).
    const least = augmenting ? 0.5 : 1;
    const inPass = resize && rw >= least * (ix1 - ix0) && rh >= least * (iy1 - iy0);
    if (ex1 > ex0 && ey1 > ey0 && (inPass || (whole && !resize))) {
      // The pixels used as they are: the region to resize, or the window itself.
      const [x, y, w, h] = inPass ? [ix0, iy0, ix1 - ix0, iy1 - iy0] : [ix0 + ex0, iy0 + ey0, ex1 - ex0, ey1 - ey0];
      pixels = whole ? cropWhole(whole, x, y, w, h) : (await gate(() => rawPixels(extract(input!.removeAlpha(), x, y, w, h, ow, oh), channels))).pixels;
      srcW = w;
      srcH = h;
      if (inPass) resample = { width: rw, height: rh, x: ex0, y: ey0, placedW: ex1 - ex0, placedH: ey1 - ey0 };
    } else if (ex1 > ex0 && ey1 > ey0) {
      let img = whole ? sharp(whole.pixels, { raw: { width: ow, height: oh, channels: whole.channels as 1 | 3 } }) : input!.removeAlpha();
      img = extract(img, ix0, iy0, ix1 - ix0, iy1 - iy0, ow, oh);
      if (resize) img = img.resize(rw, rh, { fit: 'fill', kernel: 'linear' });
      const out = await gate(() => rawPixels(extract(img, ex0, ey0, ex1 - ex0, ey1 - ey0, rw, rh), channels));
      pixels = out.pixels;
      srcW = out.width;
      srcH = out.height;
    }
  }
  const transform: SampleTransform = { scaleX, scaleY, offsetX: -ix0 * scaleX - px, offsetY: -iy0 * scaleY - py, flip: p.flip, width: p.width, height: p.height };
  return { pixels, srcW, srcH, channels, placeX: ex0 - px, placeY: ey0 - py, resample, width: p.width, height: p.height, originalWidth: ow, originalHeight: oh, transform };
}

/** `img` cut to the `w`×`h` window at (`x`, `y`) unless that is all of its `iw`×`ih`. */
function extract(img: sharp.Sharp, x: number, y: number, w: number, h: number, iw: number, ih: number): sharp.Sharp {
  return x === 0 && y === 0 && w === iw && h === ih ? img : img.extract({ left: x, top: y, width: w, height: h });
}

/**
 * The conversion of a decoded sample to CHW float32 at `dst[offset ..]`
 * (`channels`×`height`×`width` values, every one written): resize, mirror, photometric change,
 * mean padding and optional mean subtraction, as `writeChw` arguments (the loader runs them on a
 * worker).
 */
export function chwJob(d: DecodedRaw, dst: Float32Array, offset: number, photo: PhotoParams, subtractMean: boolean): ChwWrite {
  return {
    src: d.pixels, srcW: d.srcW, srcH: d.srcH, channels: d.channels, dst, dstOffset: offset, outW: d.width, outH: d.height,
    placeX: d.placeX, placeY: d.placeY, flip: d.transform.flip, photo, subtractMean, resample: d.resample,
  };
}

/** Writes a decoded sample as CHW float32 at `dst[offset ..]` (`chwJob`, here and now). */
export function writeDecoded(d: DecodedRaw, dst: Float32Array, offset: number, photo: PhotoParams, subtractMean: boolean): void {
  writeChw(chwJob(d, dst, offset, photo, subtractMean));
}

/**
 * Decodes `record.file` to CHW float32 (`decodeRaw` then `writeDecoded` into a new array).
 * `photo` is the photometric change.
 */
export async function decodeImage(
  record: SampleRecord,
  channels: number,
  plan: (width: number, height: number) => CropPlan,
  photo: PhotoParams,
  subtractMean: boolean,
  whole?: RawImage,
  gate = ungated,
): Promise<DecodedImage> {
  const raw = await decodeRaw(record, channels, plan, whole, gate);
  const data = new Float32Array(channels * raw.width * raw.height);
  writeDecoded(raw, data, 0, photo, subtractMean);
  return { data, channels, width: raw.width, height: raw.height, originalWidth: raw.originalWidth, originalHeight: raw.originalHeight, transform: raw.transform };
}
