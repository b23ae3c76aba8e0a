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
  /** Resize the source on the way (bilinear); without it the source is placed as it is. */
  resample?: Resample;
  /** Write only output rows `from ..< to` (all by default), so a caller can convert in slices. */
  rows?: [from: number, to: number];
}

/**
 * A bilinear resize of the source to `width`×`height` (pixel centres aligned, as libvips' and
 * PIL's bilinear and torch's `align_corners=False`, without antialiasing, so for factors down to
 * 1/2; each value rounded to uint8 as a resized image would be), of which the
 * `placedW`×`placedH` window at (`x`, `y`) is placed.
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

const resamplers = new WeakMap<Resample, RowResampler>();

/**
 * Resizes a source row by row (separable bilinear): each source row needed is interpolated along
 * x once, into one of two cached float rows, and each output row is their blend along y.
 */
class RowResampler {
  private rowA: Float32Array;
  private rowB: Float32Array;
  private a = -1;
  private b = -1;
  private c0 = 0;
  private c1 = 0;
  private readonly rows: ReturnType<typeof taps>;
  private readonly cols: ReturnType<typeof taps>;

  /** The last placed row `row` made, rounded to uint8 (placedW·C values). */
  readonly line: Uint8Array;

  constructor(readonly src: Uint8Array, private readonly srcW: number, srcH: number, private readonly C: number, rs: Resample) {
    this.rows = taps(rs.y, rs.placedH, rs.height / srcH, srcH);
    this.cols = taps(rs.x, rs.placedW, rs.width / srcW, srcW);
    this.rowA = new Float32Array(rs.placedW * C);
    this.rowB = new Float32Array(rs.placedW * C);
    this.line = new Uint8Array(rs.placedW * C);
  }

  /**
   * The resampler of `rs` over `src`, kept while `rs` lives, so that converting an image in
   * slices of rows (the loader) neither rebuilds the taps nor re-interpolates rows per slice.
   */
  static of(src: Uint8Array, srcW: number, srcH: number, C: number, rs: Resample): RowResampler {
    let r = resamplers.get(rs);
    if (!r || r.src !== src) resamplers.set(rs, (r = new RowResampler(src, srcW, srcH, C, rs)));
    return r;
  }

  /** Source row `r` interpolated along x (columns `c0 ..< c1` of the placed window) into `out`. */
  private horizontal(r: number, c0: number, c1: number, out: Float32Array): void {
    const { src, C } = this;
    const { i0, i1, w } = this.cols;
    const base = r * this.srcW * C;
    if (C === 3) {
      // Unrolled: a loop over a variable channel count stops V8 from keeping values in registers.
      for (let j = c0, o = c0 * 3; j < c1; j++, o += 3) {
        const p = base + i0[j]! * 3, q = base + i1[j]! * 3, wx = w[j]!;
        const r = src[p]!, g = src[p + 1]!, b = src[p + 2]!;
        out[o] = r + (src[q]! - r) * wx;
        out[o + 1] = g + (src[q + 1]! - g) * wx;
        out[o + 2] = b + (src[q + 2]! - b) * wx;
      }
      return;
    }
    for (let j = c0; j < c1; j++) {
      const p = base + i0[j]!, q = base + i1[j]!;
      out[j] = src[p]! + (src[q]! - src[p]!) * w[j]!;
    }
  }

  /** Makes placed row `k`, columns `c0 ..< c1`, in `line`. */
  row(k: number, c0: number, c1: number): void {
    const ra = this.rows.i0[k]!, rb = this.rows.i1[k]!, wy = this.rows.w[k]!;
    if (c0 !== this.c0 || c1 !== this.c1) {
      // The cached rows hold other columns.
      [this.a, this.b, this.c0, this.c1] = [-1, -1, c0, c1];
    }
    // Rows only move down, so the previous lower row often becomes the upper one: swap it in.
    if (this.a !== ra) {
      if (this.b === ra) {
        [this.rowA, this.rowB] = [this.rowB, this.rowA];
        this.b = -1;
      } else this.horizontal(ra, c0, c1, this.rowA);
      this.a = ra;
    }
    if (this.b !== rb) {
      this.horizontal(rb, c0, c1, this.rowB);
      this.b = rb;
    }
    const A = this.rowA, B = this.rowB, line = this.line;
    // v ≥ 0, so (v + 0.5) | 0 is Math.round(v).
    for (let i = c0 * this.C, e = c1 * this.C; i < e; i++) line[i] = (A[i]! + (B[i]! - A[i]!) * wy + 0.5) | 0;
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
  const [r0, r1] = a.rows ?? [0, outH];
  // Padding: whole rows above and below the source, and the columns beside it (within r0 ..< r1).
  for (let c = 0; c < C; c++) {
    const fill = subtractMean ? 0 : mean[c]!;
    const base = dstOffset + c * plane;
    const rowsFill = (from: number, to: number) => {
      if (Math.max(from, r0) < Math.min(to, r1)) dst.fill(fill, base + Math.max(from, r0) * outW, base + Math.min(to, r1) * outW);
    };
    if (empty) {
      rowsFill(0, outH);
      continue;
    }
    rowsFill(0, y0);
    rowsFill(y1, outH);
    if (d0 > 0 || d1 < outW) {
      for (let y = Math.max(y0, r0); y < Math.min(y1, r1); y++) {
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
  // Resampling: each placed row is first resized into `line`; the loops below then read it.
  const resampler = rs ? RowResampler.of(src, srcW, srcH, C, rs) : undefined;
  const line = resampler ? resampler.line : src;
  for (let y = Math.max(y0, r0); y < Math.min(y1, r1); y++) {
    resampler?.row(y - placeY, x0 - placeX, x1 - placeX);
    let s = rs ? (x0 - placeX) * C : ((y - placeY) * srcW + (x0 - placeX)) * C;
    let d = dstOffset + y * outW + (flip ? outW - 1 - x0 : x0);
    if (C === 1) {
      if (identity) {
        for (let i = 0; i < n; i++, s++, d += step) dst[d] = line[s]! * k - m0;
      } else {
        const A = ct * k;
        for (let i = 0; i < n; i++, s++, d += step) {
          const v = line[s]! * A + shift;
          dst[d] = (v < 0 ? 0 : v > 1 ? 1 : v) - m0;
        }
      }
    } else if (identity) {
      for (let i = 0; i < n; i++, s += 3, d += step) {
        dst[d] = line[s]! * k - m0;
        dst[d + plane] = line[s + 1]! * k - m1;
        dst[d + 2 * plane] = line[s + 2]! * k - m2;
      }
    } else {
      const A = ct * sat * k;
      const Br = ct * (1 - sat) * k * 0.299;
      const Bg = ct * (1 - sat) * k * 0.587;
      const Bb = ct * (1 - sat) * k * 0.114;
      for (let i = 0; i < n; i++, s += 3, d += step) {
        const r = line[s]!, g = line[s + 1]!, b = line[s + 2]!;
        const l = Br * r + Bg * g + Bb * b + shift;
        const R = A * r + l, G = A * g + l, B = A * b + l;
        dst[d] = (R < 0 ? 0 : R > 1 ? 1 : R) - m0;
        dst[d + plane] = (G < 0 ? 0 : G > 1 ? 1 : G) - m1;
        dst[d + 2 * plane] = (B < 0 ? 0 : B > 1 ? 1 : B) - m2;
      }
    }
  }
}
