/**
 * Chooses the geometric part of a sample's augmentation: how the original image is resized, which
 * window of it becomes the network input, and whether it is mirrored. Pure: the result depends
 * only on the arguments and the sample's RNG.
 */
import type { ImageOptions } from './extension-spec.js';
import { fractionInside } from './geometry.js';
import type { Rng } from '../util/rng.js';
import type { Box, ObjectAnnotation, SampleTransform } from './types.js';

/** A resize to (resizedWidth, resizedHeight) followed by a window at (cropX, cropY) of size (width, height), then an optional mirror. */
export interface CropPlan {
  resizedWidth: number;
  resizedHeight: number;
  /** Window origin in resized pixels; may be negative or run past the image (padding). */
  cropX: number;
  cropY: number;
  width: number;
  height: number;
  flip: boolean;
}

/** The transform from original pixels to network-input pixels that a plan performs. */
export function planTransform(p: CropPlan, originalWidth: number, originalHeight: number): SampleTransform {
  return {
    scaleX: p.resizedWidth / originalWidth,
    scaleY: p.resizedHeight / originalHeight,
    offsetX: -p.cropX,
    offsetY: -p.cropY,
    flip: p.flip,
    width: p.width,
    height: p.height,
  };
}

/** How many tries `crop_mode=denet` makes to find a window that keeps an object mostly inside. */
const DENET_TRIES = 30;
/** "Mostly inside": this fraction of an object's area must be in the window. */
const DENET_KEEP = 0.7;

/** A random window for crop_mode=denet: side in [0.3, 1] of the long side, aspect in [1/2, 2]. */
function denetWindow(w: number, h: number, objects: ObjectAnnotation[], rng: Rng): Box {
  const long = Math.max(w, h);
  const targets = objects.filter((o) => !o.ignore);
  for (let t = 0; t < DENET_TRIES; t++) {
    const s = rng.uniform(0.3, 1);
    const a = Math.exp(rng.uniform(Math.log(0.5), Math.log(2)));
    const ww = Math.min(long, long * s * Math.sqrt(a));
    const wh = Math.min(long, (long * s) / Math.sqrt(a));
    const x = rng.uniform(Math.min(0, w - ww), Math.max(0, w - ww));
    const y = rng.uniform(Math.min(0, h - wh), Math.max(0, h - wh));
    const win: Box = [x, y, x + ww, y + wh];
    if (targets.length === 0 || targets.some((o) => fractionInside(o.box, win) >= DENET_KEEP)) return win;
  }
  // Fallback: the whole image, centred in a square (every object fully inside).
  return [(w - long) / 2, (h - long) / 2, (w + long) / 2, (h + long) / 2];
}

/**
 * Plans one sample. `train` enables random crops, denet crops and mirroring; otherwise crops are
 * centred. `fixedSize` is the output size when no `crop` is set (every image is resized to it).
 */
export function planCrop(
  originalWidth: number,
  originalHeight: number,
  o: ImageOptions,
  train: boolean,
  rng: Rng,
  objects: ObjectAnnotation[] = [],
  fixedSize?: [number, number],
): CropPlan {
  const w = originalWidth;
  const h = originalHeight;
  const flip = train && o.mirror && rng.chance(0.5);
  if (o.crop === undefined) {
    const [fw, fh] = fixedSize ?? scaledSize(w, h, o);
    return { resizedWidth: fw, resizedHeight: fh, cropX: 0, cropY: 0, width: fw, height: fh, flip };
  }
  const c = o.crop;
  if (train && o.cropMode === 'denet') {
    const [x0, y0, x1, y1] = denetWindow(w, h, objects, rng);
    const sx = c / (x1 - x0);
    const sy = c / (y1 - y0);
    return { resizedWidth: Math.max(1, Math.round(w * sx)), resizedHeight: Math.max(1, Math.round(h * sy)), cropX: Math.round(x0 * sx), cropY: Math.round(y0 * sy), width: c, height: c, flip };
  }
  const [rw, rh] = scaledSize(w, h, o);
  let cx = Math.floor((rw - c) / 2);
  let cy = Math.floor((rh - c) / 2);
  if (train && o.cropMode === 'random') {
    cx = Math.min(0, rw - c) + rng.int(Math.abs(rw - c) + 1);
    cy = Math.min(0, rh - c) + rng.int(Math.abs(rh - c) + 1);
  }
  return { resizedWidth: rw, resizedHeight: rh, cropX: cx, cropY: cy, width: c, height: c, flip };
}

/** The image size after `scale`/`scale_mode` (unchanged without `scale`). */
export function scaledSize(w: number, h: number, o: ImageOptions): [number, number] {
  if (o.scale === undefined) return [w, h];
  const side = o.scaleMode === 'large' ? Math.max(w, h) : Math.min(w, h);
  const s = o.scale / side;
  return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
}
