/**
 * Image preparation for an exported model, as the data loader does it at test time: HWC uint8
 * pixels (grey, RGB or RGBA) → CHW float32 in [0, 1] at the model's input size (optionally
 * ImageNet-mean subtracted), through the loader's own conversion (convert.ts).
 * An image of another size is stretched to the input size with the loader's bilinear resample
 * (libvips filters reductions below 1/2 in training; this does not, so prefer images near the
 * input size). `transform` maps detections back to the image's pixels.
 */
import { scaleTransform, type SampleTransform } from './geometry.js';
import { NO_PHOTO, writeChw } from './convert.js';

/** Decoded pixels, row-major HWC: 1 (grey), 3 (RGB) or 4 (RGBA: alpha is dropped) channels. */
export interface Pixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export interface PreparedImage {
  /** CHW float32 at the model's input size. */
  data: Float32Array;
  /** Original size, and the map from original pixels to the network input. */
  width: number;
  height: number;
  transform: SampleTransform;
}

/** RGBA → RGB; grey/RGB as they are (a Uint8Array view). */
function dropAlpha(p: Pixels): { data: Uint8Array; channels: 1 | 3 } {
  const src = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
  if (p.channels !== 4) return { data: src, channels: p.channels };
  const n = p.width * p.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out[i * 3] = src[i * 4]!, out[i * 3 + 1] = src[i * 4 + 1]!, out[i * 3 + 2] = src[i * 4 + 2]!;
  return { data: out, channels: 3 };
}

/** Grey ↔ RGB to the model's channel count (grey replicated; RGB to luma, as libvips' b-w). */
function toChannels(d: Uint8Array, from: 1 | 3, to: number, n: number): Uint8Array {
  if (from === to) return d;
  if (to === 3) {
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = d[i]!;
    return out;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(0.2126 * d[i * 3]! + 0.7152 * d[i * 3 + 1]! + 0.0722 * d[i * 3 + 2]!);
  return out;
}

/** Prepares one image for a model with input [C, H, W]. */
export function prepareImage(p: Pixels, inputShape: readonly [number, number, number], o: { subtractMean?: boolean } = {}): PreparedImage {
  const [C, H, W] = inputShape;
  if (C !== 1 && C !== 3) throw new Error(`the model takes ${C}-channel images; the runtime prepares grey or RGB images only`);
  if (!(p.width >= 1 && p.height >= 1) || p.data.length !== p.width * p.height * p.channels) {
    throw new Error(`image pixels: expected ${p.width}×${p.height}×${p.channels} = ${p.width * p.height * p.channels} bytes but received ${p.data.length}`);
  }
  const rgb = dropAlpha(p);
  const src = toChannels(rgb.data, rgb.channels, C, p.width * p.height);
  const data = new Float32Array(C * H * W);
  const same = p.width === W && p.height === H;
  writeChw({
    src, srcW: p.width, srcH: p.height, channels: C, dst: data, dstOffset: 0, outW: W, outH: H, placeX: 0, placeY: 0, flip: false,
    photo: NO_PHOTO, subtractMean: !!o.subtractMean,
    resample: same ? undefined : { width: W, height: H, x: 0, y: 0, placedW: W, placedH: H },
  });
  return { data, width: p.width, height: p.height, transform: scaleTransform(p.width, p.height, W, H) };
}
