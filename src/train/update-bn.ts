/**
 * Re-estimates batch-norm running statistics over training data. Every BN
 * layer's running mean and variance become the plain average of the per-batch statistics (as
 * torch.optim.swa_utils.update_bn with momentum=None), independent of each layer's momentum.
 *
 * How, without reaching into the layers: each batch runs in training mode with the running
 * buffers zeroed, so afterwards each holds m·(batch statistic) for that layer's momentum m. The
 * first batch runs once more with the buffers set to 1 under the same RNG state (same dropout
 * masks), which gives (1 − m) + m·(batch statistic): the difference is 1 − m.
 */
import { disposeBatch } from '../data/to-tensor.js';
import type { Loader } from '../data/types.js';
import type { Model } from '../model/index.js';
import { getRngState, keep, noGrad, scope, setRngState, toDevice, zerosLike, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';

/** Replaces the model's BN running statistics with their average over `batches` (all by default) of the loader's epoch 0. */
export async function updateBatchNorm(model: Model, loader: Loader, o: { device?: string; batches?: number; onBatch?: (n: number) => void } = {}): Promise<{ batches: number; layers: number }> {
  const device = o.device ?? 'cpu';
  const bn = model.namedBuffers().filter((b) => /(^|\.)running_(mean|var)$/.test(b.name));
  if (bn.length === 0) throw new UserError('the model has no batch-normalisation layers');
  const sums = bn.map((b) => keep(noGrad(() => zerosLike(b.tensor))));
  const saved = bn.map((b) => keep(b.tensor.clone()));
  let momentum: number[] | undefined;
  let count = 0;
  try {
    for await (const batch of loader.epoch(0)) {
      try {
        scope(() =>
          noGrad(() => {
            const x = toDevice(batch.images as Tensor, device);
            if (!momentum) {
              const rng = getRngState();
              for (const b of bn) b.tensor.fill_(1);
              model.forward(x, { training: true });
              const withOnes = bn.map((b) => b.tensor.clone());
              setRngState(rng);
              for (const b of bn) b.tensor.fill_(0);
              model.forward(x, { training: true });
              momentum = bn.map((b, i) => 1 - withOnes[i]!.sub(b.tensor).mean().item());
              const bad = momentum.findIndex((m) => !(m > 1e-6));
              if (bad >= 0) throw new UserError(`${bn[bad]!.name}: the layer keeps its running statistics fixed (momentum keep rate 1); nothing to re-estimate`);
            } else {
              for (const b of bn) b.tensor.fill_(0);
              model.forward(x, { training: true });
            }
            bn.forEach((b, i) => sums[i]!.add_(b.tensor, 1 / momentum![i]!));
          }),
        );
      } finally {
        disposeBatch(batch);
      }
      count++;
      o.onBatch?.(count);
      if (o.batches !== undefined && count >= o.batches) break;
    }
    if (count === 0) throw new UserError('no training images to estimate batch-norm statistics from');
    noGrad(() => bn.forEach((b, i) => b.tensor.copy_(sums[i]!).div_(count)));
  } catch (e) {
    noGrad(() => bn.forEach((b, i) => b.tensor.copy_(saved[i]!)));
    throw e;
  } finally {
    for (const t of [...sums, ...saved]) t.dispose();
  }
  return { batches: count, layers: bn.length / 2 };
}
