/**
 * The results file the COCO evaluation server takes for a test split (test-dev, test-challenge):
 * `detections_<split><year>_<name>_results.json` (e.g. `detections_test-dev2015_denet34_results.json`),
 * a COCO results array with the dataset's image and category ids; zipped for upload.
 */
import { basename, extname } from 'node:path';

/** The server's file name for `subset` and an algorithm name (made of letters, digits, `-`; other characters become `-`). */
export function cocoServerResultsName(subset: { year: string; split: string }, name: string): string {
  const alg = name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'denet';
  return `detections_${subset.split}${subset.year}_${alg}_results.json`;
}

/** The algorithm name of a model file: its stem (`runs/x/model.safetensors` → `model`). */
export function algorithmName(modelPath: string): string {
  return basename(modelPath, extname(modelPath));
}
