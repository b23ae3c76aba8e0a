/** Test fixtures for the trainer: a tiny linear classifier with dropout and a buffer, and an in-memory loader. */
import { toTensorBatch } from '../../src/data/to-tensor.js';
import { Rng } from '../../src/util/rng.js';
import type { ArrayBatch, Batch, Dataset, Epoch, EpochStats, Loader } from '../../src/data/types.js';
import { crossEntropy, F, keep, noGrad, randn, readSafetensors, writeSafetensors, zeros, type Tensor } from '../../src/torch/index.js';
import type { TrainableModel } from '../../src/train/model-like.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

export class TinyModel implements TrainableModel {
  constructor(
    readonly w: Tensor,
    readonly b: Tensor,
    readonly mean: Tensor,
    readonly dropout = 0.25,
  ) {}

  static create(inputs: number, classes: number, dropout = 0.25): TinyModel {
    const w = keep(noGrad(() => randn([inputs, classes]).mul(0.1))).requiresGrad_();
    const b = keep(zeros([classes])).requiresGrad_();
    return new TinyModel(w, b, keep(zeros([inputs])), dropout);
  }

  static load(path: string): TinyModel {
    const { tensors } = readSafetensors(path);
    return new TinyModel(keep(tensors.w!).requiresGrad_(), keep(tensors.b!).requiresGrad_(), keep(tensors.mean!));
  }

  forward(images: Tensor, o: { training: boolean; labels?: Tensor }): { output: Tensor; losses: Record<string, Tensor> } {
    const x = images.flatten(1);
    if (o.training) noGrad(() => this.mean.mul_(0.9).add_(x.mean(0), 0.1));
    const h = this.dropout > 0 ? F.dropout(x, this.dropout, o.training) : x;
    const output = h.matmul(this.w).add(this.b);
    return { output, losses: o.labels ? { class: crossEntropy(output, o.labels) } : {} };
  }
  namedParameters() {
    return [{ name: 'w', tensor: this.w, decay: true }, { name: 'b', tensor: this.b, decay: false }];
  }
  namedBuffers() {
    return [{ name: 'mean', tensor: this.mean }];
  }
  save(path: string, metadata: Record<string, string> = {}): void {
    writeSafetensors(path, { w: this.w, b: this.b, mean: this.mean }, metadata);
  }
  dispose(): void {
    for (const t of [this.w, this.b, this.mean]) t.dispose();
  }
}

/** Separable synthetic data: class c has a bright pixel block at position c. */
export function syntheticSet(n: number, classes: number, size = 4, seed = 1): { images: Float32Array; labels: Int32Array; shape: [number, number, number] } {
  const rng = new Rng(seed);
  const d = size * size;
  const images = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let j = 0; j < d; j++) images[i * d + j] = rng.uniform(-0.5, 0.5) + (j % classes === c ? 1 : 0);
  }
  return { images, labels, shape: [1, size, size] };
}

/** An in-memory Loader over typed arrays, shuffled per (seed, epoch). */
export class MemLoader implements Loader {
  readonly dataset: Dataset;
  constructor(
    private readonly data: { images: Float32Array; labels: Int32Array; shape: [number, number, number] },
    readonly batchSize: number,
    private readonly seed = 0,
    private readonly shuffle = true,
    private readonly poison?: { epoch: number; batch: number },
  ) {
    const n = data.labels.length;
    this.dataset = { kind: 'classification', classNames: [...new Set(data.labels)].map(String), length: n, source: 'memory', record: (i) => ({ index: i, id: i, file: '', label: data.labels[i] }) };
  }
  samplesInEpoch(): number {
    return this.data.labels.length;
  }
  epochArrays(epoch: number): Epoch<ArrayBatch> {
    const { images, labels, shape } = this.data;
    const n = labels.length;
    const d = shape[0] * shape[1] * shape[2];
    const order = this.shuffle ? new Rng(this.seed, epoch).permutation(n) : Uint32Array.from({ length: n }, (_, i) => i);
    const bs = this.batchSize;
    const poison = this.poison;
    const stats: EpochStats = { images: 0, skipped: 0, skippedFiles: [] };
    return {
      stats,
      async *[Symbol.asyncIterator]() {
        for (let s = 0, k = 0; s < n; s += bs, k++) {
          const idx = order.subarray(s, Math.min(n, s + bs));
          const im = new Float32Array(idx.length * d);
          const lb = new Int32Array(idx.length);
          idx.forEach((j, i) => {
            im.set(images.subarray(j * d, (j + 1) * d), i * d);
            lb[i] = labels[j]!;
          });
          if (poison && poison.epoch === epoch && poison.batch === k) im[0] = NaN;
          stats.images += idx.length;
          yield { images: im, shape: [idx.length, ...shape], labels: lb, meta: Array.from(idx, (j) => ({ index: j, id: j, file: '', originalWidth: shape[2], originalHeight: shape[1], transform: { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0, flip: false, width: shape[2], height: shape[1] } })), index: k } as ArrayBatch;
        }
      },
    };
  }
  epoch(epoch: number): Epoch<Batch> {
    const inner = this.epochArrays(epoch);
    return {
      stats: inner.stats,
      async *[Symbol.asyncIterator]() {
        for await (const b of inner) yield await toTensorBatch(b);
      },
    };
  }
}
