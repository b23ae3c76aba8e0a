/**
 * Box geometry between original-image pixels and normalised network-input coordinates (the data
 * loader records a SampleTransform per image; the runtime maps detections back with it).
 */

/** A box `(x0, y0, x1, y1)`; x0 <= x1, y0 <= y1. Units are given where it is used. */
export type Box = [x0: number, y0: number, x1: number, y1: number];

/**
 * The geometric transform from original-image pixels to network-input pixels:
 * `xin = x * scaleX + offsetX`, `yin = y * scaleY + offsetY`, then, when `flip`, `xin = width - xin`
 * (width of the network input). `toOriginalBox` maps predictions back.
 */
export interface SampleTransform {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
  flip: boolean;
  /** Network-input size in pixels. */
  width: number;
  height: number;
}

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
