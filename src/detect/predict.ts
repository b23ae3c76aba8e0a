/**
 * `model-predict --predict-mode detect[,mscoco][,voc][,image]` (SPEC "Prediction flags"): detect
 * every image of a dataset, evaluate against its ground truth, and write the outputs into the
 * `--results` folder:
 *
 *  - `mscoco`: `results.json` (COCO results with the dataset's category ids and image ids; for
 *    data without a COCO annotation file also `ground_truth.json`, the COCO-format ground truth it
 *    was scored against, so `denet eval coco --gt … --dt …` reproduces the numbers);
 *  - `voc`: `comp4_det_<set>_<class>.txt` per class (image ids = file stems, 1-based boxes) and, on
 *    VOC data, the VOC mAP (11-point for VOC2007, all-point otherwise);
 *  - `image`: `images/<stem>.png`, each image with its detections above `--draw-threshold`.
 *
 * With ground truth (any detection dataset) it returns and prints the 12 COCO numbers.
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { OpenedDataset } from '../data/open.js';
import sharp from 'sharp';
import type { Box, Dataset, Loader } from '../data/types.js';
import { formatCocoSummary, type CocoStats } from '../eval/coco/index.js';
import { drawDetections } from '../eval/draw.js';
import { evaluateVocDetections, writeVocResults, type VocDetection, type VocGroundTruth } from '../eval/voc/index.js';
import { writeCocoResults } from '../eval/coco/index.js';
import type { Model } from '../model/model.js';
import type { Precision } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { DetectOptions } from './detect.js';
import { detectorHead } from './detect.js';
import { evaluateDetector, type ExternalDetector, type ImageDetections } from './evaluate.js';

export interface PredictDetectOptions {
  /** Output folder. */
  results: string;
  /** Which outputs: mscoco, voc, image (detect alone evaluates and prints). */
  modes: ReadonlySet<string>;
  detect: DetectOptions;
  device?: string;
  /** Autocast precision of the forward (default fp32). */
  precision?: Precision;
  /** Pictures: draw detections scoring at least this. Default 0.3. */
  drawThreshold?: number;
  /** Pictures: at most this many images (the first ones). Default: all. */
  maxPictures?: number;
  onBatch?: (done: number) => void;
  log?: (line: string) => void;
}

export interface PredictDetectReport {
  stats: CocoStats;
  /** VOC mAP on VOC data with `voc` mode, else undefined. */
  vocMap?: number | null;
  images: number;
  detections: number;
  files: string[];
}

/** A detector's classes: its class names and the DND head's class count. */
export interface DetectorClasses {
  classNames: string[];
  numClasses: number;
}

/** The classes of a libtorch model. */
export function detectorClasses(model: Model): DetectorClasses {
  return { classNames: model.classNames, numClasses: detectorHead(model)?.layout.numClasses ?? model.classNames.length };
}

/** Throws a UserError unless the data's classes are the detector's (same count; names when both have them). */
export function checkDetectionClasses(model: Model | DetectorClasses, ds: Dataset, what: string): void {
  const n = ('layers' in model ? detectorClasses(model) : model).numClasses;
  if (ds.classNames.length !== n) {
    throw new UserError(`${what} ${ds.source}: the data has ${ds.classNames.length} classes (${ds.classNames.slice(0, 5).join(', ')}${ds.classNames.length > 5 ? ', …' : ''}) but the model's DND head has ${n}; build the model for this data (--model-desc) or change its class count (model-modify --class-num ${ds.classNames.length})`);
  }
  const bad = ds.classNames.findIndex((c, i) => c !== model.classNames[i]);
  if (bad >= 0 && !/^class\d+$/.test(model.classNames[bad]!)) {
    throw new UserError(`${what} ${ds.source}: class ${bad} is "${ds.classNames[bad]}" but the model's class ${bad} is "${model.classNames[bad]}"`);
  }
}

/** The stem of an image file: what VOC result files call the image. */
function stem(file: string): string {
  return basename(file, extname(file));
}

/** VOC ground truth built from dataset records (ids = file stems, boxes back to 1-based inclusive pixels). */
export function vocGroundTruth(ds: Dataset): VocGroundTruth {
  const annotations: VocGroundTruth['annotations'] = new Map();
  const imageIds: string[] = [];
  for (let i = 0; i < ds.length; i++) {
    const r = ds.record(i);
    const id = stem(r.file);
    imageIds.push(id);
    annotations.set(id, {
      width: r.width, height: r.height,
      objects: (r.objects ?? []).filter((o) => !o.ignore).map((o) => ({ name: ds.classNames[o.cls]!, difficult: o.difficult, box: [o.box[0] + 1, o.box[1] + 1, o.box[2], o.box[3]] as [number, number, number, number] })),
    });
  }
  return { imageIds, annotations };
}

/** Per-class comp4 detections (1-based inclusive pixel boxes). */
export function vocDetections(images: ImageDetections[], classNames: string[]): Map<string, VocDetection[]> {
  const out = new Map<string, VocDetection[]>(classNames.map((c) => [c, []]));
  for (const im of images) {
    const id = stem(im.meta.file);
    for (const d of im.detections) out.get(classNames[d.cls]!)!.push({ imageId: id, score: d.score, box: [d.box[0] + 1, d.box[1] + 1, d.box[2], d.box[3]] });
  }
  return out;
}

/** Pictures of images smaller than this (long side, pixels) are enlarged (nearest) so labels stay legible. */
const MIN_PICTURE_SIDE = 384;

/**
 * Draws each image's detections (score ≥ threshold) into `dir/<name>.png` (default name: the
 * file stem); returns the files.
 * Small images are enlarged by an integer factor first (boxes scaled with them).
 */
export async function writeDetectionPictures(images: ImageDetections[], classNames: string[], dir: string, threshold = 0.3, max = Infinity, name = (im: ImageDetections) => stem(im.meta.file)): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const im of images.slice(0, max)) {
    if (!im.meta.file) continue;
    const long = Math.max(im.meta.originalWidth, im.meta.originalHeight);
    const k = long > 0 && long < MIN_PICTURE_SIDE ? Math.ceil(MIN_PICTURE_SIDE / long) : 1;
    const dets = im.detections.filter((d) => d.score >= threshold).map((d) => ({ box: d.box.map((v) => v * k) as Box, label: classNames[d.cls]!, score: d.score, classIndex: d.cls }));
    const source = k === 1 ? im.meta.file : await sharp(im.meta.file).rotate().resize({ width: im.meta.originalWidth * k, height: im.meta.originalHeight * k, kernel: 'nearest' }).png().toBuffer();
    const f = join(dir, `${name(im)}.png`);
    writeFileAtomic(f, await drawDetections(source, dets));
    files.push(f);
  }
  return files;
}

/**
 * Detects, evaluates and writes the requested outputs (see the module comment). `model` is a
 * libtorch model, or another engine's detector (the ONNX runtime) with its classes.
 */
export async function predictDetections(model: Model | (ExternalDetector & DetectorClasses), opened: OpenedDataset, loader: Loader, o: PredictDetectOptions): Promise<PredictDetectReport> {
  const { dataset: ds, spec } = opened;
  if (ds.kind !== 'detection') throw new UserError(`${ds.source}: --predict-mode detect needs detection data (--extension mscoco,… or voc,…)`);
  checkDetectionClasses(model, ds, '--input');
  const log = o.log ?? console.log;
  const r = await evaluateDetector(model, loader, { device: o.device, detect: o.detect, onBatch: o.onBatch, precision: o.precision });
  mkdirSync(o.results, { recursive: true });
  const files: string[] = [];
  if (o.modes.has('mscoco')) {
    const f = join(o.results, 'results.json');
    writeCocoResults(f, r.results);
    files.push(f);
    if (r.groundTruth.from === 'records') {
      const g = join(o.results, 'ground_truth.json');
      writeFileAtomic(g, JSON.stringify(r.groundTruth.json) + '\n');
      files.push(g);
    }
  }
  let vocMap: number | null | undefined;
  if (o.modes.has('voc')) {
    const set = spec.format === 'voc' && spec.subsets.length === 1 ? spec.subsets[0]!.split : 'test';
    const perClass = vocDetections(r.images, ds.classNames);
    files.push(...writeVocResults(o.results, set, perClass, ds.classNames));
    if (spec.format === 'voc') {
      const metric = spec.subsets.every((s) => s.year === '2007') ? '07' : 'all';
      const gt = vocGroundTruth(ds);
      const seen = new Set(r.images.map((im) => stem(im.meta.file)));
      if (seen.size !== gt.imageIds.length) for (const id of gt.imageIds) if (!seen.has(id)) gt.annotations.delete(id);
      const v = evaluateVocDetections(gt, perClass, { metric, classes: ds.classNames });
      vocMap = v.mAP;
      log(`VOC mAP (${metric === '07' ? '11-point, VOC2007' : 'all-point'}, IoU 0.5): ${v.mAP === null ? '-' : v.mAP.toFixed(4)}  ${ds.classNames.map((c) => `${c} ${v.perClass.get(c)?.ap?.toFixed(3) ?? '-'}`).join('  ')}`);
    }
  }
  if (o.modes.has('image')) files.push(...(await writeDetectionPictures(r.images, ds.classNames, join(o.results, 'images'), o.drawThreshold, o.maxPictures)));
  for (const w of r.report.warnings) log(`warning: ${w}`);
  log(formatCocoSummary(r.report.stats));
  return { stats: r.report.stats, vocMap, images: r.images.length, detections: r.results.length, files };
}
