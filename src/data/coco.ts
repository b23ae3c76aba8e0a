/**
 * MS COCO reader: `ROOT/annotations/instances_<split><year>.json` with images in
 * `ROOT/<split><year>/` (or `ROOT/images/<split><year>/`). Test splits without public annotations
 * (`2015-test-dev`, `2015-test`, `2017-test-dev`) read `annotations/image_info_<split><year>.json`
 * (images and categories only) with images in `test<year>/`; such a dataset is `unlabelled`: it
 * can be predicted, not evaluated. Category ids map to contiguous class
 * indices in id order (`DetectionDataset.categoryIds` maps back); crowd boxes become ignore
 * regions; a `file_name` that escapes the image folder is rejected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../util/errors.js';
import { isDir } from './class-folder.js';
import { DetectionDataset } from './detection-dataset.js';
import type { ObjectAnnotation, SampleRecord } from './types.js';

interface CocoJson {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations?: { image_id: number; category_id: number; bbox: number[]; iscrowd?: number }[];
  categories: { id: number; name: string }[];
}

/** Reads and shape-checks one annotation file; errors name the file. */
export function readCocoJson(file: string): CocoJson {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: annotation file not found`);
  }
  let json: CocoJson;
  try {
    json = JSON.parse(text) as CocoJson;
  } catch (e) {
    throw new UserError(`${file}: malformed JSON (${(e as Error).message})`);
  }
  if (!json || !Array.isArray(json.images) || !Array.isArray(json.categories) || (json.annotations !== undefined && !Array.isArray(json.annotations))) {
    throw new UserError(`${file}: not a COCO instances file (needs "images" and "categories" arrays)`);
  }
  return json;
}

/** Resolves `file_name` inside `dir`; throws if it is absolute or escapes the folder. */
export function safeJoin(dir: string, name: string, annotationFile: string): string {
  if (typeof name !== 'string' || name.length === 0 || isAbsolute(name)) throw new UserError(`${annotationFile}: invalid file_name ${JSON.stringify(name)}`);
  const full = resolve(dir, name);
  const rel = relative(dir, full);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new UserError(`${annotationFile}: file_name ${JSON.stringify(name)} escapes the image folder ${dir}`);
  }
  return full;
}

/** Opens one or more COCO subsets (`{year, split}`), e.g. 2014-train + 2014-val. */
export function openCoco(root: string, subsets: { year: string; split: string }[]): DetectionDataset {
  const base = resolve(root);
  const annDir = join(base, 'annotations');
  if (!isDir(annDir)) throw new UserError(`${annDir}: annotations folder not found (expected ${annDir}/instances_<split><year>.json)`);
  let categories: { id: number; name: string }[] | undefined;
  let firstFile = '';
  const records: SampleRecord[] = [];
  const files: string[] = [];
  let unlabelled: boolean | undefined;
  for (const { year, split } of subsets) {
    const instances = join(annDir, `instances_${split}${year}.json`);
    const imageInfo = join(annDir, `image_info_${split}${year}.json`);
    const file = existsSync(instances) || !existsSync(imageInfo) ? instances : imageInfo;
    files.push(file);
    if (!existsSync(file)) throw new UserError(`unknown COCO subset "${year}-${split}": ${file} not found${split.startsWith('test') ? ` (nor ${imageInfo})` : ''}`);
    const json = readCocoJson(file);
    const annotated = json.annotations !== undefined;
    if (unlabelled !== undefined && unlabelled !== !annotated) throw new UserError(`${file}: subsets with annotations and without (image_info) cannot be mixed`);
    unlabelled = !annotated;
    const cats = [...json.categories].sort((a, b) => a.id - b.id);
    if (!categories) {
      categories = cats;
      firstFile = file;
    } else if (cats.length !== categories.length || cats.some((c, i) => c.id !== categories![i]!.id)) {
      throw new UserError(`${file}: categories differ from ${firstFile}`);
    }
    const classOf = new Map(cats.map((c, i) => [c.id, i]));
    // test-dev images live in the test<year> folder
    const folders = split.startsWith('test') && split !== 'test' ? [`${split}${year}`, `test${year}`] : [`${split}${year}`];
    const imgDir = folders.flatMap((f) => [join(base, f), join(base, 'images', f)]).find(isDir);
    if (!imgDir) throw new UserError(`${join(base, `${split}${year}`)}: image folder for subset ${year}-${split} not found`);
    const byId = new Map<number, SampleRecord>();
    const start = records.length;
    for (const img of json.images) {
      if (byId.has(img.id)) throw new UserError(`${file}: duplicate image id ${img.id}`);
      const rec: SampleRecord = { index: 0, id: img.id, file: safeJoin(imgDir, img.file_name, file), objects: [], width: img.width, height: img.height };
      byId.set(img.id, rec);
      records.push(rec);
    }
    for (const a of json.annotations ?? []) {
      const rec = byId.get(a.image_id);
      if (!rec) throw new UserError(`${file}: annotation refers to unknown image_id ${a.image_id}`);
      const cls = classOf.get(a.category_id);
      if (cls === undefined) throw new UserError(`${file}: annotation refers to unknown category_id ${a.category_id}`);
      if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || a.bbox.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new UserError(`${file}: image ${a.image_id} has a malformed bbox ${JSON.stringify(a.bbox)}`);
      }
      const [x, y, w, h] = a.bbox as [number, number, number, number];
      if (w <= 0 || h <= 0) continue; // degenerate boxes carry no training signal
      const obj: ObjectAnnotation = { box: [x, y, x + w, y + h], cls, ignore: a.iscrowd === 1, difficult: false };
      rec.objects!.push(obj);
    }
    if (records.length === start) throw new UserError(`${file}: subset ${year}-${split} has no images`);
  }
  const cats = categories!;
  return new DetectionDataset(cats.map((c) => c.name), records, `${base} (mscoco ${subsets.map((s) => `${s.year}-${s.split}`).join(',')})`, cats.map((c) => c.id), files, unlabelled);
}
