/** `.npy` pair datasets: `PATH_data.npy` float32 (B,C,H,W) and `PATH_labels.npy` int32 (B,). */
import { UserError } from '../util/errors.js';
import { readNpy } from './npy.js';
import type { Dataset, ImageArray, SampleRecord } from './types.js';

/** An in-memory classification dataset read from a `.npy` pair. */
export class NpyDataset implements Dataset {
  readonly kind = 'classification' as const;
  readonly classNames: string[];
  readonly length: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;

  constructor(private readonly data: Float32Array, shape: number[], private readonly labels: Int32Array, readonly source: string, classNames?: string[]) {
    [this.length, this.channels, this.height, this.width] = shape as [number, number, number, number];
    let max = -1;
    for (const l of labels) max = Math.max(max, l);
    this.classNames = classNames ?? Array.from({ length: max + 1 }, (_, i) => String(i));
  }

  record(index: number): SampleRecord {
    return { index, id: index, file: '', label: this.labels[index]! };
  }

  pixels(index: number): ImageArray {
    const n = this.channels * this.height * this.width;
    return { data: this.data.subarray(index * n, (index + 1) * n), channels: this.channels, height: this.height, width: this.width };
  }
}

/**
 * Opens `prefix_data.npy` + `prefix_labels.npy`. Checks dtypes (float32, int32), ranks (4, 1), that
 * the counts agree and that labels are in [0, classCount) (classCount defaults to max label + 1).
 */
export function openNpyPair(prefix: string, classCount?: number): NpyDataset {
  const dataFile = `${prefix}_data.npy`;
  const labelFile = `${prefix}_labels.npy`;
  const data = readNpy(dataFile, { dtype: 'float32', rank: 4 });
  const labels = readNpy(labelFile, { dtype: 'int32', rank: 1 });
  if (labels.shape[0] !== data.shape[0]) {
    throw new UserError(`${labelFile}: ${labels.shape[0]} labels but ${dataFile} holds ${data.shape[0]} images`);
  }
  const l = labels.data as Int32Array;
  for (let i = 0; i < l.length; i++) {
    if (l[i]! < 0 || (classCount !== undefined && l[i]! >= classCount)) {
      throw new UserError(`${labelFile}: label ${l[i]} at index ${i} is out of range [0, ${classCount ?? 'inf'})`);
    }
  }
  return new NpyDataset(data.data as Float32Array, data.shape, l, `${prefix} (npy)`,
    classCount !== undefined ? Array.from({ length: classCount }, (_, i) => String(i)) : undefined);
}
