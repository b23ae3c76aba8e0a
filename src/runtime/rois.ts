/**
 * The RoIs a DeNet detector classifies at inference (DETECTOR.md §2.5): the N² best boxes of the
 * corner search, padded with random boxes when fewer are found. The padding comes from a fixed
 * seed, so detection is deterministic. Shared by the libtorch sparse-sampling layer and the ONNX
 * runtime.
 */
import { Rng } from '../util/rng.js';
import { searchBoxes, selectCorners, type CornerCandidates, type CornerSelectOptions } from './corner-search.js';

/** Seed of the random padding boxes at inference. */
export const EVAL_SEED = 0x5eed;

export interface RoiSearchOptions extends CornerSelectOptions {
  /** N²: RoIs per image. */
  count: number;
  /** RoI clustering IoU ω (1 = off). */
  roiCluster: number;
}

/** A random box: x0, y0 ~ U(0, 1), x1 ~ U(x0, 1), y1 ~ U(y0, 1) (DETECTOR.md §2.5). */
export function randomBox(rng: Rng): [number, number, number, number] {
  const x0 = rng.next(), y0 = rng.next();
  return [x0, y0, rng.uniform(x0, 1), rng.uniform(y0, 1)];
}

/** Fills boxes `from`…end of `boxes` (4 values each) with random boxes (randomBox). */
export function padRandomBoxes(boxes: Float32Array, from: number, rng: Rng): void {
  for (let k = from; k < boxes.length / 4; k++) boxes.set(randomBox(rng), k * 4);
}

/**
 * The inference RoIs of image `index` of a batch from its corner logits [4, H, W] (a W×H map):
 * `count`·4 normalised boxes. `candidates` replaces the typed-array corner selection when given.
 */
export function inferenceRois(logits: Float32Array, w: number, h: number, o: RoiSearchOptions, index: number, candidates?: CornerCandidates): Float32Array {
  const found = searchBoxes(logits, candidates ?? selectCorners(logits, w, h, o), w, h, { count: o.count, roiCluster: o.roiCluster });
  const boxes = new Float32Array(o.count * 4);
  boxes.set(found.boxes.subarray(0, found.count * 4));
  padRandomBoxes(boxes, found.count, new Rng(EVAL_SEED, index));
  return boxes;
}
