/**
 * The generated detection dataset: Fashion-MNIST items (or drawn shapes when that data is absent)
 * pasted with random scale and colour onto cluttered, textured backgrounds, with distractors,
 * occlusion and objects cut by the border. Pure and deterministic for (seed, split, index).
 */
import { FASHION_CLASSES, FASHION_DIR, type FashionSplit, loadFashionMnist } from './idx.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { Box } from './types.js';

/** Fashion-MNIST labels used as object classes (the others are not used). */
const FASHION_OBJECTS = [0, 1, 3, 5, 7, 8];
/** Classes of the drawn-shape fallback. */
const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring', 'diamond'];
/** Objects whose visible part is under this fraction of their mask are not annotated. */
const MIN_VISIBLE = 0.2;
/** An object's long side is drawn log-uniformly from this many pixels … */
const MIN_OBJECT_SIDE = 16;
/** … up to this share of the image side. */
const MAX_OBJECT_SHARE = 0.85;

/** Source of 28×28 object masks by class. */
export interface ObjectSource {
  classNames: string[];
  /** A 28×28 intensity mask (0..255) of class `cls`. */
  mask(cls: number, rng: Rng): Uint8Array;
  /** 'fashion-mnist' or 'shapes'. */
  kind: string;
}

/**
 * Which Fashion-MNIST items each split of the generated set draws from: training images show only
 * training items, held-out images only `t10k` items, so the held-out score measures items the
 * detector has never seen (re-coloured and re-placed training items would flatter it).
 */
export const FASHION_ITEMS_OF_SPLIT = { train: 'train', val: 't10k', test: 't10k' } as const;

/** A split of the generated set. */
export type SyntheticSplit = keyof typeof FASHION_ITEMS_OF_SPLIT;

/** The object source of each split (`FASHION_ITEMS_OF_SPLIT`), each Fashion-MNIST split read once. */
export function splitObjectSources(fashionDir?: string): (split: SyntheticSplit) => ObjectSource {
  const loaded = new Map<FashionSplit, ObjectSource>();
  return (split) => {
    const items = FASHION_ITEMS_OF_SPLIT[split];
    let src = loaded.get(items);
    if (!src) {
      src = objectSource(fashionDir, items);
      for (const other of loaded.values()) {
        if (other.kind !== src.kind) throw new UserError(`${fashionDir ?? FASHION_DIR}: Fashion-MNIST's ${items} files are missing, but its other split is there`);
      }
      loaded.set(items, src);
    }
    return src;
  };
}

/** Fashion-MNIST items of one of its splits as objects, or drawn shapes when the folder is absent. */
export function objectSource(fashionDir?: string, items: FashionSplit = 'train'): ObjectSource {
  const fm = loadFashionMnist(fashionDir, items);
  if (fm) {
    const byClass = FASHION_OBJECTS.map((l) => {
      const idx: number[] = [];
      for (let i = 0; i < fm.count; i++) if (fm.labels[i] === l) idx.push(i);
      return idx;
    });
    return {
      kind: 'fashion-mnist',
      classNames: FASHION_OBJECTS.map((l) => FASHION_CLASSES[l]!),
      mask: (cls, rng) => {
        const list = byClass[cls]!;
        const i = list[rng.int(list.length)]!;
        return fm.images.subarray(i * 784, (i + 1) * 784);
      },
    };
  }
  return { kind: 'shapes', classNames: SHAPES, mask: (cls, rng) => shapeMask(cls, rng) };
}

/** A drawn 28×28 shape with a little random jitter. */
export function shapeMask(cls: number, rng: Rng): Uint8Array {
  const m = new Uint8Array(784);
  const j = rng.uniform(-1.5, 1.5);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const u = (x - 13.5) / (12 + j);
    const v = (y - 13.5) / (12 - j);
    const r = Math.hypot(u, v);
    const inside = cls === 0 ? r < 1 : cls === 1 ? Math.max(Math.abs(u), Math.abs(v)) < 0.85
      : cls === 2 ? v < 0.9 && Math.abs(u) < (v + 1) / 2 : cls === 3 ? (Math.abs(u) < 0.3 || Math.abs(v) < 0.3) && Math.max(Math.abs(u), Math.abs(v)) < 1
      : cls === 4 ? r < 1 && r > 0.55 : Math.abs(u) + Math.abs(v) < 1;
    m[y * 28 + x] = inside ? 150 + ((x * 7 + y * 13) % 100) : 0;
  }
  return m;
}

/** One generated image: RGB pixels and its annotated objects (pixel boxes, class indices). */
export interface SyntheticImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  objects: { box: Box; cls: number }[];
}

function textureBackground(W: number, H: number, rng: Rng): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  const base = [rng.uniform(40, 200), rng.uniform(40, 200), rng.uniform(40, 200)];
  const waves = Array.from({ length: 3 }, () => ({ fx: rng.uniform(-0.25, 0.25), fy: rng.uniform(-0.25, 0.25), ph: rng.uniform(0, 6.28), amp: [rng.uniform(-40, 40), rng.uniform(-40, 40), rng.uniform(-40, 40)] }));
  const cell = 4 + rng.int(12);
  const gw = Math.ceil(W / cell) + 1;
  const noise = Array.from({ length: gw * (Math.ceil(H / cell) + 1) }, () => rng.uniform(-25, 25));
  // sin(fx·x + fy·y + ph) = sin(fx·x)·cos(fy·y + ph) + cos(fx·x)·sin(fy·y + ph): a table per
  // column instead of three sines per pixel.
  const [w0, w1, w2] = waves as [(typeof waves)[0], (typeof waves)[0], (typeof waves)[0]];
  const col = (f: (x: number) => number) => Float64Array.from({ length: W }, (_, x) => f(x));
  const s0 = col((x) => Math.sin(w0.fx * x)), c0 = col((x) => Math.cos(w0.fx * x));
  const s1 = col((x) => Math.sin(w1.fx * x)), c1 = col((x) => Math.cos(w1.fx * x));
  const s2 = col((x) => Math.sin(w2.fx * x)), c2 = col((x) => Math.cos(w2.fx * x));
  for (let y = 0; y < H; y++) {
    const a0 = w0.fy * y + w0.ph, a1 = w1.fy * y + w1.ph, a2 = w2.fy * y + w2.ph;
    const cy0 = Math.cos(a0), sy0 = Math.sin(a0), cy1 = Math.cos(a1), sy1 = Math.sin(a1), cy2 = Math.cos(a2), sy2 = Math.sin(a2);
    const nrow = Math.floor(y / cell) * gw;
    for (let x = 0; x < W; x++) {
      const n = noise[nrow + Math.floor(x / cell)]!;
      const v0 = s0[x]! * cy0 + c0[x]! * sy0, v1 = s1[x]! * cy1 + c1[x]! * sy1, v2 = s2[x]! * cy2 + c2[x]! * sy2;
      for (let c = 0; c < 3; c++) {
        const v = base[c]! + n + v0 * w0.amp[c]! + v1 * w1.amp[c]! + v2 * w2.amp[c]!;
        rgb[(y * W + x) * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return rgb;
}

function distractors(rgb: Uint8Array, W: number, H: number, rng: Rng): void {
  const n = 3 + rng.int(8);
  for (let k = 0; k < n; k++) {
    const col = [rng.int(256), rng.int(256), rng.int(256)];
    const a = rng.uniform(0.3, 0.9);
    const cx = rng.uniform(0, W), cy = rng.uniform(0, H);
    const rx = rng.uniform(4, W / 4), ry = rng.uniform(2, H / 4);
    const kind = rng.int(3); // ellipse, rectangle, thin bar
    const ry2 = kind === 2 ? 1.5 : ry;
    for (let y = Math.max(0, Math.floor(cy - ry2)); y < Math.min(H, Math.ceil(cy + ry2)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(W, Math.ceil(cx + rx)); x++) {
        if (kind === 0 && ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1) continue;
        const i = (y * W + x) * 3;
        for (let c = 0; c < 3; c++) rgb[i + c] = rgb[i + c]! * (1 - a) + col[c]! * a;
      }
    }
  }
}

/** The tight extent [x0, y0, x1, y1) of a 28×28 mask's item pixels, or undefined when it has none. */
function maskExtent(mask: Uint8Array): Box | undefined {
  let x0 = 28, y0 = 28, x1 = 0, y1 = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) if (mask[y * 28 + x]! > 30) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
  }
  return x1 > x0 ? [x0, y0, x1, y1] : undefined;
}

/** Where and how one object is pasted: mask extent, scale, top-left corner, colour. */
interface Placement {
  extent: Box;
  scale: number;
  x: number;
  y: number;
  tint: number[];
  dark: boolean;
}

/** Draws an object's colour (after its position, in the generator's order of draws). */
function drawLook(rng: Rng): Pick<Placement, 'tint' | 'dark'> {
  const tint = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
  return { tint, dark: rng.chance(0.3) };
}

/**
 * Pastes a mask (bilinearly scaled, tinted, alpha from its intensity) into `rgb`; where it is mostly
 * opaque, `owner` gets `id`. Returns that opaque pixel count.
 */
function pasteObject(rgb: Uint8Array, W: number, H: number, mask: Uint8Array, p: Placement, owner?: Int16Array, id = 0): number {
  const [mx0, my0, mx1, my1] = p.extent;
  const s = p.scale, ox = p.x, oy = p.y;
  const ow = (mx1 - mx0) * s, oh = (my1 - my0) * s;
  let area = 0;
  for (let y = Math.max(0, Math.floor(oy)); y < Math.min(H, Math.ceil(oy + oh)); y++) {
    for (let x = Math.max(0, Math.floor(ox)); x < Math.min(W, Math.ceil(ox + ow)); x++) {
      const u = mx0 + (x + 0.5 - ox) / s - 0.5, v = my0 + (y + 0.5 - oy) / s - 0.5;
      const u0 = Math.max(0, Math.min(27, Math.floor(u))), v0 = Math.max(0, Math.min(27, Math.floor(v)));
      const u1 = Math.min(27, u0 + 1), v1 = Math.min(27, v0 + 1);
      const fu = Math.max(0, Math.min(1, u - u0)), fv = Math.max(0, Math.min(1, v - v0));
      const m = ((1 - fv) * ((1 - fu) * mask[v0 * 28 + u0]! + fu * mask[v0 * 28 + u1]!) + fv * ((1 - fu) * mask[v1 * 28 + u0]! + fu * mask[v1 * 28 + u1]!)) / 255;
      if (m <= 0.12) continue;
      const a = Math.min(1, m * 1.6);
      const i = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) rgb[i + c] = rgb[i + c]! * (1 - a) + p.tint[c]! * (p.dark ? 1 - 0.6 * m : 0.4 + 0.6 * m) * a;
      if (a > 0.5) {
        if (owner) owner[y * W + x] = id;
        area++;
      }
    }
  }
  return area;
}

/** Generates image `index` of `split` for `seed` (size×size pixels, 1–10 objects). */
export function generateImage(src: ObjectSource, seed: number, split: number, index: number, size: number): SyntheticImage {
  const rng = new Rng(seed, split, index);
  const W = size, H = size;
  const rgb = textureBackground(W, H, rng);
  distractors(rgb, W, H, rng);
  const owner = new Int16Array(W * H).fill(-1);
  const placed: { box: Box; cls: number; area: number }[] = [];
  const n = 1 + rng.int(10);
  for (let k = 0; k < n; k++) {
    const cls = rng.int(src.classNames.length);
    const mask = src.mask(cls, rng);
    const extent = maskExtent(mask);
    if (!extent) continue;
    const long = Math.exp(rng.uniform(Math.log(MIN_OBJECT_SIDE), Math.log(MAX_OBJECT_SHARE * size)));
    const scale = long / Math.max(extent[2] - extent[0], extent[3] - extent[1]);
    const ow = (extent[2] - extent[0]) * scale, oh = (extent[3] - extent[1]) * scale;
    // Up to 30% of an object may lie outside the image.
    const x = rng.uniform(-0.3 * ow, W - 0.7 * ow), y = rng.uniform(-0.3 * oh, H - 0.7 * oh);
    const area = pasteObject(rgb, W, H, mask, { extent, scale, x, y, ...drawLook(rng) }, owner, placed.length);
    placed.push({ box: [W, H, -1, -1], cls, area });
  }
  // Annotate each object by the extent of its still-visible pixels (later objects occlude).
  const visible = new Int32Array(placed.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const o = owner[y * W + x]!;
    if (o < 0) continue;
    const b = placed[o]!.box;
    visible[o]!++;
    b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x + 1); b[3] = Math.max(b[3], y + 1);
  }
  const objects = placed.flatMap((p, i) => (p.area > 0 && visible[i]! / p.area >= MIN_VISIBLE && p.box[2] - p.box[0] >= 4 && p.box[3] - p.box[1] >= 4 ? [{ box: p.box, cls: p.cls }] : []));
  return { width: W, height: H, rgb, objects };
}

/** One generated classification image: RGB pixels and the class of its one object. */
export interface SyntheticObjectImage {
  size: number;
  rgb: Uint8Array;
  cls: number;
}

/** Draws of the classification images come from their own stream, apart from the detection images'. */
const OBJECT_IMAGE_STREAM = 0x0b1ec7;

/**
 * Image `index` of `split` for classifier pretraining: the detection images' background, clutter
 * and colouring around one object, of class `index` mod the class count (balanced classes), at the scale of the detection set's objects
 * (its long side from MIN_OBJECT_SIDE up to 95% of `size`), placed whole within the image.
 */
export function generateObjectImage(src: ObjectSource, seed: number, split: number, index: number, size: number): SyntheticObjectImage {
  const rng = new Rng(seed, split, index, OBJECT_IMAGE_STREAM);
  const rgb = textureBackground(size, size, rng);
  distractors(rgb, size, size, rng);
  const cls = index % src.classNames.length;
  for (;;) {
    const mask = src.mask(cls, rng);
    const extent = maskExtent(mask);
    if (!extent) continue;
    const long = Math.exp(rng.uniform(Math.log(Math.min(MIN_OBJECT_SIDE, size / 2)), Math.log(0.95 * size)));
    const scale = long / Math.max(extent[2] - extent[0], extent[3] - extent[1]);
    const ow = (extent[2] - extent[0]) * scale, oh = (extent[3] - extent[1]) * scale;
    const x = rng.uniform(0, size - ow), y = rng.uniform(0, size - oh);
    pasteObject(rgb, size, size, mask, { extent, scale, x, y, ...drawLook(rng) });
    return { size, rgb, cls };
  }
}
