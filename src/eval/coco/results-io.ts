/**
 * COCO results files: `[{image_id, category_id, bbox: [x, y, w, h], score}]`, one detection per
 * line so that large files stay diff- and grep-friendly.
 */
import { UserError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { readJsonFile, type CocoResult } from './dataset.js';

/** A result that also names its image file and class (for images without a COCO annotation file; COCO tools ignore the extra keys). */
export type NamedCocoResult = CocoResult & { file_name?: string; category_name?: string };

const round = (v: number, d: number | undefined) => (d === undefined ? v : Number(v.toFixed(d)));

/**
 * Serialises detections as a COCO results JSON array. Values are written exactly unless
 * `decimals` is given (`{ box: 2, score: 5 }` keeps files small; it changes the numbers slightly).
 * Non-finite values or negative sizes are a `UserError` (they would make an unreadable file).
 */
export function formatCocoResults(dets: readonly NamedCocoResult[], decimals: { box?: number; score?: number } = {}): string {
  const lines = dets.map((d, i) => {
    if (!d.bbox.every(Number.isFinite) || !Number.isFinite(d.score) || d.bbox[2] < 0 || d.bbox[3] < 0) {
      throw new UserError(`detection ${i} has a non-finite or negative box or score: ${JSON.stringify(d)}`);
    }
    const bbox = d.bbox.map((v) => round(v, decimals.box));
    const names = { ...(d.file_name === undefined ? {} : { file_name: d.file_name }), category_id: d.category_id, ...(d.category_name === undefined ? {} : { category_name: d.category_name }) };
    return JSON.stringify({ image_id: d.image_id, ...names, bbox, score: round(d.score, decimals.score) });
  });
  return lines.length ? `[\n${lines.join(',\n')}\n]\n` : '[]\n';
}

/** Writes a COCO results file atomically. */
export function writeCocoResults(path: string, dets: readonly NamedCocoResult[], decimals: { box?: number; score?: number } = {}): void {
  writeFileAtomic(path, formatCocoResults(dets, decimals));
}

/** Reads a COCO results file and checks each entry's shape (not its ids: see `loadCocoResults`). */
export function readCocoResults(path: string): CocoResult[] {
  const json = readJsonFile(path, 'results');
  if (!Array.isArray(json)) throw new UserError(`results ${path}: expected a JSON array of {image_id, category_id, bbox, score}`);
  return json.map((r, i) => {
    const ok = typeof r === 'object' && r !== null && typeof r.image_id === 'number' && typeof r.category_id === 'number' &&
      Array.isArray(r.bbox) && r.bbox.length === 4 && r.bbox.every((v: unknown) => typeof v === 'number' && Number.isFinite(v)) &&
      typeof r.score === 'number' && Number.isFinite(r.score);
    if (!ok) throw new UserError(`results ${path}: entry ${i} is not {image_id, category_id, bbox: [x, y, w, h], score}: ${JSON.stringify(r)?.slice(0, 200)}`);
    return { image_id: r.image_id, category_id: r.category_id, bbox: [r.bbox[0], r.bbox[1], r.bbox[2], r.bbox[3]], score: r.score };
  });
}
