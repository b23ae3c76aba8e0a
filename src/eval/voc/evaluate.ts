/**
 * Pascal VOC detection mAP over a devkit image set and a folder of comp4 result files.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../util/errors.js';
import { loadVocGroundTruth, readText, VOC_CLASSES, type VocGroundTruth } from './annotations.js';
import { evaluateVocClass, type VocClassResult, type VocMetric } from './ap.js';
import { comp4FileName, parseComp4, type VocDetection } from './results.js';

export interface VocReport {
  /** Mean AP over the classes whose AP is defined; null when none is. */
  mAP: number | null;
  metric: VocMetric;
  perClass: Map<string, VocClassResult>;
  warnings: string[];
}

/**
 * Evaluates per-class detections against loaded ground truth. A detection on an image that is not
 * in the image set is a `UserError` (the devkit stops on it too).
 */
export function evaluateVocDetections(gt: VocGroundTruth, detections: ReadonlyMap<string, readonly VocDetection[]>, opts: { metric?: VocMetric; classes?: readonly string[] } = {}): VocReport {
  const metric = opts.metric ?? '07';
  const classes = opts.classes ?? VOC_CLASSES;
  const perClass = new Map<string, VocClassResult>();
  const warnings: string[] = [];
  for (const c of classes) {
    const dets = detections.get(c) ?? [];
    const unknown = dets.find((d) => !gt.annotations.has(d.imageId));
    if (unknown) throw new UserError(`detections for class ${c} refer to image ${JSON.stringify(unknown.imageId)}, which is not in the image set`);
    const r = evaluateVocClass(gt.annotations, c, dets, metric);
    if (r.ap === null) warnings.push(`class ${c} has no non-difficult ground truth in this image set; left out of the mAP`);
    perClass.set(c, r);
  }
  const aps = [...perClass.values()].map((r) => r.ap).filter((a): a is number => a !== null);
  return { mAP: aps.length ? aps.reduce((s, a) => s + a, 0) / aps.length : null, metric, perClass, warnings };
}

/** Where a class's comp4 file is: `<results>/comp4_det_<set>_<class>.txt`, or the devkit's `<results>/VOC<year>/Main/` layout. */
export function findComp4(resultsDir: string, year: string, set: string, className: string): string | undefined {
  const name = comp4FileName(set, className);
  return [path.join(resultsDir, name), path.join(resultsDir, `VOC${year}`, 'Main', name)].find((f) => existsSync(f));
}

/**
 * Evaluates `VOC<year>` image set `set` of a devkit against the comp4 files in `resultsDir`.
 * A class without a results file is a `UserError` naming the expected path.
 */
export function evaluateVocFiles(opts: { devkit: string; year: string; set: string; resultsDir: string; metric?: VocMetric; classes?: readonly string[] }): VocReport {
  const classes = opts.classes ?? VOC_CLASSES;
  const files = classes.map((c) => {
    const f = findComp4(opts.resultsDir, opts.year, opts.set, c);
    if (!f) throw new UserError(`missing results file for class ${c}: ${path.join(opts.resultsDir, comp4FileName(opts.set, c))}`);
    return f;
  });
  const gt = loadVocGroundTruth(opts.devkit, opts.year, opts.set);
  const detections = new Map<string, VocDetection[]>();
  classes.forEach((c, i) => detections.set(c, parseComp4(readText(files[i], 'results file'), files[i])));
  return evaluateVocDetections(gt, detections, { metric: opts.metric, classes });
}
