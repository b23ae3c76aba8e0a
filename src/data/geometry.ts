/** Detection targets in network-input coordinates (the transforms themselves are in src/runtime/geometry.ts). */
import { toInputBox } from '../runtime/geometry.js';
import type { Box, DetectionTargets, ObjectAnnotation, SampleTransform } from './types.js';

/**
 * Builds normalised targets: each object is transformed, clipped to the input, and dropped when
 * less than `minVisible` of its transformed area stays inside (or when it becomes empty).
 */
export function buildTargets(objects: ObjectAnnotation[], t: SampleTransform, minVisible: number): DetectionTargets {
  const boxes: number[] = [];
  const classes: number[] = [];
  const ignore: number[] = [];
  const difficult: number[] = [];
  for (const o of objects) {
    const [x0, y0, x1, y1] = toInputBox(o.box, t);
    const area = (x1 - x0) * (y1 - y0);
    const cx0 = Math.max(0, x0), cy0 = Math.max(0, y0), cx1 = Math.min(t.width, x1), cy1 = Math.min(t.height, y1);
    if (cx1 - cx0 < 1 || cy1 - cy0 < 1 || area <= 0) continue;
    if (((cx1 - cx0) * (cy1 - cy0)) / area < minVisible) continue;
    boxes.push(cx0 / t.width, cy0 / t.height, cx1 / t.width, cy1 / t.height);
    classes.push(o.cls);
    ignore.push(o.ignore ? 1 : 0);
    difficult.push(o.difficult ? 1 : 0);
  }
  return { boxes: Float32Array.from(boxes), classes: Int32Array.from(classes), ignore: Uint8Array.from(ignore), difficult: Uint8Array.from(difficult) };
}

/** Fraction of box `b`'s area inside the window `(wx0, wy0, wx1, wy1)`. */
export function fractionInside(b: Box, w: Box): number {
  const area = (b[2] - b[0]) * (b[3] - b[1]);
  if (area <= 0) return 0;
  const ix = Math.max(0, Math.min(b[2], w[2]) - Math.max(b[0], w[0]));
  const iy = Math.max(0, Math.min(b[3], w[3]) - Math.max(b[1], w[1]));
  return (ix * iy) / area;
}
