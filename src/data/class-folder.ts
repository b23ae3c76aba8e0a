/** Class-folder datasets: `PATH/<class name>/<image>.<ext>`, classes sorted by name. */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import type { Dataset, SampleRecord } from './types.js';

/** Sorted directory listing that turns fs errors into a `UserError` naming the folder. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (e as Error).message}`);
  }
}

/** Whether `path` is a directory (false when it does not exist). */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A classification dataset from a list of (file, label) pairs. */
export class FileClassificationDataset implements Dataset {
  readonly kind = 'classification' as const;
  constructor(
    readonly classNames: string[],
    private readonly files: string[],
    private readonly labels: Int32Array,
    readonly source: string,
    private readonly ids?: string[],
  ) {}

  get length(): number {
    return this.files.length;
  }

  record(index: number): SampleRecord {
    return { index, id: this.ids?.[index] ?? index, file: this.files[index]!, label: this.labels[index]! };
  }
}

/**
 * Opens `root/<class>/<image>.<ext>` (extension matched case-insensitively). An empty class
 * folder or a root without class folders is a `UserError`.
 */
export function openClassFolders(root: string, ext: string): FileClassificationDataset {
  const dir = resolve(root);
  const classNames = listDir(dir).filter((n) => !n.startsWith('.') && isDir(join(dir, n)));
  if (classNames.length === 0) throw new UserError(`${dir}: no class folders found (expected ${dir}/<class>/<image>.${ext})`);
  const files: string[] = [];
  const labels: number[] = [];
  const suffix = `.${ext.toLowerCase()}`;
  classNames.forEach((name, cls) => {
    const images = listDir(join(dir, name)).filter((f) => f.toLowerCase().endsWith(suffix));
    if (images.length === 0) throw new UserError(`${join(dir, name)}: class folder "${name}" has no *.${ext} images`);
    for (const f of images) {
      files.push(join(dir, name, f));
      labels.push(cls);
    }
  });
  return new FileClassificationDataset(classNames, files, Int32Array.from(labels), `${dir} (${ext})`);
}
