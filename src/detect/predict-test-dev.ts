/**
 * `model-predict --predict-mode detect,mscoco` on a COCO test split without public annotations
 * (`--extension mscoco,2015-test-dev,…`, read from `annotations/image_info_test-dev2015.json`):
 * detect every image and write, into the `--results` folder, the file the COCO evaluation server
 * takes (`detections_test-dev2015_<model name>_results.json`) with the dataset's image and category
 * ids; `image` adds pictures. Nothing is evaluated: the ground truth is on the server.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Loader } from '../data/types.js';
import { algorithmName, cocoServerResultsName, writeCocoResults } from '../eval/coco/index.js';
import type { Model } from '../model/model.js';
import type { Precision } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import type { DetectOptions } from './detect.js';
import { cocoResults, detectionGroundTruth, runDetector } from './evaluate.js';
import { checkDetectionClasses, writeDetectionPictures } from './predict.js';

export interface TestDevOptions {
  results: string;
  modes: ReadonlySet<string>;
  detect: DetectOptions;
  /** The model file: its stem names the algorithm in the file name. */
  modelPath: string;
  subsets: { year: string; split: string }[];
  device?: string;
  precision?: Precision;
  drawThreshold?: number;
  maxPictures?: number;
  onBatch?: (done: number) => void;
}

/** Detects and writes the server's results file (see the module comment). */
export async function predictTestDev(model: Model, ds: Dataset, loader: Loader, o: TestDevOptions): Promise<{ images: number; skipped: number; detections: number; files: string[] }> {
  if (!o.modes.has('mscoco') && !o.modes.has('json') && !o.modes.has('image')) {
    throw new UserError(`${ds.source} has no annotations to evaluate against: add mscoco to --predict-mode to write the results file for the COCO evaluation server`);
  }
  if (o.subsets.length !== 1) throw new UserError(`${ds.source}: predict one test split at a time (the server takes one file per split)`);
  checkDetectionClasses(model, ds, '--input');
  const gt = detectionGroundTruth(ds); // the image_info file: image and category ids
  const r = await runDetector(model, loader, { device: o.device, precision: o.precision, detect: o.detect, onBatch: o.onBatch, losses: false });
  const results = cocoResults(r.images, gt, ds);
  mkdirSync(o.results, { recursive: true });
  const files: string[] = [];
  if (o.modes.has('mscoco') || o.modes.has('json')) {
    const f = join(o.results, cocoServerResultsName(o.subsets[0]!, algorithmName(o.modelPath)));
    writeCocoResults(f, results);
    files.push(f);
  }
  if (o.modes.has('image')) files.push(...(await writeDetectionPictures(r.images, ds.classNames, join(o.results, 'images'), o.drawThreshold, o.maxPictures)));
  return { images: r.images.length, skipped: r.skipped, detections: results.length, files };
}
