/**
 * Pascal VOC reader: `ROOT[/VOCdevkit]/VOC<year>/{Annotations,ImageSets/Main,JPEGImages}`.
 * Boxes are converted from VOC's 1-based inclusive pixels to `(xmin-1, ymin-1, xmax, ymax)`;
 * `difficult` flags are kept. Classes: `VOC<year>/classes.txt` when present, the 20 VOC classes
 * when every name is one of them, else the sorted set of names found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { isDir } from './class-folder.js';
import { DetectionDataset } from './detection-dataset.js';
import type { SampleRecord } from './types.js';
import { readXml, xmlNumber } from './xml.js';

/** The 20 Pascal VOC classes in their standard order. */
export const VOC_CLASSES = ['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'];

interface RawObject { name: string; box: [number, number, number, number]; difficult: boolean }

/** Parses one VOC annotation file. */
export function readVocAnnotation(file: string): { width: number; height: number; filename?: string; objects: RawObject[] } {
  const doc = readXml(file);
  const ann = doc.annotation as Record<string, unknown> | undefined;
  if (!ann) throw new UserError(`${file}: no <annotation> element`);
  const size = ann.size as Record<string, unknown> | undefined;
  if (!size) throw new UserError(`${file}: missing <size>`);
  const width = xmlNumber(size, 'width', file);
  const height = xmlNumber(size, 'height', file);
  const objects: RawObject[] = [];
  for (const o of (ann.object as Record<string, unknown>[] | undefined) ?? []) {
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    if (!name) throw new UserError(`${file}: <object> without <name>`);
    const bb = o.bndbox;
    if (!bb) throw new UserError(`${file}: <object> ${name} without <bndbox>`);
    const box: [number, number, number, number] = [xmlNumber(bb, 'xmin', file) - 1, xmlNumber(bb, 'ymin', file) - 1, xmlNumber(bb, 'xmax', file), xmlNumber(bb, 'ymax', file)];
    objects.push({ name, box, difficult: o.difficult === '1' || o.difficult === 1 });
  }
  return { width, height, filename: typeof ann.filename === 'string' ? ann.filename : undefined, objects };
}

/** Finds `VOC<year>` under root (root may be the VOCdevkit parent, VOCdevkit, or VOC<year> itself). */
function yearDir(root: string, year: string): string {
  const candidates = [join(root, 'VOCdevkit', `VOC${year}`), join(root, `VOC${year}`), root.endsWith(`VOC${year}`) ? root : ''];
  const dir = candidates.find((d) => d && isDir(d));
  if (!dir) throw new UserError(`${join(root, 'VOCdevkit', `VOC${year}`)}: VOC ${year} folder not found`);
  return dir;
}

/** Opens VOC subsets such as 2007-trainval + 2012-trainval. */
export function openVoc(root: string, subsets: { year: string; split: string }[]): DetectionDataset {
  const base = resolve(root);
  const raws: { rec: SampleRecord; objects: RawObject[] }[] = [];
  let classFile: string | undefined;
  for (const { year, split } of subsets) {
    const dir = yearDir(base, year);
    const annDir = join(dir, 'Annotations');
    if (!isDir(annDir)) throw new UserError(`${annDir}: Annotations folder not found`);
    const listFile = join(dir, 'ImageSets', 'Main', `${split}.txt`);
    if (!existsSync(listFile)) throw new UserError(`unknown VOC subset "${year}-${split}": ${listFile} not found`);
    if (!classFile && existsSync(join(dir, 'classes.txt'))) classFile = join(dir, 'classes.txt');
    const ids = readFileSync(listFile, 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter((l) => l.length > 0);
    if (ids.length === 0) throw new UserError(`${listFile}: subset ${year}-${split} lists no images`);
    for (const id of ids) {
      const ann = readVocAnnotation(join(annDir, `${id}.xml`));
      const file = join(dir, 'JPEGImages', ann.filename && /^[\w.-]+$/.test(ann.filename) ? ann.filename : `${id}.jpg`);
      raws.push({ rec: { index: 0, id: `${year}_${id}`, file, objects: [], width: ann.width, height: ann.height }, objects: ann.objects });
    }
  }
  const names = new Set(raws.flatMap((r) => r.objects.map((o) => o.name)));
  let classNames: string[];
  if (classFile) classNames = readFileSync(classFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  else if ([...names].every((n) => VOC_CLASSES.includes(n))) classNames = VOC_CLASSES;
  else classNames = [...names].sort();
  const classOf = new Map(classNames.map((n, i) => [n, i]));
  for (const { rec, objects } of raws) {
    for (const o of objects) {
      const cls = classOf.get(o.name);
      if (cls === undefined) throw new UserError(`${rec.file}: object class "${o.name}" is not in ${classFile ?? 'the class list'}`);
      rec.objects!.push({ box: o.box, cls, ignore: false, difficult: o.difficult });
    }
  }
  return new DetectionDataset(classNames, raws.map((r) => r.rec), `${base} (voc ${subsets.map((s) => `${s.year}-${s.split}`).join(',')})`);
}
