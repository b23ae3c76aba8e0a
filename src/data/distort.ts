/**
 * `--distort-mode` in-memory augmentation for classification: `oX` random offset up to X pixels,
 * `sX` random scale ±X percent, `rX` random rotation ±X degrees, `mX` mirror with probability X
 * percent; combine several (`o4s10`, `o4,m50`, `r15 s5`). Applied to CHW float32 images by
 * inverse-mapped bilinear sampling; outside pixels become 0 (the mean after `subtract_mean`).
 */
import { UserError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import type { ImageArray } from './types.js';

/** Parsed distortion amounts (0 = off). */
export interface DistortSpec {
  offset: number;
  scale: number;
  rotation: number;
  mirror: number;
}

/** Parses a distort-mode string; unknown letters or missing numbers are a `UserError`. */
export function parseDistort(text: string): DistortSpec {
  const spec: DistortSpec = { offset: 0, scale: 0, rotation: 0, mirror: 0 };
  const compact = text.replace(/[\s,]+/g, '');
  if (compact.length === 0) return spec;
  const re = /([osrm])(\d+(?:\.\d+)?)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(compact))) {
    const v = Number(m[2]);
    if (m[1] === 'o') spec.offset = v;
    else if (m[1] === 's') spec.scale = v;
    else if (m[1] === 'r') spec.rotation = v;
    else {
      if (v > 100) throw new UserError(`--distort-mode ${text}: mirror probability m${v} is over 100 percent`);
      spec.mirror = v;
    }
    end = re.lastIndex;
  }
  if (end !== compact.length) {
    throw new UserError(`--distort-mode ${text}: cannot parse "${compact.slice(end)}" (expected oX offset px, sX scale %, rX rotation deg, mX mirror %)`);
  }
  return spec;
}

/** Whether a spec changes anything. */
export function distortActive(d: DistortSpec): boolean {
  return d.offset > 0 || d.scale > 0 || d.rotation > 0 || d.mirror > 0;
}

/**
 * Returns a distorted copy of `img` (the input is not modified). Parameters are drawn from `rng`
 * in a fixed order, so the same generator state gives the same result.
 */
export function distort(img: ImageArray, d: DistortSpec, rng: Rng): ImageArray {
  const dx = d.offset > 0 ? rng.uniform(-d.offset, d.offset) : 0;
  const dy = d.offset > 0 ? rng.uniform(-d.offset, d.offset) : 0;
  const s = d.scale > 0 ? 1 + rng.uniform(-d.scale, d.scale) / 100 : 1;
  const a = d.rotation > 0 ? (rng.uniform(-d.rotation, d.rotation) * Math.PI) / 180 : 0;
  const flip = d.mirror > 0 && rng.chance(d.mirror / 100);
  const { width: W, height: H, channels: C, data } = img;
  const out = new Float32Array(data.length);
  if (dx === 0 && dy === 0 && s === 1 && a === 0) {
    for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      out[(c * H + y) * W + x] = data[(c * H + y) * W + (flip ? W - 1 - x : x)]!;
    }
    return { data: out, channels: C, width: W, height: H };
  }
  // Forward: p' = R·S·(p - centre) + centre + offset (then mirror). Inverse-map each output pixel.
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  const cos = Math.cos(a) / s;
  const sin = Math.sin(a) / s;
  const plane = W * H;
  for (let y = 0; y < H; y++) {
    for (let xo = 0; xo < W; xo++) {
      const x = flip ? W - 1 - xo : xo;
      const u = x - cx - dx;
      const v = y - cy - dy;
      const sx = cos * u + sin * v + cx;
      const sy = -sin * u + cos * v + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < C; c++) {
        const base = c * plane;
        const at = (xx: number, yy: number) => (xx >= 0 && yy >= 0 && xx < W && yy < H ? data[base + yy * W + xx]! : 0);
        out[base + y * W + xo] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      }
    }
  }
  return { data: out, channels: C, width: W, height: H };
}
