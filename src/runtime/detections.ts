/**
 * From the detection head's per-RoI probabilities to detections (DETECTOR.md §6): per class,
 * threshold, decode the regressed boxes, score (plain or fitness), NMS, and keep the best
 * `maxDetections` per image. Pure typed-array code: the libtorch path (src/detect/detect.ts) and
 * the ONNX runtime both use it.
 */
import { toOriginalBox, type SampleTransform } from './geometry.js';
import { clipBoxes, decodeDeltaInto } from './boxes.js';
import { bucketIou, type HeadLayout } from './head-layout.js';
import { allPairsNms, greedyNms, softNms, type NmsMethod } from './nms.js';

/** One detection: a box normalised to [0,1] of the network input, a class index and a score. */
export interface Detection {
  box: [x0: number, y0: number, x1: number, y1: number];
  cls: number;
  score: number;
}

export interface DetectOptions {
  /** Keep a RoI for class c when its (marginal) probability of c is at least this. Default 0.01. */
  scoreThreshold?: number;
  /** NMS IoU threshold. Default 0.5. */
  nmsIoU?: number;
  /** At most this many detections per image, over all classes, best first. Default 100. */
  maxDetections?: number;
  /** 'greedy' (default), 'soft' (Gaussian Soft-NMS) or 'all-pairs'. */
  nms?: NmsMethod;
  /** Soft-NMS σ. Default 0.5. */
  softSigma?: number;
  /**
   * Rank by the fitness score (`.J`: Σn λn P(c, n); `.I`: P(c)·E[f]) when the head has fitness.
   * Default true; false ranks by the class probability.
   */
  fitness?: boolean;
}

/** Per-RoI probabilities read from a DND output, as typed arrays in RoI-major order. */
export interface HeadProbabilities {
  batch: number;
  rois: number;
  /** [B, R, classChannels] class (or joint class×fitness) probabilities. */
  classes: Float32Array;
  /** [B, R, F + 1] independent fitness probabilities (`.I`), else empty. */
  fitness: Float32Array;
  /** [B, R, 4] box deltas. */
  deltas: Float32Array;
  /** [B, R, 4] RoIs. */
  rois4: Float32Array;
}

/** Detections from head probabilities: per class threshold, decode, score, NMS, top maxDetections. */
export function decodeDetections(p: HeadProbabilities, layout: HeadLayout, o: DetectOptions = {}): Detection[][] {
  const thr = o.scoreThreshold ?? 0.01;
  const iou = o.nmsIoU ?? 0.5;
  const maxDet = o.maxDetections ?? 100;
  const method = o.nms ?? 'greedy';
  const useFitness = (o.fitness ?? true) && layout.fitness !== 'none';
  const { numClasses: nc, buckets: nb, classChannels: kc } = layout;
  const fc = layout.fitnessChannels;
  const out: Detection[][] = [];
  for (let i = 0; i < p.batch; i++) {
    const dets: Detection[] = [];
    const base = i * p.rois;
    // Expected fitness per RoI (`.I`).
    const ef = new Float64Array(p.rois);
    if (layout.fitness === 'independent') {
      for (let k = 0; k < p.rois; k++) for (let n = 0; n < nb; n++) ef[k] = ef[k]! + bucketIou(n, nb) * p.fitness[(base + k) * fc + 1 + n]!;
    }
    for (let c = 0; c < nc; c++) {
      const idx: number[] = [];
      const scores: number[] = [];
      for (let k = 0; k < p.rois; k++) {
        const row = (base + k) * kc;
        let marginal: number, score: number;
        if (layout.fitness === 'joint') {
          marginal = 0, score = 0;
          for (let n = 0; n < nb; n++) {
            const v = p.classes[row + c * nb + n]!;
            marginal += v;
            score += bucketIou(n, nb) * v;
          }
        } else {
          marginal = p.classes[row + c]!;
          score = layout.fitness === 'independent' ? marginal * ef[k]! : marginal;
        }
        if (marginal < thr) continue;
        idx.push(k);
        scores.push(useFitness ? score : marginal);
      }
      if (!idx.length) continue;
      const boxes = new Float32Array(idx.length * 4);
      idx.forEach((k, j) => decodeDeltaInto(p.rois4, base + k, p.deltas, base + k, boxes, j));
      clipBoxes(boxes);
      let keep: ArrayLike<number>, kept: ArrayLike<number>;
      if (method === 'soft') {
        const r = softNms(boxes, scores, { sigma: o.softSigma, minScore: Math.min(thr, 0.001) });
        keep = r.indices, kept = r.scores;
      } else {
        keep = method === 'all-pairs' ? allPairsNms(boxes, scores, iou) : greedyNms(boxes, scores, iou);
        kept = Array.from(keep, (j) => scores[j]!);
      }
      for (let q = 0; q < keep.length; q++) {
        const j = keep[q]!;
        if (!(boxes[j * 4 + 2]! > boxes[j * 4]! && boxes[j * 4 + 3]! > boxes[j * 4 + 1]!)) continue; // empty after clipping
        dets.push({ box: [boxes[j * 4]!, boxes[j * 4 + 1]!, boxes[j * 4 + 2]!, boxes[j * 4 + 3]!], cls: c, score: kept[q]! });
      }
    }
    dets.sort((a, b) => b.score - a.score || a.cls - b.cls);
    out.push(dets.length > maxDet ? dets.slice(0, maxDet) : dets);
  }
  return out;
}

/** One detection in original image pixels. */
export interface PixelDetection {
  /** `(x0, y0, x1, y1)` in pixels of the original image, clipped to it. */
  box: [x0: number, y0: number, x1: number, y1: number];
  cls: number;
  score: number;
}

/** The original-pixel geometry of an image: its size and the map to the network input. */
export interface ImageGeometry {
  originalWidth: number;
  originalHeight: number;
  transform: SampleTransform;
}

const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);

/** Detections (normalised to the network input) in the image's own pixels, clipped; boxes empty after clipping are dropped. */
export function toPixelDetections(dets: Detection[], g: ImageGeometry): PixelDetection[] {
  const W = g.originalWidth, H = g.originalHeight;
  return dets.map((d) => {
    const b = toOriginalBox(d.box, g.transform);
    return { box: [clamp(b[0], W), clamp(b[1], H), clamp(b[2], W), clamp(b[3], H)] as PixelDetection['box'], cls: d.cls, score: d.score };
  }).filter((d) => d.box[2] > d.box[0] && d.box[3] > d.box[1]);
}

/** A detection as a COCO results.json entry. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  /** `[x, y, width, height]` in pixels. */
  bbox: [number, number, number, number];
  score: number;
}

/** COCO results entries for one image's pixel detections; category ids default to class index + 1. */
export function cocoDetections(dets: PixelDetection[], imageId: number, categoryIds?: readonly number[]): CocoDetection[] {
  return dets.map((d) => {
    const [x0, y0, x1, y1] = d.box;
    return { image_id: imageId, category_id: categoryIds ? categoryIds[d.cls]! : d.cls + 1, bbox: [x0, y0, x1 - x0, y1 - y0], score: d.score };
  });
}
