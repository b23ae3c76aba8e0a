/**
 * COCO ground truth and detection results, validated and packed into typed arrays.
 *
 * Inputs are the standard COCO annotation JSON (`images`, `annotations`, `categories`) and the
 * standard results JSON (`[{image_id, category_id, bbox: [x, y, w, h], score}]`). Boxes are in
 * pixels, `[x, y, w, h]` with (x, y) the top-left corner, as COCO stores them.
 *
 * What pycocotools rejects (results on images the ground truth does not list) is a `UserError`;
 * what it silently drops (results or annotations in categories it does not list) is dropped here
 * too but counted in `warnings`. Malformed boxes, areas and scores are a `UserError`, never NaN
 * flowing into the numbers.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.js';

/** COCO ground truth packed per annotation (N annotations, I images, K categories). */
export interface CocoGroundTruth {
  /** Image ids, sorted ascending and unique (pycocotools' default `params.imgIds`), length I. */
  imageIds: Float64Array;
  /** Category ids, sorted ascending and unique (`params.catIds`), length K. */
  categoryIds: Float64Array;
  /** Category names aligned with `categoryIds`. */
  categoryNames: string[];
  /** Number of kept annotations N. */
  count: number;
  /** Per annotation: index into `imageIds`, length N. */
  image: Uint32Array;
  /** Per annotation: index into `categoryIds`, length N. */
  category: Uint32Array;
  /** Per annotation: `[x, y, w, h]` in pixels, length 4N. */
  box: Float64Array;
  /** Per annotation: the `area` field (pixels², the segmentation area in real COCO files), length N. */
  area: Float64Array;
  /** Per annotation: 1 for `iscrowd`, length N. */
  crowd: Uint8Array;
  /** Per annotation: the annotation `id`, length N. */
  id: Float64Array;
  /** Things pycocotools would silently skip, counted (for example annotations in unlisted categories). */
  warnings: string[];
}

/** Detections packed per result (N results). */
export interface CocoDetections {
  count: number;
  /** Per detection: index into the ground truth's `imageIds`. */
  image: Uint32Array;
  /** Per detection: index into the ground truth's `categoryIds`. */
  category: Uint32Array;
  /** Per detection: `[x, y, w, h]` in pixels, length 4N. */
  box: Float64Array;
  /** Per detection: confidence score. */
  score: Float64Array;
  warnings: string[];
}

/** One detection as the results JSON holds it. */
export interface CocoResult {
  image_id: number;
  category_id: number;
  /** `[x, y, w, h]` in pixels. */
  bbox: [number, number, number, number];
  score: number;
}

/** Reads and parses a JSON file; a missing file or malformed JSON is a `UserError` naming the file. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Validates `bbox` as four finite numbers with w, h >= 0; writes it into `out` at `at`. */
function readBox(v: unknown, out: Float64Array, at: number, where: string): void {
  if (!Array.isArray(v) || v.length !== 4 || !v.every(finite)) {
    throw new UserError(`${where}: bbox must be [x, y, w, h] of 4 finite numbers but received ${JSON.stringify(v)}`);
  }
  if (v[2] < 0 || v[3] < 0) throw new UserError(`${where}: bbox has a negative size ${JSON.stringify(v)}`);
  out[at] = v[0];
  out[at + 1] = v[1];
  out[at + 2] = v[2];
  out[at + 3] = v[3];
}

function countWarning(warnings: string[], n: number, what: string): void {
  if (n > 0) warnings.push(`${n} ${what}`);
}

/**
 * Validates a parsed COCO annotation object and packs it. `source` names it in error messages.
 * Annotations on images not in `images` or in categories not in `categories` are skipped and
 * counted (pycocotools never evaluates them). A missing `iscrowd` counts as 0, a missing `id`
 * becomes its 1-based position.
 */
export function loadCocoGroundTruth(json: unknown, source = 'ground truth'): CocoGroundTruth {
  if (!isRecord(json)) throw new UserError(`${source}: expected a COCO annotation object with images, annotations and categories`);
  const { images, annotations, categories } = json;
  if (!Array.isArray(images)) throw new UserError(`${source}: "images" must be an array`);
  if (!Array.isArray(annotations)) throw new UserError(`${source}: "annotations" must be an array`);
  if (!Array.isArray(categories) || categories.length === 0) throw new UserError(`${source}: "categories" must be a non-empty array`);

  const imgSet = new Set<number>();
  images.forEach((im, i) => {
    if (!isRecord(im) || !finite(im.id)) throw new UserError(`${source}: images[${i}].id must be a number`);
    imgSet.add(im.id);
  });
  const imageIds = Float64Array.from([...imgSet]).sort();
  const catName = new Map<number, string>();
  categories.forEach((c, i) => {
    if (!isRecord(c) || !finite(c.id)) throw new UserError(`${source}: categories[${i}].id must be a number`);
    catName.set(c.id, typeof c.name === 'string' ? c.name : String(c.id));
  });
  const categoryIds = Float64Array.from([...catName.keys()]).sort();
  const imgIndex = indexOf(imageIds);
  const catIndex = indexOf(categoryIds);

  const n = annotations.length;
  const image = new Uint32Array(n), category = new Uint32Array(n), crowd = new Uint8Array(n);
  const box = new Float64Array(4 * n), area = new Float64Array(n), id = new Float64Array(n);
  let kept = 0, unknownImage = 0, unknownCat = 0;
  for (let i = 0; i < n; i++) {
    const a = annotations[i];
    const where = `${source}: annotations[${i}]`;
    if (!isRecord(a)) throw new UserError(`${where} must be an object`);
    const ii = imgIndex.get(a.image_id as number);
    const ci = catIndex.get(a.category_id as number);
    readBox(a.bbox, box, 4 * kept, where);
    if (!finite(a.area) || a.area < 0) throw new UserError(`${where}: area must be a finite number >= 0 but received ${JSON.stringify(a.area)}`);
    if (a.id !== undefined && !finite(a.id)) throw new UserError(`${where}: id must be a number`);
    if (ii === undefined) { unknownImage++; continue; }
    if (ci === undefined) { unknownCat++; continue; }
    image[kept] = ii;
    category[kept] = ci;
    area[kept] = a.area;
    crowd[kept] = a.iscrowd ? 1 : 0;
    id[kept] = a.id === undefined ? i + 1 : (a.id as number);
    kept++;
  }
  const warnings: string[] = [];
  countWarning(warnings, unknownImage, 'ground-truth annotation(s) on images not listed in "images" were skipped');
  countWarning(warnings, unknownCat, 'ground-truth annotation(s) in categories not listed in "categories" were skipped');
  let zeroIds = 0;
  for (let i = 0; i < kept; i++) if (id[i] === 0) zeroIds++;
  countWarning(warnings, zeroIds, 'ground-truth annotation(s) have id 0; pycocotools (and so this evaluation) counts a match to them as a false positive');
  return {
    imageIds, categoryIds, categoryNames: Array.from(categoryIds, (c) => catName.get(c)!), count: kept,
    image: image.slice(0, kept), category: category.slice(0, kept), box: box.slice(0, 4 * kept),
    area: area.slice(0, kept), crowd: crowd.slice(0, kept), id: id.slice(0, kept), warnings,
  };
}

function indexOf(ids: Float64Array): Map<number, number> {
  const m = new Map<number, number>();
  ids.forEach((v, i) => m.set(v, i));
  return m;
}

/**
 * Validates a parsed results array against the ground truth and packs it. Results on images the
 * ground truth does not list are a `UserError` (pycocotools asserts); results in unknown
 * categories are skipped and counted. An empty array is valid (every AP is then 0).
 */
export function loadCocoResults(json: unknown, gt: CocoGroundTruth, source = 'results'): CocoDetections {
  if (!Array.isArray(json)) throw new UserError(`${source}: expected a JSON array of {image_id, category_id, bbox, score}`);
  const imgIndex = indexOf(gt.imageIds);
  const catIndex = indexOf(gt.categoryIds);
  const n = json.length;
  const image = new Uint32Array(n), category = new Uint32Array(n);
  const box = new Float64Array(4 * n), score = new Float64Array(n);
  let kept = 0, unknownCat = 0;
  const unknownImages = new Set<unknown>();
  for (let i = 0; i < n; i++) {
    const r = json[i];
    const where = `${source}: [${i}]`;
    if (!isRecord(r)) throw new UserError(`${where} must be an object`);
    readBox(r.bbox, box, 4 * kept, where);
    if (!finite(r.score)) throw new UserError(`${where}: score must be a finite number but received ${JSON.stringify(r.score)}`);
    const ii = imgIndex.get(r.image_id as number);
    if (ii === undefined) { unknownImages.add(r.image_id); continue; }
    const ci = catIndex.get(r.category_id as number);
    if (ci === undefined) { unknownCat++; continue; }
    image[kept] = ii;
    category[kept] = ci;
    score[kept] = r.score;
    kept++;
  }
  if (unknownImages.size > 0) {
    const shown = [...unknownImages].slice(0, 5).map((v) => JSON.stringify(v)).join(', ');
    throw new UserError(`${source}: ${unknownImages.size} image id(s) are not in the ground truth (${shown}${unknownImages.size > 5 ? ', …' : ''})`);
  }
  const warnings: string[] = [];
  countWarning(warnings, unknownCat, 'detection(s) in categories not in the ground truth were skipped');
  return { count: kept, image: image.slice(0, kept), category: category.slice(0, kept), box: box.slice(0, 4 * kept), score: score.slice(0, kept), warnings };
}
