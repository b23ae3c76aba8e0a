/**
 * The one place where batches become libtorch tensors. Everything upstream works on typed arrays,
 * so the data pipeline can be tested without the native addon.
 */
import type { Tensor } from '../torch/index.js';
import type { ArrayBatch, Batch } from './types.js';

export type { Tensor };

let factory: typeof import('../torch/index.js').tensor | undefined;

/** Loads `tensor()` from src/torch on first use, so pure data tools and tests never load the native addon. */
async function tensorFactory(): Promise<typeof import('../torch/index.js').tensor> {
  factory ??= (await import('../torch/index.js')).tensor;
  return factory;
}

/** Converts a typed-array batch: images `[B,C,H,W]` float32, labels `[B]` int64. */
export async function toTensorBatch(batch: ArrayBatch): Promise<Batch> {
  const tensor = await tensorFactory();
  const images = tensor(batch.images, { shape: [...batch.shape], dtype: 'float32' });
  let labels: Tensor | undefined;
  if (batch.labels) {
    const l64 = new BigInt64Array(batch.labels.length);
    for (let i = 0; i < l64.length; i++) l64[i] = BigInt(batch.labels[i]!);
    labels = tensor(l64, { shape: [batch.labels.length], dtype: 'int64' });
  }
  return { images, labels, targets: batch.targets, meta: batch.meta, index: batch.index };
}

/** Frees the tensors of a batch. */
export function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  batch.labels?.dispose();
}
