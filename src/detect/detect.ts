/**
 * Inference: images → detections (DETECTOR.md §6). Runs the model (eval mode, under libtorch's
 * inference mode; pass a fused copy, Model.fuse, for speed),
 * turns the DND output into per-class scores and decoded boxes, and applies per-class NMS.
 */
import type { Model } from '../model/model.js';
import { forwardContext, type Layer } from '../nn/layer.js';
import { autocast, inferenceMode, scope, type Precision, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { clipBoxes, decodeDeltaInto } from './boxes.js';
import { HeadLayer } from './head-layer.js';
import { bucketIou, type HeadLayout } from './head-layout.js';
import { allPairsNms, greedyNms, softNms, type NmsMethod } from './nms.js';
import { SparseLayer } from './sparse-layer.js';
import { detectorState, stageClock, type StageTiming } from './state.js';

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
  /** Autocast precision of the network (fp32 default; bf16 on the CPU or CUDA, fp16 on CUDA). */
  precision?: Precision;
}

/** The model's detection head (its last layer), or undefined when it is not a DeNet detector. */
export function detectorHead(model: Model): HeadLayer | undefined {
  const last = model.layers[model.layers.length - 1];
  return last instanceof HeadLayer ? last : undefined;
}

function requireHead(model: Model): HeadLayer {
  const head = detectorHead(model);
  if (!head) throw new UserError(`the model is not a DeNet detector: its last layer must be DND (description: ${model.description()})`);
  return head;
}

/**
 * Detects objects in images [B, C, H, W] (the model's input shape, on its device).
 * Returns one list per image, best first. See DetectOptions for the defaults.
 */
export function detect(model: Model, images: Tensor, o: DetectOptions = {}): Detection[][] {
  return run(model, images, o, false).detections;
}

/** detect() plus the milliseconds each stage took (CUDA work is synchronised at each stage). */
export function detectTimed(model: Model, images: Tensor, o: DetectOptions = {}): { detections: Detection[][]; timing: StageTiming } {
  const r = run(model, images, o, true);
  return { detections: r.detections, timing: r.timing! };
}

function run(model: Model, images: Tensor, o: DetectOptions, timed: boolean): { detections: Detection[][]; timing?: StageTiming } {
  const head = requireHead(model);
  const clock = timed ? stageClock(images.device) : () => 0;
  const timing: StageTiming = { backbone: 0, cornerSearch: 0, sampling: 0, classifier: 0, nms: 0 };
  return inferenceMode(() =>
    scope(() => {
      const ctx = forwardContext({ training: false });
      detectorState(ctx).timed = timed;
      // Layers before DNS are the backbone, after it the RoI classifier; DNS times its own stages.
      let after = false;
      let t = clock();
      const afterLayer = (_: number, layer: Layer) => {
        const now = clock();
        if (layer instanceof SparseLayer) after = true;
        else if (after) timing.classifier += now - t;
        else timing.backbone += now - t;
        t = now;
      };
      const x = autocast(o.precision ?? 'fp32', images.device, () => model.forward(images, { training: false, context: ctx, afterLayer: timed ? afterLayer : undefined }).output);
      const state = detectorState(ctx);
      if (timed) {
        timing.cornerSearch = state.timing?.cornerSearch ?? 0;
        timing.sampling = state.timing?.sampling ?? 0;
      }
      const t0 = clock();
      const probs = headProbabilities(x, head.layout);
      const detections = decodeDetections(probs, head.layout, o);
      timing.nms = clock() - t0;
      return { detections, timing: timed ? timing : undefined };
    }),
  );
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

/** Softmaxes and reads a DND output [B, channels, N, N] (or [B, channels] when N = 1). */
export function headProbabilities(output: Tensor, layout: HeadLayout): HeadProbabilities {
  return scope(() => {
    const y = (output.ndim === 2 ? output.unsqueeze(-1) : output.flatten(2)).float(); // [B, C, R]
    const [b, , r] = y.shape as [number, number, number];
    const read = (t: Tensor) => t.permute([0, 2, 1]).contiguous().cpu().data() as Float32Array;
    return {
      batch: b,
      rois: r,
      classes: read(y.narrow(1, 0, layout.classChannels).softmax(1)),
      fitness: layout.fitnessChannels ? read(y.narrow(1, layout.classChannels, layout.fitnessChannels).softmax(1)) : new Float32Array(0),
      deltas: read(y.narrow(1, layout.boxOffset, 4)),
      rois4: read(y.narrow(1, layout.roiOffset, 4)),
    };
  });
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
