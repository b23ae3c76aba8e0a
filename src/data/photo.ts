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
 * brightness), clamped, then optionally mean-subtracted.
 */
export function writeChw(a: ChwWrite): void {
  const { src, srcW, srcH, channels: C, dst, dstOffset, outW, outH, placeX, placeY, flip, photo, subtractMean } = a;
  const plane = outW * outH;
  const mean = C === 3 ? IMAGENET_MEAN : [IMAGENET_MEAN.reduce((x, y) => x + y) / 3];
  for (let c = 0; c < C; c++) {
    const fill = subtractMean ? 0 : mean[c]!;
    dst.fill(fill, dstOffset + c * plane, dstOffset + (c + 1) * plane);
  }
  const x0 = Math.max(0, placeX);
  const x1 = Math.min(outW, placeX + srcW);
  const y0 = Math.max(0, placeY);
  const y1 = Math.min(outH, placeY + srcH);
  const identity = photo.brightness === 0 && photo.contrast === 1 && photo.saturation === 1;
  const k = 1 / 255;
  const { contrast: ct, saturation: sat } = photo;
  const shift = 0.5 - 0.5 * ct + photo.brightness;
  const m0 = subtractMean ? mean[0]! : 0;
  const m1 = subtractMean && C === 3 ? mean[1]! : 0;
  const m2 = subtractMean && C === 3 ? mean[2]! : 0;
  for (let y = y0; y < y1; y++) {
    const srow = (y - placeY) * srcW;
    const drow = dstOffset + y * outW;
    for (let x = x0; x < x1; x++) {
      const s = (srow + (x - placeX)) * C;
      const d = drow + (flip ? outW - 1 - x : x);
      if (C === 3) {
        let r = src[s]! * k, g = src[s + 1]! * k, b = src[s + 2]! * k;
        if (!identity) {
          const l = 0.299 * r + 0.587 * g + 0.114 * b;
          r = (l + sat * (r - l)) * ct + shift;
          g = (l + sat * (g - l)) * ct + shift;
          b = (l + sat * (b - l)) * ct + shift;
          r = r < 0 ? 0 : r > 1 ? 1 : r;
          g = g < 0 ? 0 : g > 1 ? 1 : g;
          b = b < 0 ? 0 : b > 1 ? 1 : b;
        }
        dst[d] = r - m0;
        dst[d + plane] = g - m1;
        dst[d + 2 * plane] = b - m2;
      } else {
        let v = src[s]! * k;
        if (!identity) {
          v = v * ct + shift;
          v = v < 0 ? 0 : v > 1 ? 1 : v;
        }
        dst[d] = v - m0;
      }
    }
  }
}
