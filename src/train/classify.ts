/**
 * The test pass after each epoch: eval-mode forward over the test loader (inference mode, on a
 * fused copy of the model), the mean of each loss term, and for classification the top-1 and top-5
 * error.
 */
import type { Loader } from '../data/types.js';
import { classificationMetrics } from '../eval/classification.js';
import { Model } from '../model/index.js';
import { scope, type Precision, type Tensor } from '../torch/index.js';
import { evalLoop } from '../data/eval-loop.js';
import type { TrainableModel } from './model-like.js';

export interface TestResult {
  losses: Record<string, number>;
  metrics: Record<string, number>;
  images: number;
}

export interface Predictions {
  /** Top-k class indices per sample, k = min(5, classes), best first (n*k). */
  topk: Int32Array;
  k: number;
  labels: Int32Array;
  /** Class scores (logits) per sample, n*classes. */
  scores: Float32Array;
  classes: number;
}

/** Runs the model over `loader` (epoch 0, fixed order) and returns mean losses and predictions. */
export async function predictAll(model: TrainableModel, loader: Loader, device = 'cpu', onBatch?: (done: number) => void, precision: Precision = 'fp32'): Promise<{ losses: Record<string, number>; predictions?: Predictions; images: number }> {
  const topk: number[] = [];
  const labels: number[] = [];
  const scores: Float32Array[] = [];
  let k = 0;
  let classes = 0;
  const { losses, images } = await evalLoop(
    loader,
    device,
    (x, batch) => {
      const y = batch.labels ? (device === 'cpu' ? (batch.labels as Tensor) : (batch.labels as Tensor).to(device)) : undefined;
      const { output, losses } = model.forward(x, { training: false, labels: y, targets: batch.targets });
      if (!y || output.ndim !== 2) return { losses, value: undefined };
      const kk = Math.min(5, output.size(1));
      const idx = output.topk(kk, 1).indices.to({ dtype: 'int32', device: 'cpu' }).data() as Int32Array;
      const sc = output.to({ dtype: 'float32', device: 'cpu' }).data() as Float32Array;
      return { losses, value: { kk, idx, sc, classes: output.size(1) } };
    },
    (r, batch) => {
      if (!r || !batch.labels) return;
      k = r.kk;
      classes = r.classes;
      for (const v of r.idx) topk.push(v);
      scores.push(r.sc);
      const lab = scope(() => (batch.labels as Tensor).to('int32').data() as Int32Array);
      for (const v of lab) labels.push(v);
    },
    onBatch,
    precision,
  );
  if (!labels.length) return { losses, images };
  const all = new Float32Array(labels.length * classes);
  let off = 0;
  for (const s of scores) {
    all.set(s, off);
    off += s.length;
  }
  return { losses, images, predictions: { topk: Int32Array.from(topk), k, labels: Int32Array.from(labels), scores: all, classes } };
}

/** Top-1 and top-5 error (fractions) from predictions, via src/eval/classification.ts. */
export function topErrors(p: Predictions): { top1_error: number; top5_error: number } {
  const m = classificationMetrics({ topk: p.topk, k: p.k, labels: p.labels, numClasses: p.classes });
  return { top1_error: m.top1Error, top5_error: m.top5Error ?? NaN };
}

export async function testPass(model: TrainableModel, loader: Loader, device = 'cpu', precision: Precision = 'fp32'): Promise<TestResult> {
  return withFused(model, async (m) => {
    const r = await predictAll(m, loader, device, undefined, precision);
    return { losses: r.losses, metrics: r.predictions ? topErrors(r.predictions) : {}, images: r.images };
  });
}

/** Runs `fn` on a fused copy of `model` (BN folded; disposed afterwards) when it is a Model. */
export async function withFused<M extends TrainableModel, T>(model: M, fn: (m: M) => Promise<T>): Promise<T> {
  if (!(model instanceof Model)) return fn(model);
  const fused = model.fuse();
  try {
    return await fn(fused as unknown as M);
  } finally {
    fused.dispose();
  }
}
