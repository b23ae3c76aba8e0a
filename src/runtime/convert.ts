/**
 * The conversion pass: decoded HWC uint8 pixels to the network's CHW float32 layout, with the
 * resampling (bilinear, as torch's interpolate) and the photometric augmentation (`augment_photo`)
 * fused into it. convert-pool.ts runs it on worker threads.
 */
import type { Rng } from '../util/rng.js';

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
  /** Resize the source on the way (bilinear); without it the source is placed as it is. */
  resample?: Resample;
}

/**
 * A bilinear resize of the source to `width`×`height` (pixel centres aligned, as libvips' and
 * PIL's bilinear and torch's `align_corners=False`, without antialiasing, so for factors down to
 * 1/2; values are not rounded to uint8 in between, as torchvision's resize of a float tensor), of
 * which the `placedW`×`placedH` window at (`x`, `y`) is placed.
 */
export interface Resample {
  width: number;
  height: number;
  x: number;
  y: number;
  placedW: number;
  placedH: number;
}

/** Source index and weight of the two bilinear taps for each of `n` output positions from `from`. */
function taps(from: number, n: number, scale: number, size: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(n), i1 = new Int32Array(n), w = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const f = Math.min(size - 1, Math.max(0, (from + k + 0.5) / scale - 0.5));
    const a = Math.floor(f);
    i0[k] = a;
    i1[k] = Math.min(size - 1, a + 1);
    w[k] = f - a;
  }
  return { i0, i1, w };
}

/**
 * The photometric change before clamping is affine per pixel (`out = A·v + B·luma(v) + shift`,
 * values in uint8 levels in, [0,1] out), so it commutes with bilinear interpolation: it is
 * applied once per interpolated source row instead of once per output pixel.
 */
interface Affine {
  /** contrast·saturation/255 (grey: contrast/255). */
  a: number;
  /** contrast·(1 − saturation)/255 times the luma weights (grey: 0). */
  br: number;
  bg: number;
  bb: number;
  shift: number;
}

function affineOf(photo: PhotoParams, C: number): Affine {
  const { contrast: ct, saturation: sat } = photo;
  const k = 1 / 255;
  const b = C === 3 ? ct * (1 - sat) * k : 0;
  return { a: C === 3 ? ct * sat * k : ct * k, br: b * 0.299, bg: b * 0.587, bb: b * 0.114, shift: 0.5 - 0.5 * ct + photo.brightness };
}

/**
 * Resizes a source row by row (separable bilinear). Each source row needed is interpolated along
 * x once (the placed columns `c0 ..< c1`), put through the photometric affine map and the mirror,
 * into one of two planar float rows (`C` planes, in output order); each output row is their blend
 * along y, clamped. Planar float rows keep the inner loops contiguous, and the photometric map
 * runs once per source row rather than once per output pixel.
 */
class RowResampler {
  private rowA: Float64Array;
  private rowB: Float64Array;
  /** Source rows in rowA and rowB (−1: none). */
  private a = -1;
  private b = -1;
  private readonly rows: ReturnType<typeof taps>;
  private readonly cols: ReturnType<typeof taps>;
  private readonly affine: Affine;

  constructor(
    private readonly src: Uint8Array,
    private readonly srcW: number,
    srcH: number,
    private readonly C: number,
    rs: Resample,
    photo: PhotoParams,
    private readonly flip: boolean,
    private readonly c0: number,
    private readonly c1: number,
  ) {
    this.rows = taps(rs.y, rs.placedH, rs.height / srcH, srcH);
    this.cols = taps(rs.x, rs.placedW, rs.width / srcW, srcW);
    this.rowA = new Float64Array((c1 - c0) * C);
    this.rowB = new Float64Array((c1 - c0) * C);
    this.affine = affineOf(photo, C);
  }

  /** Source row `r` interpolated along x, mapped and mirrored, into `out`. */
  private horizontal(r: number, out: Float64Array): void {
    const { src, C, flip, c0, c1 } = this;
    const { i0, i1, w } = this.cols;
    const { a, br, bg, bb, shift } = this.affine;
    const n = c1 - c0;
    const step = flip ? -1 : 1;
    const base = r * this.srcW * C;
    if (C === 3) {
      for (let j = c0, o = flip ? n - 1 : 0; j < c1; j++, o += step) {
        const p = base + i0[j]! * 3, q = base + i1[j]! * 3, wx = w[j]!;
        const r0 = src[p]!, g0 = src[p + 1]!, b0 = src[p + 2]!;
        const R = r0 + (src[q]! - r0) * wx, G = g0 + (src[q + 1]! - g0) * wx, B = b0 + (src[q + 2]! - b0) * wx;
        const l = br * R + bg * G + bb * B + shift;
        out[o] = a * R + l;
        out[o + n] = a * G + l;
        out[o + 2 * n] = a * B + l;
      }
      return;
    }
    for (let j = c0, o = flip ? n - 1 : 0; j < c1; j++, o += step) {
      const p = base + i0[j]!, q = base + i1[j]!;
      out[o] = a * (src[p]! + (src[q]! - src[p]!) * w[j]!) + shift;
    }
  }

  /** Writes placed row `k` (rows only move down): channel `c` at `dst[at + c·plane ..]`, clamped to [0,1], minus `mean[c]`. */
  row(k: number, dst: Float32Array, at: number, plane: number, mean: number[]): void {
    const ra = this.rows.i0[k]!, rb = this.rows.i1[k]!, wy = this.rows.w[k]!;
    // The previous lower row often becomes the upper one: swap it in.
    if (this.a !== ra) {
      if (this.b === ra) {
        [this.rowA, this.rowB] = [this.rowB, this.rowA];
        this.b = -1;
      } else this.horizontal(ra, this.rowA);
      this.a = ra;
    }
    if (this.b !== rb) {
      this.horizontal(rb, this.rowB);
      this.b = rb;
    }
    const A = this.rowA, B = this.rowB, n = this.c1 - this.c0, w0 = 1 - wy;
    for (let c = 0; c < this.C; c++) {
      const m = mean[c]!;
      for (let i = 0, s = c * n, d = at + c * plane; i < n; i++, s++, d++) {
        const v = A[s]! * w0 + B[s]! * wy;
        dst[d] = (v < 0 ? 0 : v > 1 ? 1 : v) - m;
      }
    }
  }
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
  const rs = a.resample;
  const placedW = rs ? rs.placedW : srcW;
  const placedH = rs ? rs.placedH : srcH;
  // The placed source, clipped to the output, in output columns before (x0..x1) and after mirroring (d0..d1).
  const x0 = Math.max(0, placeX);
  const x1 = Math.min(outW, placeX + placedW);
  const y0 = Math.max(0, placeY);
  const y1 = Math.min(outH, placeY + placedH);
  const empty = x1 <= x0 || y1 <= y0;
  const d0 = flip ? outW - x1 : x0;
  const d1 = flip ? outW - x0 : x1;
  // Padding: whole rows above and below the source, and the columns beside it.
  for (let c = 0; c < C; c++) {
    const fill = subtractMean ? 0 : mean[c]!;
    const base = dstOffset + c * plane;
    const rowsFill = (from: number, to: number) => {
      if (from < to) dst.fill(fill, base + from * outW, base + to * outW);
    };
    if (empty) {
      rowsFill(0, outH);
      continue;
    }
    rowsFill(0, y0);
    rowsFill(y1, outH);
    if (d0 > 0 || d1 < outW) {
      for (let y = y0; y < y1; y++) {
        const row = base + y * outW;
        dst.fill(fill, row, row + d0);
        dst.fill(fill, row + d1, row + outW);
      }
    }
  }
  if (empty) return;
  const sub = subtractMean ? mean : [0, 0, 0];
  if (rs) {
    const resampler = new RowResampler(src, srcW, srcH, C, rs, photo, flip, x0 - placeX, x1 - placeX);
    for (let y = y0; y < y1; y++) resampler.row(y - placeY, dst, dstOffset + y * outW + d0, plane, sub);
    return;
  }
  placeRows(src, srcW, C, dst, dstOffset, outW, plane, placeX, placeY, x0, x1, y0, y1, flip, photo, sub);
}

/** The placed source's output rows `from ..< to` at its own size, columns `x0 ..< x1` (before mirroring): photo, clamp, mean. */
function placeRows(src: Uint8Array, srcW: number, C: number, dst: Float32Array, dstOffset: number, outW: number, plane: number, placeX: number, placeY: number, x0: number, x1: number, from: number, to: number, flip: boolean, photo: PhotoParams, sub: number[]): void {
  const k = 1 / 255;
  const identity = photo.brightness === 0 && photo.contrast === 1 && photo.saturation === 1;
  const { a: A, br: Br, bg: Bg, bb: Bb, shift } = affineOf(photo, C);
  const m0 = sub[0]!, m1 = C === 3 ? sub[1]! : 0, m2 = C === 3 ? sub[2]! : 0;
  const step = flip ? -1 : 1;
  const n = x1 - x0;
  for (let y = from; y < to; y++) {
    let s = ((y - placeY) * srcW + (x0 - placeX)) * C;
    let d = dstOffset + y * outW + (flip ? outW - 1 - x0 : x0);
    if (C === 1) {
      if (identity) {
        for (let i = 0; i < n; i++, s++, d += step) dst[d] = src[s]! * k - m0;
      } else {
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
