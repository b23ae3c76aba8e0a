/**
 * Unlabelled images for prediction (`model-predict --input PATH`): PATH is a folder (searched
 * recursively; hidden entries skipped), one image file, or a list file (`.txt`: one image path per
 * line, relative to the list file's folder; blank lines and `#` comments ignored), as Ultralytics
 * and darknet take them. Image files are those sharp reads: jpg/jpeg, png, webp, tif/tiff, gif,
 * avif. Records carry no label and no boxes; `id` is the 1-based position (the COCO image id of
 * `results.json`) and `relative(i)` the path shown to the user.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { isDir, listDir } from './class-folder.js';
import type { Dataset, DatasetKind, SampleRecord } from './types.js';

/** File extensions (lower case, no dot) read as images. */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif'];

function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).slice(1).toLowerCase());
}

/** Images without labels, in a fixed order (sorted paths for folders, file order for lists). */
export class ImageFilesDataset implements Dataset {
  /** Marks data with no ground truth: nothing to evaluate. */
  readonly unlabelled = true;
  constructor(
    /** 'detection' or 'classification': what the loader delivers (empty boxes / no label). */
    readonly kind: DatasetKind,
    readonly classNames: string[],
    private readonly files: string[],
    /** Folder the displayed names are relative to. */
    private readonly base: string,
    readonly source: string,
  ) {}

  get length(): number {
    return this.files.length;
  }

  record(index: number): SampleRecord {
    return { index, id: index + 1, file: this.files[index]!, ...(this.kind === 'detection' ? { objects: [] } : {}) };
  }

  /** The name of image `index` as the user gave it: relative to the folder or list file (else the absolute path). */
  relative(index: number): string {
    const f = this.files[index]!;
    const r = relative(this.base, f);
    return r.startsWith('..') ? f : r;
  }
}


function walk(dir: string, out: string[]): void {
  for (const name of listDir(dir)) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (isDir(p)) walk(p, out);
    else if (isImageFile(name)) out.push(p);
  }
}

/** Opens PATH (folder, image file or list file) as unlabelled images; `classNames` are the model's. */
export function openImageFiles(path: string, kind: DatasetKind, classNames: string[]): ImageFilesDataset {
  const p = resolve(path);
  let stat;
  try {
    stat = statSync(p);
  } catch {
    throw new UserError(`${path}: no such file or folder`);
  }
  let files: string[];
  let base: string;
  let what: string;
  if (stat.isDirectory()) {
    files = [];
    walk(p, files);
    base = p;
    what = 'folder';
    if (files.length === 0) throw new UserError(`${path}: no images in this folder or below (looked for ${IMAGE_EXTENSIONS.map((e) => `*.${e}`).join(', ')})`);
  } else if (isImageFile(p)) {
    files = [p];
    base = dirname(p);
    what = 'image';
  } else {
    base = dirname(p);
    what = 'list';
    const text = readFileSync(p, 'utf8');
    if (text.includes('\0')) throw new UserError(`${path}: neither an image (${IMAGE_EXTENSIONS.join(', ')}) nor a text list of image paths`);
    files = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => resolve(base, l));
    if (files.length === 0) throw new UserError(`${path}: the list names no images`);
  }
  return new ImageFilesDataset(kind, classNames, files, base, `${p} (${files.length} image${files.length === 1 ? '' : 's'}, ${what})`);
}
