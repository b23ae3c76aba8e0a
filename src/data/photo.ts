/**
 * Photometric augmentation (`augment_photo`) and the conversion of decoded HWC uint8 pixels to
 * the network's CHW float32 layout, fused into one pass.
 */
import type { Rng } from './rng.js';

/** Random photometric parameters: additive brightness, contrast and saturation multipliers. */
export interface PhotoParams {
  brightness: number;
  contrast: number;
  saturation: number;
}

/** The identity photometric transform. */
export const NO_PHOTO: PhotoParams = { brightness: 0, contrast: 1, saturation: 1 };

/** Draws parameters: brightness ±0.125, contrast and saturation ×[0.6, 1.4]. */
export function randomPhoto(rng: Rng): PhotoParams {
  return { brightness: rng.uniform(-0.125, 0.125), contrast: rng.uniform(0.6, 1.4), saturation: rng.uniform(0.6, 1.4) };
}

/** ImageNet channel means (RGB, in [0,1]); the pad colour and what `subtract_mean` removes. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];

/** Arguments of `writeChw`. */
export interface ChwWrite {
  /** Decoded pixels, HWC uint8, `srcW`×`srcH`×`channels`. */
  src: Uint8Array;
  srcW: number;
  srcH: number;
  channels: number;
  /** Destination CHW float32 image of `outW`×`outH`, written at `dstOffset`. */
  dst: Float32Array;
  dstOffset: number;
  outW: number;
  outH: number;
  /** Where the source's top-left pixel lands in the output (before mirroring). */
  placeX: number;
  placeY: number;
  flip: boolean;
  photo: PhotoParams;
  subtractMean: boolean;
}

/**
 * Writes one output image: pixels outside the placed source get the mean colour; values are
 * scaled to [0,1], photometrically adjusted (saturation about the luma, contrast about 0.5,
 * brightness), clamped, then optionally mean-subtracted. Every value of the destination image is
 * written, so `dst` may hold stale data (a recycled batch buffer).
 *
 * One pass over the source: saturation and contrast are one linear map per pixel,
 * `out = A·v + B·luma(v) + shift` with `A = contrast·saturation`, `B = contrast·(1 − saturation)`.
 */
export function writeChw(a: ChwWrite): void {
  const { srcW, srcH, channels: C, dst, dstOffset, outW, outH, placeX, placeY, flip, photo, subtractMean } = a;
  if (C !== 1 && C !== 3) throw new Error(`writeChw: expected 1 or 3 channels but received ${C}`);
  // A plain Uint8Array view: Buffers (a subclass) would make the loops below polymorphic.
  const src = a.src.constructor === Uint8Array ? a.src : new Uint8Array(a.src.buffer, a.src.byteOffset, a.src.byteLength);
  const plane = outW * outH;
  const mean = C === 3 ? IMAGENET_MEAN : [IMAGENET_MEAN.reduce((x, y) => x + y) / 3];
  // The placed source, clipped to the output, in output columns before (x0..x1) and after mirroring (d0..d1).
  const x0 = Math.max(0, placeX);
  const x1 = Math.min(outW, placeX + srcW);
  const y0 = Math.max(0, placeY);
  const y1 = Math.min(outH, placeY + srcH);
  const empty = x1 <= x0 || y1 <= y0;
  const d0 = flip ? outW - x1 : x0;
  const d1 = flip ? outW - x0 : x1;
  // Padding: whole rows above and below the source, and the columns beside it.
  for (let c = 0; c < C; c++) {
    const fill = subtractMean ? 0 : mean[c]!;
    const base = dstOffset + c * plane;
    if (empty) {
      dst.fill(fill, base, base + plane);
      continue;
    }
    dst.fill(fill, base, base + y0 * outW);
    dst.fill(fill, base + y1 * outW, base + plane);
    if (d0 > 0 || d1 < outW) {
      for (let y = y0; y < y1; y++) {
        const row = base + y * outW;
        dst.fill(fill, row, row + d0);
        dst.fill(fill, row + d1, row + outW);
      }
    }
  }
  if (empty) return;
  const k = 1 / 255;
  const identity = photo.brightness === 0 && photo.contrast === 1 && photo.saturation === 1;
  const { contrast: ct, saturation: sat } = photo;
  const shift = 0.5 - 0.5 * ct + photo.brightness;
  const m0 = subtractMean ? mean[0]! : 0;
  const m1 = subtractMean && C === 3 ? mean[1]! : 0;
  const m2 = subtractMean && C === 3 ? mean[2]! : 0;
  const step = flip ? -1 : 1;
  const n = x1 - x0;
  for (let y = y0; y < y1; y++) {
    let s = ((y - placeY) * srcW + (x0 - placeX)) * C;
    let d = dstOffset + y * outW + (flip ? outW - 1 - x0 : x0);
    if (C === 1) {
      if (identity) {
        for (let i = 0; i < n; i++, s++, d += step) dst[d] = src[s]! * k - m0;
      } else {
        const A = ct * k;
        for (let i = 0; i < n; i++, s++, d += step) {
          const v = src[s]! * A + shift;
          dst[d] = (v < 0 ? 0 : v > 1 ? 1 : v) - m0;
        }
      }
    } else if (identity) {
      for (let i = 0; i < n; i++, s += 3, d += step) {
        dst[d] = src[s]! * k - m0;
        dst[d + plane] = src[s + 1]! * k - m1;
        dst[d + 2 * plane] = src[s + 2]! * k - m2;
      }
    } else {
      const A = ct * sat * k;
      const Br = ct * (1 - sat) * k * 0.299;
      const Bg = ct * (1 - sat) * k * 0.587;
      const Bb = ct * (1 - sat) * k * 0.114;
      for (let i = 0; i < n; i++, s += 3, d += step) {
        const r = src[s]!, g = src[s + 1]!, b = src[s + 2]!;
        const l = Br * r + Bg * g + Bb * b + shift;
        const R = A * r + l, G = A * g + l, B = A * b + l;
        dst[d] = (R < 0 ? 0 : R > 1 ? 1 : R) - m0;
        dst[d + plane] = (G < 0 ? 0 : G > 1 ? 1 : G) - m1;
        dst[d + 2 * plane] = (B < 0 ? 0 : B > 1 ? 1 : B) - m2;
      }
    }
  }
}
