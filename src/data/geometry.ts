/** Box geometry between original-image pixels and normalised network-input coordinates. */
import type { Box, DetectionTargets, ObjectAnnotation, SampleTransform } from './types.js';

/** The identity-like transform that scales an original image of size (w, h) to (outW, outH). */
export function scaleTransform(w: number, h: number, outW: number, outH: number): SampleTransform {
  return { scaleX: outW / w, scaleY: outH / h, offsetX: 0, offsetY: 0, flip: false, width: outW, height: outH };
}

/** Maps a box in original pixels to network-input pixels (not clipped). */
export function toInputBox(b: Box, t: SampleTransform): Box {
  let x0 = b[0] * t.scaleX + t.offsetX;
  let x1 = b[2] * t.scaleX + t.offsetX;
  const y0 = b[1] * t.scaleY + t.offsetY;
  const y1 = b[3] * t.scaleY + t.offsetY;
  if (t.flip) [x0, x1] = [t.width - x1, t.width - x0];
  return [x0, y0, x1, y1];
}

/** Maps a box normalised to [0,1] of the network input back to original-image pixels. */
export function toOriginalBox(b: Box, t: SampleTransform): Box {
  let x0 = b[0] * t.width;
  let x1 = b[2] * t.width;
  if (t.flip) [x0, x1] = [t.width - x1, t.width - x0];
  return [(x0 - t.offsetX) / t.scaleX, (b[1] * t.height - t.offsetY) / t.scaleY, (x1 - t.offsetX) / t.scaleX, (b[3] * t.height - t.offsetY) / t.scaleY];
}

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
