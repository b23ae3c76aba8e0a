/**
 * Pascal VOC ground truth: `VOCdevkit/VOC<year>/Annotations/<id>.xml` and
 * `ImageSets/Main/<set>.txt`, parsed with fast-xml-parser.
 *
 * Boxes stay in the devkit's convention: 1-based inclusive pixel coordinates `[x1, y1, x2, y2]`,
 * so a box's width is `x2 - x1 + 1`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UserError } from '../../util/errors.js';

/** The 20 Pascal VOC classes in the devkit's order. */
export const VOC_CLASSES = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
] as const;

/** One annotated object. */
export interface VocObject {
  name: string;
  /** `difficult` objects are neither a true nor a false positive and do not count in recall. */
  difficult: boolean;
  /** `[x1, y1, x2, y2]`, 1-based inclusive pixels. */
  box: [number, number, number, number];
}

/** One annotation file. */
export interface VocAnnotation { filename?: string; width?: number; height?: number; objects: VocObject[] }

/** Ground truth of one image set: image ids in set-file order and their annotations. */
export interface VocGroundTruth { imageIds: string[]; annotations: Map<string, VocAnnotation> }

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (_name, jpath) => jpath === 'annotation.object',
});

function num(v: unknown, what: string, source: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UserError(`${source}: ${what} must be a number but received ${JSON.stringify(v)}`);
  return n;
}

/** Parses one VOC annotation XML document; malformed XML or boxes are a `UserError` naming `source`. */
export function parseVocXml(text: string, source = 'annotation'): VocAnnotation {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new UserError(`${source}: malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const doc = parser.parse(text) as { annotation?: Record<string, unknown> };
  const ann = doc.annotation;
  if (!ann || typeof ann !== 'object') throw new UserError(`${source}: no <annotation> element`);
  const size = ann.size as Record<string, string> | undefined;
  const objects = ((ann.object as Record<string, unknown>[] | undefined) ?? []).map((o, i) => {
    const where = `${source}: object ${i + 1}`;
    if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || o.name === '') throw new UserError(`${where} has no <name>`);
    const bb = o.bndbox as Record<string, unknown> | undefined;
    if (!bb || typeof bb !== 'object') throw new UserError(`${where} (${o.name}) has no <bndbox>`);
    const box: [number, number, number, number] = [num(bb.xmin, 'xmin', where), num(bb.ymin, 'ymin', where), num(bb.xmax, 'xmax', where), num(bb.ymax, 'ymax', where)];
    if (box[2] < box[0] || box[3] < box[1]) throw new UserError(`${where} (${o.name}): bndbox has max < min: ${box.join(' ')}`);
    const difficult = o.difficult === undefined || o.difficult === '' ? false : num(o.difficult, 'difficult', where) !== 0;
    return { name: o.name.trim(), difficult, box };
  });
  return {
    filename: typeof ann.filename === 'string' ? ann.filename : undefined,
    width: size?.width !== undefined ? Number(size.width) : undefined,
    height: size?.height !== undefined ? Number(size.height) : undefined,
    objects,
  };
}

/** Reads a text file, turning a missing file into a `UserError` that says what it is. */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parses an image-set file (`ImageSets/Main/<set>.txt`): one id per line, first token, duplicates dropped. */
export function parseImageSet(text: string): string[] {
  const ids = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const id = line.trim().split(/\s+/)[0];
    if (id) ids.add(id);
  }
  return [...ids];
}

/** The `VOC<year>` folder inside a devkit path (accepts the devkit folder or the `VOC<year>` folder itself). */
export function vocYearDir(devkit: string, year: string): string {
  return path.basename(path.resolve(devkit)) === `VOC${year}` ? devkit : path.join(devkit, `VOC${year}`);
}

/** Loads the ground truth of `VOC<year>` image set `set` from a devkit folder. */
export function loadVocGroundTruth(devkit: string, year: string, set: string): VocGroundTruth {
  const root = vocYearDir(devkit, year);
  const imageIds = parseImageSet(readText(path.join(root, 'ImageSets', 'Main', `${set}.txt`), 'image set'));
  if (imageIds.length === 0) throw new UserError(`image set ${path.join(root, 'ImageSets', 'Main', `${set}.txt`)} lists no images`);
  const annotations = new Map<string, VocAnnotation>();
  for (const id of imageIds) {
    const file = path.join(root, 'Annotations', `${id}.xml`);
    annotations.set(id, parseVocXml(readText(file, 'annotation'), file));
  }
  return { imageIds, annotations };
}
