/** Reader for the MNIST/Fashion-MNIST idx format (optionally gzip-compressed). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../util/errors.js';

/** An idx array: unsigned bytes with their dimensions. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads an idx file of unsigned bytes (type 0x08); `.gz` files are decompressed. */
export function readIdx(file: string): IdxArray {
  let buf = readFileSync(file);
  if (file.endsWith('.gz')) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) throw new UserError(`${file}: not an unsigned-byte idx file`);
  const rank = buf[3]!;
  const shape = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * rank;
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - start !== count) throw new UserError(`${file}: idx header shape (${shape.join(', ')}) needs ${count} bytes but the file has ${buf.length - start}`);
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + start, count) };
}

/** Fashion-MNIST class names, by label. */
export const FASHION_CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

/** Where Debian's `dataset-fashion-mnist` installs the files. */
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's two splits: 60,000 training items and 10,000 test items. */
export type FashionSplit = 'train' | 't10k';

/** Loads a Fashion-MNIST split from `dir`, or undefined when absent. */
export function loadFashionMnist(dir = FASHION_DIR, split: FashionSplit = 'train'): { images: Uint8Array; labels: Uint8Array; count: number } | undefined {
  const img = join(dir, `${split}-images-idx3-ubyte.gz`);
  const lab = join(dir, `${split}-labels-idx1-ubyte.gz`);
  if (!existsSync(img) || !existsSync(lab)) return undefined;
  const images = readIdx(img);
  const labels = readIdx(lab);
  if (images.shape[0] !== labels.shape[0] || images.shape[1] !== 28 || images.shape[2] !== 28) throw new UserError(`${img}: unexpected shape (${images.shape.join(', ')})`);
  return { images: images.data, labels: labels.data, count: labels.shape[0]! };
}
