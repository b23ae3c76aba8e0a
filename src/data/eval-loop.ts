/**
 * The loop every evaluation shares: each batch of a loader (epoch 0, fixed order), images on the
 * model's device, an eval-mode forward inside `scope` under libtorch's inference mode (and autocast
 * at `precision`), the batch freed afterwards, and the per-image mean of each loss term. Callers
 * pass a fused copy of the model (Model.fuse) for speed.
 */
import { disposeBatch } from './to-tensor.js';
import type { Batch, Loader } from './types.js';
import { autocast, inferenceMode, scope, toDevice, type Precision, type Tensor } from '../torch/index.js';

/** What `run` gives back for a batch: its loss tensors and anything else (plain data) for `use`. */
export interface EvalStep<R> {
  losses: Record<string, Tensor>;
  value: R;
}

/**
 * Runs `run(images on device, batch)` on every batch and hands its value to `use` outside the
 * scope; `onBatch` gets the number of images done. Returns the mean loss values, the image count
 * and the number of unreadable images the loader skipped.
 */
export async function evalLoop<R>(
  loader: Loader,
  device: string,
  run: (x: Tensor, batch: Batch) => EvalStep<R>,
  use: (value: R, batch: Batch) => void,
  onBatch?: (done: number) => void,
  precision: Precision = 'fp32',
): Promise<{ losses: Record<string, number>; images: number; skipped: number }> {
  const sums: Record<string, number> = {};
  let images = 0;
  const epoch = loader.epoch(0);
  for await (const batch of epoch) {
    try {
      const r = inferenceMode(() =>
        scope(() => {
          const x = toDevice(batch.images as Tensor, device);
          const { losses, value } = autocast(precision, device, () => run(x, batch));
          return { value, losses: Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.item()])) };
        }),
      );
      const n = batch.meta.length;
      for (const [k, v] of Object.entries(r.losses)) sums[k] = (sums[k] ?? 0) + v * n;
      use(r.value, batch);
      images += n;
      onBatch?.(images);
    } finally {
      disposeBatch(batch);
    }
  }
  return { losses: Object.fromEntries(Object.entries(sums).map(([k, s]) => [k, s / Math.max(1, images)])), images, skipped: epoch.stats.skipped };
}
