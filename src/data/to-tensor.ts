/**
 * The one place where batches become libtorch tensors. Everything upstream works on typed arrays,
 * so the data pipeline can be tested without the native addon.
 */
import type { Tensor } from '../torch/index.js';
import type { ArrayBatch, Batch } from './types.js';

export type { Tensor };

type Torch = typeof import('../torch/index.js');
let torch: Torch | undefined;

/** Loads src/torch on first use, so pure data tools and tests never load the native addon. */
async function loadTorch(): Promise<Torch> {
  torch ??= await import('../torch/index.js');
  return torch;
}

/**
 * Converts a typed-array batch: images `[B,C,H,W]` float32 (copied, unless `images` is the
 * tensor they were written into), labels `[B]` int64.
 */
export async function toTensorBatch(batch: ArrayBatch, images?: Tensor, pin = false): Promise<Batch> {
  const { tensor } = await loadTorch();
  images ??= pinned(tensor(batch.images, { shape: [...batch.shape], dtype: 'float32' }), pin);
  let labels: Tensor | undefined;
  if (batch.labels) {
    const l64 = new BigInt64Array(batch.labels.length);
    for (let i = 0; i < l64.length; i++) l64[i] = BigInt(batch.labels[i]!);
    labels = pinned(tensor(l64, { shape: [batch.labels.length], dtype: 'int64' }), pin);
  }
  return { images, labels, targets: batch.targets, meta: batch.meta, index: batch.index };
}

/** `t` moved to pinned memory when `pin` (the same memory where CUDA is absent); frees the unpinned one. */
function pinned(t: Tensor, pin: boolean): Tensor {
  if (!pin) return t;
  const p = t.pinMemory();
  t.dispose();
  return p;
}

/** Frees the tensors of a batch. */
export function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  batch.labels?.dispose();
}

/**
 * Batch buffers in libtorch memory: the loader copies a batch's pixels into a tensor's own memory
 * (`dataView`), so batches cost no fresh, page-faulted block (a 16×3×512² batch is 50 MB, above
 * glibc's largest mmap threshold, so each new one would fault in 12,800 pages). A
 * buffer is reused once nothing but the pool refers to its storage; when all are in use, a
 * plain array is returned and that batch is copied.
 */
export class TensorBuffers {
  private readonly slots: { tensor: Tensor; view: Float32Array; busy: boolean }[] = [];

  private constructor(private readonly t: Torch, private readonly max: number, private readonly pin: boolean) {}

  /**
   * `pin`: buffers in page-locked memory (for non-blocking copies to CUDA; a no-op without CUDA).
   * A slot is written again only after its batch tensor is disposed, and every consumer (trainer,
   * evaluation loop, update-bn) reads a loss or an output on the host before that, which waits for
   * the non-blocking copy out of the slot to finish.
   */
  static async create(max = 4, pin = false): Promise<TensorBuffers> {
    return new TensorBuffers(await loadTorch(), max, pin);
  }

  /** A buffer of at least `n` floats that no tensor is using. */
  take(n: number): Float32Array {
    // Free: only the slot's own tensor and its view hold the storage.
    let slot = this.slots.find((s) => !s.busy && s.view.length >= n && s.tensor.storageRefs === 2);
    if (!slot && this.slots.length < this.max) {
      const tensor = pinned(this.t.empty([n], { dtype: 'float32' }), this.pin);
      slot = { tensor, view: tensor.dataView() as Float32Array, busy: false };
      this.slots.push(slot);
    }
    if (!slot) return new Float32Array(n);
    slot.busy = true;
    return slot.view;
  }

  /** The batch as tensors; its images share the memory they were written into when that came from take(). */
  async batch(b: ArrayBatch): Promise<Batch> {
    const slot = this.slots.find((s) => s.busy && s.view.buffer === b.images.buffer);
    if (!slot) return toTensorBatch(b, undefined, this.pin);
    const flat = slot.tensor.narrow(0, 0, b.images.length);
    const images = flat.view([...b.shape]);
    flat.dispose();
    slot.busy = false; // from here on the batch tensor's reference keeps the buffer taken
    return toTensorBatch(b, images, this.pin);
  }

  /** Drops the pool; memory still used by batches stays alive until they are disposed. */
  release(): void {
    for (const s of this.slots) s.tensor.dispose();
    this.slots.length = 0;
  }
}
