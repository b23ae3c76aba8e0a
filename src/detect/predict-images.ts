/**
 * `model-predict --predict-mode detect[,json][,image]` on images without annotations (a folder, an
 * image file or a list file; src/data/image-files.ts). Each image is resized as at test time,
 * detected, and its boxes mapped back to its own pixels. Outputs into the `--results` folder:
 *
 *  - a summary line per image (`image 3/120 a/b.jpg 640×480: 2 cat, 1 dog`; detections scoring at
 *    least `showThreshold`), then a total with the number of unreadable images skipped;
 *  - `json` (or `mscoco`): `results.json`, COCO results whose entries also name the file and the
 *    class: `{image_id, file_name, category_id, category_name, bbox: [x, y, w, h], score}`; image
 *    ids are 1-based positions in the input order, category ids class index + 1;
 *  - `image`: `images/<relative path with / as __>.png` with the detections drawn.
 *
 * Nothing is evaluated: there is no ground truth.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageFilesDataset } from '../data/image-files.js';
import type { Loader } from '../data/types.js';
import { writeCocoResults, type NamedCocoResult } from '../eval/coco/index.js';
import type { Model } from '../model/model.js';
import type { Precision } from '../torch/index.js';
import type { DetectOptions } from './detect.js';
import { runDetector, type ImageDetections } from './evaluate.js';
import { writeDetectionPictures } from './predict.js';

export interface DetectImagesOptions {
  results: string;
  modes: ReadonlySet<string>;
  detect: DetectOptions;
  device?: string;
  precision?: Precision;
  /** Summary counts and pictures: detections scoring at least this. */
  showThreshold: number;
  maxPictures?: number;
  onBatch?: (done: number) => void;
  /** Where the per-image lines go. */
  log: (line: string) => void;
}

export interface DetectImagesReport {
  images: number;
  skipped: number;
  /** Detections written (score ≥ the detection score threshold). */
  detections: number;
  files: string[];
}

/** `3 cat, 1 dog` for the detections of one image scoring at least `threshold` (classes by count, then name). */
export function detectionSummary(im: ImageDetections, classNames: string[], threshold: number): string {
  const counts = new Map<string, number>();
  for (const d of im.detections) if (d.score >= threshold) counts.set(classNames[d.cls]!, (counts.get(classNames[d.cls]!) ?? 0) + 1);
  if (counts.size === 0) return 'no detections';
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c, n]) => `${n} ${c}`).join(', ');
}

/** COCO results naming each image's file and each class. */
export function namedResults(images: ImageDetections[], ds: ImageFilesDataset, classNames: string[]): NamedCocoResult[] {
  const out: NamedCocoResult[] = [];
  for (const im of images) {
    const fileName = ds.relative(im.meta.index);
    for (const d of im.detections) {
      const [x0, y0, x1, y1] = d.box;
      out.push({ image_id: im.meta.index + 1, file_name: fileName, category_id: d.cls + 1, category_name: classNames[d.cls]!, bbox: [x0, y0, x1 - x0, y1 - y0], score: d.score });
    }
  }
  return out;
}

/** Detects every image, prints the per-image lines, and writes the requested outputs. */
export async function detectImages(model: Model, ds: ImageFilesDataset, loader: Loader, o: DetectImagesOptions): Promise<DetectImagesReport> {
  const total = ds.length;
  const classNames = model.classNames;
  const r = await runDetector(model, loader, {
    device: o.device, precision: o.precision, detect: o.detect, onBatch: o.onBatch, losses: false,
    onImage: (im) => o.log(`image ${im.meta.index + 1}/${total} ${ds.relative(im.meta.index)} ${im.meta.originalWidth}×${im.meta.originalHeight}: ${detectionSummary(im, classNames, o.showThreshold)}`),
  });
  mkdirSync(o.results, { recursive: true });
  const files: string[] = [];
  const results = namedResults(r.images, ds, classNames);
  if (o.modes.has('json') || o.modes.has('mscoco')) {
    const f = join(o.results, 'results.json');
    writeCocoResults(f, results);
    files.push(f);
  }
  if (o.modes.has('image')) {
    const name = (im: ImageDetections) => ds.relative(im.meta.index).replace(/\.[^./\\]+$/, '').replace(/[/\\]/g, '__');
    files.push(...(await writeDetectionPictures(r.images, classNames, join(o.results, 'images'), o.showThreshold, o.maxPictures, name)));
  }
  return { images: r.images.length, skipped: r.skipped, detections: results.length, files };
}
