/**
 * VOC `comp4` detection result files: `comp4_det_<set>_<class>.txt`, one detection per line,
 * `image_id score x1 y1 x2 y2`, boxes in 1-based inclusive pixel coordinates.
 */
import path from 'node:path';
import { UserError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';

/** One VOC detection of one class. */
export interface VocDetection {
  imageId: string;
  score: number;
  /** `[x1, y1, x2, y2]`, 1-based inclusive pixels. */
  box: [number, number, number, number];
}

/** The devkit's name for a class's result file. */
export function comp4FileName(set: string, className: string): string {
  return `comp4_det_${set}_${className}.txt`;
}

/**
 * Parses a comp4 file. Lines that do not have 6 fields, non-numeric or non-finite values, and
 * boxes with a negative size (x2 < x1 - 1, width x2 − x1 + 1 below 0) are a `UserError` naming the line.
 */
export function parseComp4(text: string, source = 'results'): VocDetection[] {
  const out: VocDetection[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    const where = `${source}:${i + 1}`;
    if (f.length !== 6) throw new UserError(`${where}: expected "image_id score x1 y1 x2 y2" but received ${JSON.stringify(line)}`);
    const v = f.slice(1).map(Number);
    if (!v.every(Number.isFinite)) throw new UserError(`${where}: score and box must be finite numbers in ${JSON.stringify(line)}`);
    if (v[3] < v[1] - 1 || v[4] < v[2] - 1) throw new UserError(`${where}: box has a negative size in ${JSON.stringify(line)}`);
    out.push({ imageId: f[0], score: v[0], box: [v[1], v[2], v[3], v[4]] });
  }
  return out;
}

/** Formats detections as comp4 lines (score to 6 decimals, box to 1 decimal, as common VOC tools write). */
export function formatComp4(dets: readonly VocDetection[]): string {
  return dets.map((d) => `${d.imageId} ${d.score.toFixed(6)} ${d.box.map((x) => x.toFixed(1)).join(' ')}\n`).join('');
}

/**
 * Writes one comp4 file per class into `dir` (atomically); classes with no detections get an empty
 * file so the evaluator finds every class. Returns the written paths.
 */
export function writeVocResults(dir: string, set: string, perClass: ReadonlyMap<string, readonly VocDetection[]>, classes: readonly string[] = [...perClass.keys()]): string[] {
  return classes.map((c) => {
    const file = path.join(dir, comp4FileName(set, c));
    writeFileAtomic(file, formatComp4(perClass.get(c) ?? []));
    return file;
  });
}
