/**
 * ILSVRC (ImageNet) reader. ROOT is the ILSVRC folder (or its `Data/CLS-LOC`): `train/<wnid>/*.JPEG`
 * gives the classes (wnids, sorted). Validation images are `val/*.JPEG`, labelled from, in order:
 * `val/<wnid>/` sub-folders, per-image XML (`val/<stem>.xml` or `Annotations/CLS-LOC/val/<stem>.xml`),
 * or the devkit's `ILSVRC2012_validation_ground_truth.txt` (1-based ILSVRC ids, one per sorted image)
 * with `map_clsloc.txt` (`wnid id name`) mapping ids to wnids.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { FileClassificationDataset, isDir, listDir } from './class-folder.js';
import { readXml } from './xml.js';

const IMAGE = /\.(jpe?g|png)$/i;

function findFile(base: string, names: string[], dirs: string[]): string | undefined {
  for (const d of dirs) for (const n of names) if (existsSync(join(base, d, n))) return join(base, d, n);
  return undefined;
}

/** Opens the `train` (default) or `val` split of an ILSVRC folder. */
export function openImagenet(root: string, split: 'train' | 'val' = 'train'): FileClassificationDataset {
  let base = resolve(root);
  if (!isDir(join(base, 'train')) && !isDir(join(base, 'val')) && isDir(join(base, 'Data', 'CLS-LOC'))) base = join(base, 'Data', 'CLS-LOC');
  const trainDir = join(base, 'train');
  const valDir = join(base, 'val');
  const wnids = isDir(trainDir) ? listDir(trainDir).filter((n) => /^n\d{8}$/.test(n) && isDir(join(trainDir, n))) : [];
  if (split === 'train') {
    if (wnids.length === 0) throw new UserError(`${trainDir}: no ILSVRC class folders (train/<wnid>/*.JPEG)`);
    const files: string[] = [];
    const labels: number[] = [];
    wnids.forEach((w, cls) => {
      const imgs = listDir(join(trainDir, w)).filter((f) => IMAGE.test(f));
      if (imgs.length === 0) throw new UserError(`${join(trainDir, w)}: class folder has no images`);
      for (const f of imgs) {
        files.push(join(trainDir, w, f));
        labels.push(cls);
      }
    });
    return new FileClassificationDataset(wnids, files, Int32Array.from(labels), `${base} (imagenet train)`);
  }
  if (!isDir(valDir)) throw new UserError(`${valDir}: ILSVRC val folder not found`);
  const entries = listDir(valDir);
  const subdirs = entries.filter((n) => /^n\d{8}$/.test(n) && isDir(join(valDir, n)));
  const classes = wnids.length > 0 ? wnids : subdirs;
  const classOf = new Map(classes.map((w, i) => [w, i]));
  const files: string[] = [];
  const labels: number[] = [];
  const push = (file: string, wnid: string, where: string) => {
    const cls = classOf.get(wnid);
    if (cls === undefined) throw new UserError(`${where}: synset ${wnid} is not one of the ${classes.length} training classes`);
    files.push(file);
    labels.push(cls);
  };
  if (subdirs.length > 0) {
    for (const w of subdirs) for (const f of listDir(join(valDir, w)).filter((f) => IMAGE.test(f))) push(join(valDir, w, f), w, join(valDir, w));
  } else {
    const images = entries.filter((f) => IMAGE.test(f));
    if (images.length === 0) throw new UserError(`${valDir}: no validation images`);
    const gt = findFile(base, ['ILSVRC2012_validation_ground_truth.txt'], ['', 'devkit/data', 'ILSVRC2012_devkit_t12/data', '../devkit/data']);
    const xmlOf = (stem: string) => [join(valDir, `${stem}.xml`), join(base, 'Annotations', 'CLS-LOC', 'val', `${stem}.xml`), join(base, '..', '..', 'Annotations', 'CLS-LOC', 'val', `${stem}.xml`)].find((p) => existsSync(p));
    if (xmlOf(images[0]!.replace(IMAGE, ''))) {
      for (const f of images) {
        const xml = xmlOf(f.replace(IMAGE, ''));
        if (!xml) throw new UserError(`${join(valDir, f)}: no annotation XML for this image`);
        const objs = ((readXml(xml).annotation as Record<string, unknown> | undefined)?.object ?? []) as { name?: string }[];
        const wnid = objs[0]?.name;
        if (!wnid) throw new UserError(`${xml}: no <object><name>`);
        push(join(valDir, f), wnid, xml);
      }
    } else if (gt) {
      const map = findFile(base, ['map_clsloc.txt'], ['', 'devkit/data', 'ILSVRC2012_devkit_t12/data', '../devkit/data']);
      if (!map) throw new UserError(`${gt}: found, but map_clsloc.txt (wnid id name) is needed to map its ids to synsets`);
      const idToWnid = new Map<number, string>();
      for (const line of readFileSync(map, 'utf8').split('\n')) {
        const [w, id] = line.trim().split(/\s+/);
        if (w && id) idToWnid.set(Number(id), w);
      }
      const ids = readFileSync(gt, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0).map(Number);
      if (ids.length !== images.length) throw new UserError(`${gt}: ${ids.length} labels for ${images.length} images in ${valDir}`);
      images.forEach((f, i) => {
        const w = idToWnid.get(ids[i]!);
        if (!w) throw new UserError(`${gt}: line ${i + 1}: id ${ids[i]} is not in ${map}`);
        push(join(valDir, f), w, gt);
      });
    } else {
      throw new UserError(`${valDir}: no labels found (need val/<wnid>/ folders, per-image XML, or ILSVRC2012_validation_ground_truth.txt + map_clsloc.txt)`);
    }
  }
  const ids = files.map((f) => f.slice(f.lastIndexOf('/') + 1).replace(IMAGE, ''));
  return new FileClassificationDataset(classes, files, Int32Array.from(labels), `${base} (imagenet val)`, ids);
}
