/**
 * Writes the generated datasets. Detection, in both COCO and Pascal VOC layouts:
 *
 * ```
 * OUT/coco/{train,val,test}2026/*.jpg + OUT/coco/annotations/instances_{train,val,test}2026.json
 *   → --train OUT/coco --extension mscoco,2026-train
 * OUT/VOCdevkit/VOC2026/{JPEGImages,Annotations,ImageSets/Main/{train,val,test}.txt,classes.txt}
 *   → --train OUT --extension voc,2026-train
 * ```
 * Classification (one object an image, for pretraining a detector's backbone), class folders:
 * `OUT/{train,test}/<class>/*.jpg` → `--train OUT/train --test OUT/test --extension jpg`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateImage, generateObjectImage, splitObjectSources } from './synthetic.js';

/** The year in the generated split names (`train2026`, `VOC2026`). */
export const SYNTHETIC_YEAR = '2026';

/** Options of `writeSyntheticDataset`. */
export interface SyntheticOptions {
  seed: number;
  /** Images per split; a split with 0 images is not written. */
  counts: { train: number; val: number; test: number };
  /** Square image size in pixels. */
  size: number;
  /** Fashion-MNIST folder (default: Debian's); drawn shapes when absent. */
  fashionDir?: string;
  /** Parallel JPEG encodes. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** JPEG bytes of an RGB image (quality 90). */
function toJpeg(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Makes items 0…n−1 with up to `concurrency` JPEG encodes in flight and hands each to `write` in order. */
async function encodeInOrder<T>(n: number, concurrency: number | undefined, make: (i: number) => T & { jpg: Promise<Buffer> }, write: (item: T & { jpg: Buffer }, i: number) => void): Promise<void> {
  const conc = Math.max(1, concurrency ?? 4);
  for (let start = 0; start < n; start += conc) {
    const chunk = Array.from({ length: Math.min(conc, n - start) }, (_, k) => start + k);
    const made = await Promise.all(chunk.map(async (i) => { const item = make(i); return { ...item, jpg: await item.jpg }; }));
    made.forEach((item, k) => write(item, chunk[k]!));
  }
}

/** Writes the dataset; returns the class names, the object source kind and the object count. */
export async function writeSyntheticDataset(out: string, o: SyntheticOptions): Promise<{ classNames: string[]; source: string; images: number; objects: number }> {
  const sourceOf = splitObjectSources(o.fashionDir);
  const src = sourceOf('train');
  const coco = join(out, 'coco');
  const voc = join(out, 'VOCdevkit', `VOC${SYNTHETIC_YEAR}`);
  for (const d of [join(coco, 'annotations'), join(voc, 'JPEGImages'), join(voc, 'Annotations'), join(voc, 'ImageSets', 'Main')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(voc, 'classes.txt'), src.classNames.join('\n') + '\n');
  const categories = src.classNames.map((name, i) => ({ id: i + 1, name, supercategory: src.kind }));
  const total = o.counts.train + o.counts.val + o.counts.test;
  let done = 0;
  let nextId = 1;
  let objectCount = 0;
  const splits = (['train', 'val', 'test'] as const).filter((s) => o.counts[s] > 0);
  for (const [si, split] of splits.entries()) {
    const splitSource = sourceOf(split);
    const imgDir = join(coco, `${split}${SYNTHETIC_YEAR}`);
    mkdirSync(imgDir, { recursive: true });
    const images: object[] = [];
    const annotations: object[] = [];
    const ids: string[] = [];
    await encodeInOrder(o.counts[split], o.concurrency, (i) => {
      const img = generateImage(splitSource, o.seed, si, i, o.size);
      return { img, jpg: toJpeg(img.rgb, img.width, img.height) };
    }, ({ img, jpg }, i) => {
      const stem = `${split}_${String(i).padStart(6, '0')}`;
      const id = nextId++;
      writeFileSync(join(imgDir, `${stem}.jpg`), jpg);
      writeFileSync(join(voc, 'JPEGImages', `${stem}.jpg`), jpg);
      images.push({ id, file_name: `${stem}.jpg`, width: img.width, height: img.height });
      for (const ob of img.objects) {
        const [x0, y0, x1, y1] = ob.box;
        annotations.push({ id: annotations.length + 1 + id * 100, image_id: id, category_id: ob.cls + 1, bbox: [x0, y0, x1 - x0, y1 - y0], area: (x1 - x0) * (y1 - y0), iscrowd: 0 });
      }
      objectCount += img.objects.length;
      const objs = img.objects.map((ob) => `  <object>\n    <name>${src.classNames[ob.cls]}</name>\n    <pose>Unspecified</pose>\n    <truncated>${ob.box[0] === 0 || ob.box[1] === 0 || ob.box[2] === img.width || ob.box[3] === img.height ? 1 : 0}</truncated>\n    <difficult>0</difficult>\n    <bndbox><xmin>${ob.box[0] + 1}</xmin><ymin>${ob.box[1] + 1}</ymin><xmax>${ob.box[2]}</xmax><ymax>${ob.box[3]}</ymax></bndbox>\n  </object>\n`).join('');
      writeFileSync(join(voc, 'Annotations', `${stem}.xml`), `<annotation>\n  <folder>VOC${SYNTHETIC_YEAR}</folder>\n  <filename>${stem}.jpg</filename>\n  <size><width>${img.width}</width><height>${img.height}</height><depth>3</depth></size>\n  <segmented>0</segmented>\n${objs}</annotation>\n`);
      ids.push(stem);
      o.onProgress?.(++done, total);
    });
    writeFileSync(join(coco, 'annotations', `instances_${split}${SYNTHETIC_YEAR}.json`), JSON.stringify({ info: { description: `DeNet generated detection set (${src.kind}), seed ${o.seed}` }, images, annotations, categories }));
    writeFileSync(join(voc, 'ImageSets', 'Main', `${split}.txt`), ids.join('\n') + '\n');
  }
  return { classNames: src.classNames, source: src.kind, images: total, objects: objectCount };
}

/** Options of `writeSyntheticClassification`. */
export interface SyntheticClassificationOptions extends Omit<SyntheticOptions, 'counts'> {
  /** Images per split; a split with 0 images is not written. */
  counts: { train: number; test: number };
}

/** Writes the one-object classification set in class folders; returns the class names and the source kind. */
export async function writeSyntheticClassification(out: string, o: SyntheticClassificationOptions): Promise<{ classNames: string[]; source: string; images: number }> {
  const sourceOf = splitObjectSources(o.fashionDir);
  const { classNames, kind } = sourceOf('train');
  const total = o.counts.train + o.counts.test;
  let done = 0;
  const splits = (['train', 'test'] as const).filter((s) => o.counts[s] > 0);
  for (const [si, split] of splits.entries()) {
    for (const name of classNames) mkdirSync(join(out, split, name), { recursive: true });
    const src = sourceOf(split);
    await encodeInOrder(o.counts[split], o.concurrency, (i) => {
      const img = generateObjectImage(src, o.seed, si, i, o.size);
      return { cls: img.cls, jpg: toJpeg(img.rgb, img.size, img.size) };
    }, ({ cls, jpg }, i) => {
      writeFileSync(join(out, split, classNames[cls]!, `${split}_${String(i).padStart(6, '0')}.jpg`), jpg);
      o.onProgress?.(++done, total);
    });
  }
  return { classNames, source: kind, images: total };
}
