/** COCO bbox evaluation: load, evaluate, summarise. */
export { defaultCocoParams, linspace, type AreaRange, type CocoParams } from './params.js';
export { loadCocoGroundTruth, loadCocoResults, readJsonFile, type CocoDetections, type CocoGroundTruth, type CocoResult } from './dataset.js';
export { bboxIou } from './iou.js';
export { algorithmName, cocoServerResultsName } from './server-results.js';
export { formatCocoResults, readCocoResults, writeCocoResults, type NamedCocoResult } from './results-io.js';
export { evaluateCoco, type CocoEvaluation } from './evaluate.js';
export { COCO_STAT_NAMES, cocoPerCategory, cocoStats, formatCocoSummary, pyFixed, type CategoryAp, type CocoStatName, type CocoStats } from './summary.js';

import { loadCocoGroundTruth, loadCocoResults, readJsonFile } from './dataset.js';
import { evaluateCoco, type CocoEvaluation } from './evaluate.js';
import { cocoPerCategory, cocoStats, type CategoryAp, type CocoStats } from './summary.js';

/** Everything one COCO evaluation reports. */
export interface CocoReport { stats: CocoStats; perCategory: CategoryAp[]; evaluation: CocoEvaluation; warnings: string[] }

/** Evaluates parsed ground-truth and results JSON (as `JSON.parse` returns them). */
export function evaluateCocoJson(gtJson: unknown, resultsJson: unknown): CocoReport {
  const gt = loadCocoGroundTruth(gtJson);
  const dt = loadCocoResults(resultsJson, gt);
  const evaluation = evaluateCoco(gt, dt);
  return { stats: cocoStats(evaluation), perCategory: cocoPerCategory(evaluation), evaluation, warnings: evaluation.warnings };
}

/** Evaluates a COCO annotation file against a results file (paths); file problems are `UserError`s. */
export function evaluateCocoFiles(gtPath: string, resultsPath: string): CocoReport {
  const gt = loadCocoGroundTruth(readJsonFile(gtPath, 'ground truth'), gtPath);
  const dt = loadCocoResults(readJsonFile(resultsPath, 'results'), gt, resultsPath);
  const evaluation = evaluateCoco(gt, dt);
  return { stats: cocoStats(evaluation), perCategory: cocoPerCategory(evaluation), evaluation, warnings: evaluation.warnings };
}
