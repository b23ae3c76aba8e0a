/**
 * Evaluating a detector on a dataset (DETECTOR.md §6): run the model over a loader, map each
 * detection back to original image pixels, and score the results with the exact COCO evaluator.
 *
 * Ground truth, always in original image pixels:
 *  - COCO data (`mscoco,…`): the annotation JSON files themselves (several subsets are merged;
 *    their image ids must not collide), so the numbers are what pycocotools gives for the same
 *    results file.
 *  - Other detection data (VOC, generated): COCO-format ground truth built from the dataset
 *    records. Image ids are the record index + 1; category ids are `categoryIds` or class + 1;
 *    `area` is the box area (w·h, there are no masks); a crowd region (`ignore`) and a VOC
 *    `difficult` object both become `iscrowd: 1`. COCOeval then neither counts them as misses nor
 *    counts detections on them as false positives — the VOC rule for `difficult`. (Crowd matching
 *    measures overlap as intersection over the detection's area, a little more lenient than
 *    VOC's IoU.)
 *
 * ```ts
 * const gt = detectionGroundTruth(dataset);
 * const r = await runDetector(model, loader, { device, detect: { scoreThreshold: 0.01 } });
 * const report = evaluateCocoJson(gt.json, cocoResults(r.images, gt));   // stats.AP, AP50, …
 * ```
 */
import { readFileSync } from 'node:fs';
import type { Box, Dataset, Loader, SampleMeta, SampleRecord } from '../data/types.js';
import { evaluateCocoJson, type CocoReport, type CocoResult } from '../eval/coco/index.js';
import type { Model } from '../model/model.js';
import { evalLoop } from '../data/eval-loop.js';
import type { Precision } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { disposeBatch } from '../data/to-tensor.js';
import { decodeDetections, detectorHead, headProbabilities, type Detection, type DetectOptions } from './detect.js';
import { cocoDetections, toPixelDetections, type PixelDetection } from '../runtime/detections.js';

export type { PixelDetection };

/** COCO-format ground truth for a dataset and how its records map to COCO ids. */
export interface DetectionGroundTruth {
  /** `{ images, annotations, categories }` as a COCO annotation file holds it. */
  json: { images: { id: number; width: number; height: number; file_name: string }[]; annotations: object[]; categories: { id: number; name: string }[] };
  /** COCO image id of a record. */
  imageId(record: SampleRecord): number;
  /** COCO category id of class index i. */
  categoryIds: number[];
  /** Where it came from: the dataset's annotation files, or built from its records. */
  from: 'annotations' | 'records';
}

interface CocoFile {
  images: { id: number; width: number; height: number; file_name: string }[];
  annotations?: object[];
  categories: { id: number; name: string }[];
}

/** Ground truth for evaluating detections on `ds` (see the module comment for the rules). */
export function detectionGroundTruth(ds: Dataset): DetectionGroundTruth {
  if (ds.kind !== 'detection') throw new UserError(`${ds.source}: detection evaluation needs a detection dataset (mscoco,… or voc,…)`);
  const categoryIds = ds.categoryIds ?? ds.classNames.map((_, i) => i + 1);
  const files = ds.annotationFiles;
  if (files?.length) {
    const merged: CocoFile = { images: [], annotations: [], categories: [] };
    const seen = new Set<number>();
    let collision = false;
    for (const f of files) {
      const j = JSON.parse(readFileSync(f, 'utf8')) as CocoFile;
      if (!merged.categories.length) merged.categories = j.categories;
      for (const im of j.images) {
        if (seen.has(im.id)) collision = true;
        seen.add(im.id);
        merged.images.push(im);
      }
      merged.annotations!.push(...(j.annotations ?? []));
    }
    if (!collision) return { json: merged as DetectionGroundTruth['json'], imageId: (r) => r.id as number, categoryIds, from: 'annotations' };
  }
  const images: DetectionGroundTruth['json']['images'] = [];
  const annotations: object[] = [];
  for (let i = 0; i < ds.length; i++) {
    const r = ds.record(i);
    images.push({ id: i + 1, width: r.width ?? 0, height: r.height ?? 0, file_name: r.file });
    for (const o of r.objects ?? []) {
      const [x0, y0, x1, y1] = o.box;
      const w = Math.max(0, x1 - x0), h = Math.max(0, y1 - y0);
      annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: categoryIds[o.cls], bbox: [x0, y0, w, h], area: w * h, iscrowd: o.ignore || o.difficult ? 1 : 0 });
    }
  }
  return { json: { images, annotations, categories: ds.classNames.map((name, i) => ({ id: categoryIds[i]!, name })) }, imageId: (r) => r.index + 1, categoryIds, from: 'records' };
}

/** The detections of one image. */
export interface ImageDetections {
  meta: SampleMeta;
  detections: PixelDetection[];
}

export interface RunDetectorOptions {
  device?: string;
  detect?: DetectOptions;
  /** Called after each batch with the images done so far. */
  onBatch?: (done: number) => void;
  /** Called with each image's detections as they are done (in loader order). */
  onImage?: (im: ImageDetections) => void;
  /** Compute the loss terms against the batches' targets (default true; false for unlabelled images). */
  losses?: boolean;
  /** Autocast precision of the forward (default fp32). */
  precision?: Precision;
}

/**
 * A detector run by another engine (the ONNX runtime's OnnxModel): detections for CHW float32
 * images at the model's input size, boxes normalised to the input.
 */
export interface ExternalDetector {
  detectNormalised(images: readonly Float32Array[], o?: DetectOptions): Promise<Detection[][]>;
}

/**
 * Runs `model` (eval mode, inference mode; pass a fused copy for speed) over every batch of `loader` (epoch 0, fixed order).
 * Returns each image's detections in original pixels and, when the batches carry targets, the
 * mean of each loss term (the same forward pass: DNS uses only searched RoIs in eval mode).
 * An ExternalDetector gets the same batches (and gives no losses).
 */
export async function runDetector(model: Model | ExternalDetector, loader: Loader, o: RunDetectorOptions = {}): Promise<{ images: ImageDetections[]; losses: Record<string, number>; skipped: number }> {
  const images: ImageDetections[] = [];
  const add = (im: ImageDetections) => {
    images.push(im);
    o.onImage?.(im);
  };
  if ('detectNormalised' in model) {
    let done = 0;
    const epoch = loader.epoch(0);
    for await (const batch of epoch) {
      try {
        const x = batch.images.toFloat32Array();
        const size = x.length / batch.meta.length;
        const dets = await model.detectNormalised(batch.meta.map((_, i) => x.subarray(i * size, (i + 1) * size)), o.detect);
        batch.meta.forEach((meta, i) => add({ meta, detections: toPixelDetections(dets[i]!, meta) }));
      } finally {
        disposeBatch(batch);
      }
      o.onBatch?.((done += batch.meta.length));
    }
    return { images, losses: {}, skipped: epoch.stats.skipped };
  }
  const head = detectorHead(model);
  if (!head) throw new UserError(`the model is not a DeNet detector: its last layer must be DND (description: ${model.description()})`);
  const withLosses = o.losses !== false;
  const { losses, skipped } = await evalLoop(
    loader,
    o.device ?? 'cpu',
    (x, batch) => {
      const { output, losses } = model.forward(x, { training: false, targets: withLosses ? batch.targets : undefined });
      return { losses, value: decodeDetections(headProbabilities(output, head.layout), head.layout, o.detect) };
    },
    (dets, batch) => batch.meta.forEach((meta, i) => add({ meta, detections: toPixelDetections(dets[i]!, meta) })),
    o.onBatch,
    o.precision,
  );
  return { images, losses, skipped };
}

/** COCO results (`results.json` entries) for detections, with the ground truth's image and category ids. */
export function cocoResults(images: ImageDetections[], gt: DetectionGroundTruth, dataset: Dataset): CocoResult[] {
  return images.flatMap((im) => cocoDetections(im.detections, gt.imageId(dataset.record(im.meta.index)), gt.categoryIds));
}

/** The COCO metrics a training run logs per epoch (fractions, as COCOeval reports them). */
export interface DetectionMetrics {
  AP: number;
  AP50: number;
  AP75: number;
}

/**
 * Detects every image of `loader` and evaluates against the dataset's ground truth: the full COCO
 * report, the results, and the mean test loss terms.
 */
export async function evaluateDetector(model: Model | ExternalDetector, loader: Loader, o: RunDetectorOptions = {}): Promise<{ report: CocoReport; results: CocoResult[]; images: ImageDetections[]; losses: Record<string, number>; groundTruth: DetectionGroundTruth }> {
  const groundTruth = detectionGroundTruth(loader.dataset);
  const r = await runDetector(model, loader, o);
  const results = cocoResults(r.images, groundTruth, loader.dataset);
  // Score the images the loader delivered (all of them, unless some were unreadable or the loader
  // streams a chunk per epoch with images_per_subset).
  const seen = new Set(r.images.map((im) => groundTruth.imageId(loader.dataset.record(im.meta.index))));
  const json = groundTruth.json;
  const visited = seen.size === json.images.length ? json : { ...json, images: json.images.filter((im) => seen.has(im.id)), annotations: json.annotations.filter((a) => seen.has((a as { image_id: number }).image_id)) };
  const report = evaluateCocoJson(visited, results);
  return { report, results, images: r.images, losses: r.losses, groundTruth };
}
