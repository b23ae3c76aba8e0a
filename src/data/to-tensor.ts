/**
 * The one place where batches become libtorch tensors. Everything upstream works on typed arrays,
 * so the data pipeline can be tested without the native addon.
 */
import type { ArrayBatch, Batch } from './types.js';

/** The slice of `src/torch`'s Tensor that the data layer relies on. */
export interface Tensor {
  readonly shape: readonly number[];
  dispose(): void;
}

type TensorFactory = (data: Float32Array | Int32Array | BigInt64Array, options: { shape: number[]; dtype: 'float32' | 'int64' | 'int32' }) => Tensor;

let factory: TensorFactory | undefined;

/** Loads `tensor()` from src/torch on first use (keeps the addon out of pure data tools and tests). */
async function tensorFactory(): Promise<TensorFactory> {
  if (!factory) {
    const spec = '../torch/index.js';
    const mod = (await import(spec)) as { tensor: TensorFactory };
    factory = mod.tensor;
  }
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
