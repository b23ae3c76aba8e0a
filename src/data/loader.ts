/**
 * The background loader: a deterministic order for (seed, epoch), `threads` libvips decodes at
 * once (one libvips thread each; file reads and header parsing happen outside that limit), up to
 * `prefetch` batches decoded ahead of the consumer, batches assembled in order from the
 * successful samples. Each sample's randomness comes from `Rng(seed, epoch, index)`, so batches
 * do not depend on which worker finishes first. Decoded images wait as uint8 pixels and are
 * converted to float once, on worker threads (ConvertPool), into their place in a batch staged in
 * shared memory, which is then copied into the batch tensor's memory (TensorBuffers, reused so
 * that no batch page-faults in fresh memory). `cache=ram` keeps decoded images across
 * epochs (RamCache). Missing or corrupt images are skipped, warned about and counted; a
 * `UserError` (e.g. an image that disagrees with its annotation) stops.
 */
import { UserError } from '../util/errors.js';
import { planCrop } from './crop-plan.js';
import { convertPool } from './convert-pool.js';
import { chwJob, decodeImage, decodeRaw, decodeWhole, imageHeader, oneThreadPerDecode, writeDecoded, type DecodedRaw, type Gate } from './decode.js';
import { DecodeGate } from './decode-gate.js';
import { distort, distortActive, type DistortSpec } from './distort.js';
import { defaultImageOptions, type ImageOptions } from './extension-spec.js';
import { buildTargets } from './geometry.js';
import { scaleTransform } from '../runtime/geometry.js';
import { NO_PHOTO, randomPhoto, type PhotoParams } from '../runtime/convert.js';
import { RamCache } from './ram-cache.js';
import { Rng } from '../util/rng.js';
import { TensorBuffers } from './to-tensor.js';
import type { ArrayBatch, Batch, Dataset, DetectionTargets, Epoch, EpochStats, ImageArray, Loader, SampleMeta } from './types.js';

/** Loader settings. */
export interface LoaderOptions {
  batchSize: number;
  /** Decodes in flight (`--workers`); default 2. */
  threads?: number;
  /** Worker threads converting decoded images to float (0: on the main thread); default `threads`. */
  convertThreads?: number;
  /** Base seed; default 0. */
  seed?: number;
  /** Training mode: shuffle and random augmentation. Default false (fixed order, centre crops). */
  train?: boolean;
  /** Override shuffling (default: `train`). */
  shuffle?: boolean;
  /** Image options from the `--extension` spec. */
  image?: ImageOptions;
  /** `--distort-mode` (classification only). */
  distort?: DistortSpec;
  /**
   * `--augment-mirror`: mirror training images with probability 1/2 — classification images as a
   * distortion, detection images with their boxes (the `mirror` image option).
   */
  augmentMirror?: boolean;
  /**
   * Data-parallel share (PyTorch's DistributedSampler): every rank orders the whole dataset with
   * the same seed and takes positions rank, rank + world, …, so batch i of the ranks together is
   * batch i of one process with the global batch size (and each sample gets the same augmentation).
   */
  shard?: { rank: number; world: number };
  /** Drop a last, smaller batch. Default false. */
  dropLast?: boolean;
  /** Batches decoded ahead of the consumer; default 2. */
  prefetch?: number;
  /** Output channels (1 or 3); default: from the first image (3 for detection). */
  channels?: number;
  /** Where warnings go; default `console.warn`. */
  warn?: (message: string) => void;
  /** Byte budget of `cache=ram`; default half the free memory. */
  cacheBytes?: number;
  /**
   * Batches in page-locked memory, so their copies to a CUDA device are non-blocking (PyTorch's
   * `pin_memory`); set when the model is on CUDA. A no-op where CUDA is absent. Default false.
   */
  pinMemory?: boolean;
}

/** A loaded sample: float pixels (in-memory sets, distort-mode) or uint8 pixels still to convert. */
interface Sample {
  data?: Float32Array;
  raw?: { image: DecodedRaw; photo: PhotoParams; subtractMean: boolean };
  label?: number;
  targets?: DetectionTargets;
  meta: SampleMeta;
}

type Outcome = { ok: true; sample: Sample } | { ok: false; reason: string; file: string };

/**
 * Images of at least this many values are converted on a worker; below it, posting the job
 * costs about as much as the conversion (~0.1 ms here).
 */
const OFFLOAD_VALUES = 1 << 15;

/** A batch being assembled in a staging buffer. */
interface Assembly {
  samples: Sample[];
  /** Values per image. */
  n: number;
  pixels: Float32Array;
  conversions: Promise<void>[];
  /** Conversions not finished yet. */
  pending: number;
}

/** The image options with `mirror` on when `--augment-mirror` asks for it on detection data (boxes flip with the pixels). */
function detectionMirror(image: ImageOptions, on: boolean): ImageOptions {
  return on && !image.mirror ? { ...image, mirror: true } : image;
}

/** Creates a loader over `dataset`. */
export function createLoader(dataset: Dataset, options: LoaderOptions): Loader {
  return new BackgroundLoader(dataset, options);
}

class BackgroundLoader implements Loader {
  readonly batchSize: number;
  private readonly o: Required<Omit<LoaderOptions, 'channels' | 'distort' | 'cacheBytes' | 'shard'>> & { distort?: DistortSpec; channels?: number; shard?: { rank: number; world: number } };
  private geometry?: { channels: number; size?: [number, number] };
  /** `cache=ram`: decoded images kept across epochs. */
  readonly cache?: RamCache;
  /** Free staging buffers (batches are assembled in shared memory, then copied out). */
  private readonly staging: Float32Array[] = [];

  constructor(readonly dataset: Dataset, options: LoaderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new UserError(`Expected positive integer for batch size but received ${options.batchSize}`);
    if (options.distort && distortActive(options.distort) && dataset.kind === 'detection') {
      throw new UserError('--distort-mode applies to classification only; use crop_mode=denet, mirror and augment_photo for detection');
    }
    this.batchSize = options.batchSize;
    const train = options.train ?? false;
    this.o = {
      batchSize: options.batchSize, threads: Math.max(1, options.threads ?? 2), seed: options.seed ?? 0, train,
      shuffle: options.shuffle ?? train, image: detectionMirror(options.image ?? defaultImageOptions(), dataset.kind === 'detection' && !!options.augmentMirror), distort: options.distort,
      convertThreads: Math.max(0, options.convertThreads ?? options.threads ?? 2), augmentMirror: options.augmentMirror ?? false, dropLast: options.dropLast ?? false, prefetch: Math.max(1, options.prefetch ?? 2),
      channels: options.channels, warn: options.warn ?? ((m: string) => console.warn(m)), shard: options.shard, pinMemory: options.pinMemory ?? false,
    };
    const sh = options.shard;
    if (sh && !(Number.isInteger(sh.world) && sh.world >= 1 && Number.isInteger(sh.rank) && sh.rank >= 0 && sh.rank < sh.world)) throw new Error(`loader shard: rank ${sh.rank} of ${sh.world}`);
    if (sh && Math.floor(this.globalSamples() / sh.world) === 0) throw new UserError(`${dataset.source}: ${dataset.length} samples cannot be split over ${sh.world} processes`);
    if (this.o.image.cache && !dataset.pixels) this.cache = new RamCache(options.cacheBytes, this.o.warn);
  }

  /** Samples of an epoch over all ranks. */
  private globalSamples(): number {
    return Math.min(this.dataset.length, this.o.image.imagesPerSubset ?? this.dataset.length);
  }

  samplesInEpoch(_epoch: number): number {
    const k = this.globalSamples();
    return this.o.shard ? Math.floor(k / this.o.shard.world) : k;
  }

  /** The dataset indices of an epoch, in visiting order (this rank's share with `shard`). */
  order(epoch: number): number[] {
    const all = this.globalOrder(epoch);
    const sh = this.o.shard;
    if (!sh) return all;
    const k = this.samplesInEpoch(epoch);
    return Array.from({ length: k }, (_, j) => all[j * sh.world + sh.rank]!);
  }

  /** The dataset indices of an epoch over all ranks. */
  private globalOrder(epoch: number): number[] {
    const n = this.dataset.length;
    const k = this.globalSamples();
    const perStream = this.o.image.imagesPerSubset !== undefined;
    const perms = new Map<number, Uint32Array>();
    const perm = (pass: number) => {
      let p = perms.get(pass);
      if (!p) {
        p = this.o.shuffle ? new Rng(this.o.seed, 0x5eed, pass).permutation(n) : Uint32Array.from({ length: n }, (_, i) => i);
        perms.set(pass, p);
      }
      return p;
    };
    const out: number[] = [];
    for (let j = 0; j < k; j++) {
      const pos = perStream ? epoch * k + j : j;
      const pass = perStream ? Math.floor(pos / n) : epoch;
      out.push(perm(pass)[pos % n]!);
    }
    return out;
  }

  /** Resolves channel count and (without `crop`) the fixed output size from the first readable sample. */
  private async resolveGeometry(): Promise<{ channels: number; size?: [number, number] }> {
    if (this.geometry) return this.geometry;
    const ds = this.dataset;
    if (ds.pixels) {
      const p = ds.pixels(0);
      this.geometry = { channels: p.channels, size: [p.width, p.height] };
      return this.geometry;
    }
    const img = this.o.image;
    let channels = this.o.channels ?? (ds.kind === 'detection' ? 3 : undefined);
    let size: [number, number] | undefined;
    const needSize = img.crop === undefined;
    for (let i = 0; i < Math.min(ds.length, 50) && (channels === undefined || (needSize && !size)); i++) {
      try {
        const h = await imageHeader(ds.record(i).file);
        channels ??= h.channels;
        if (needSize) {
          const p = planCrop(h.width, h.height, img, false, new Rng(0));
          size = [p.width, p.height];
        }
      } catch {
        // unreadable: try the next one; the epoch will report it
      }
    }
    if (channels === undefined || (needSize && !size)) throw new UserError(`${ds.source}: none of the first images could be read`);
    this.geometry = { channels, size };
    return this.geometry;
  }

  private async loadSample(index: number, epoch: number, g: { channels: number; size?: [number, number] }, gate: Gate): Promise<Sample> {
    const ds = this.dataset;
    const rec = ds.record(index);
    const rng = new Rng(this.o.seed, epoch, index);
    const train = this.o.train;
    let data: Float32Array | undefined;
    let raw: Sample['raw'];
    let meta: SampleMeta;
    const distortSpec = ds.kind === 'classification' && train ? this.distortSpec() : undefined;
    if (ds.pixels) {
      const p: ImageArray = ds.pixels(index);
      data = p.data;
      meta = { index, id: rec.id, file: rec.file, originalWidth: p.width, originalHeight: p.height, transform: scaleTransform(p.width, p.height, p.width, p.height) };
    } else {
      const img = this.o.image;
      const photo = train && img.augmentPhoto ? randomPhoto(rng) : NO_PHOTO;
      const plan = (w: number, h: number) => planCrop(w, h, img, train, rng, rec.objects, g.size);
      // Whole images come from the cache, or in one libvips call when there is no crop or scale
      // (no header read first: 0.42 instead of 0.56 ms for a 32×32 PNG).
      const whole = this.cache ? await this.cache.image(index, () => decodeWhole(rec, g.channels, gate))
        : img.crop === undefined && img.scale === undefined ? await decodeWhole(rec, g.channels, gate) : undefined;
      if (distortSpec) {
        const decoded = await decodeImage(rec, g.channels, plan, photo, img.subtractMean, whole, gate);
        data = decoded.data;
        meta = { index, id: rec.id, file: rec.file, originalWidth: decoded.originalWidth, originalHeight: decoded.originalHeight, transform: decoded.transform };
      } else {
        const image = await decodeRaw(rec, g.channels, plan, whole, gate, train);
        raw = { image, photo, subtractMean: img.subtractMean };
        meta = { index, id: rec.id, file: rec.file, originalWidth: image.originalWidth, originalHeight: image.originalHeight, transform: image.transform };
      }
    }
    if (distortSpec) {
      const t = meta.transform;
      data = distort({ data: data!, channels: g.channels, width: t.width, height: t.height }, distortSpec, rng).data;
    }
    const sample: Sample = { data, raw, meta };
    if (ds.kind === 'classification') sample.label = rec.label;
    else sample.targets = buildTargets(rec.objects ?? [], meta.transform, this.o.image.minVisible);
    return sample;
  }

  /** The classification distortion of a training sample, or undefined when it changes nothing. */
  private distortSpec(): DistortSpec | undefined {
    const d: DistortSpec = { ...(this.o.distort ?? { offset: 0, scale: 0, rotation: 0, mirror: 0 }) };
    if (this.o.augmentMirror) d.mirror = Math.max(d.mirror, 50);
    return distortActive(d) ? d : undefined;
  }

  epochArrays(epoch: number): Epoch<ArrayBatch> {
    return this.batches(epoch);
  }

  /**
   * The batches of an epoch. `alloc` (from `epoch()`) gives the buffer each batch's pixels are
   * written into (tensor memory); without it each batch gets a new array.
   */
  private batches(epoch: number, alloc?: (n: number) => Float32Array): Epoch<ArrayBatch> {
    const stats: EpochStats = { images: 0, skipped: 0, skippedFiles: [] };
    const self = this;
    async function* run(): AsyncGenerator<ArrayBatch> {
      oneThreadPerDecode();
      const g = await self.resolveGeometry();
      const order = self.order(epoch);
      const B = self.batchSize;
      const window = Math.max(self.o.threads, self.o.prefetch * B);
      const results: Promise<Outcome>[] = [];
      let started = 0;
      const gate = new DecodeGate(self.o.threads);
      const start = (pos: number) => {
        const idx = order[pos]!;
        const p = (async (): Promise<Outcome> => {
          try {
            return { ok: true, sample: await self.loadSample(idx, epoch, g, gate.for(pos)) };
          } catch (e) {
            if (e instanceof UserError) throw e;
            return { ok: false, reason: (e as Error).message, file: self.dataset.record(idx).file || `#${idx}` };
          }
        })();
        p.catch(() => undefined); // surfaced when consumed
        results[pos] = p;
      };
      // Samples go into a shared staging buffer in epoch order: big conversions on the worker
      // pool, small ones (and float samples) here. A full batch is handed out once its
      // conversions are done, or when the next batch is full too (so the workers always have
      // the next batch's images while the consumer works on this one), copied into `alloc`'s
      // buffer (tensor memory for epoch(): 0.15 ms per 512² image).
      const pool = self.o.convertThreads > 0 ? convertPool(self.o.convertThreads) : undefined;
      let open: Assembly | undefined;
      const full: Assembly[] = [];
      let batchIndex = 0;
      const emit = async (b: Assembly): Promise<ArrayBatch> => {
        await Promise.all(b.conversions);
        const len = b.samples.length * b.n;
        const images = alloc ? alloc(B * b.n).subarray(0, len) : new Float32Array(len);
        images.set(b.pixels.subarray(0, len));
        self.staging.push(b.pixels);
        stats.images += b.samples.length;
        return self.batchOf(b.samples, images, g.channels, batchIndex++);
      };
      for (let pos = 0; pos < order.length; pos++) {
        while (started < order.length && started < pos + window) start(started++);
        const r = await results[pos]!;
        delete results[pos];
        if (!r.ok) {
          stats.skipped++;
          if (stats.skippedFiles.length < 100) stats.skippedFiles.push(`${r.file}: ${r.reason}`);
          self.o.warn(`warning: skipped ${r.file}: ${r.reason}`);
          continue;
        }
        const n = self.sampleSize(r.sample, g.channels);
        if (!open) {
          open = { samples: [], n, pixels: self.stagingBuffer(B * n), conversions: [], pending: 0 };
        } else if (n !== open.n) {
          const [a, b] = [open.samples[0]!.meta.transform, r.sample.meta.transform];
          throw new UserError(`batch ${batchIndex + full.length}: sample ${r.sample.meta.index} is ${b.width}x${b.height}, expected ${a.width}x${a.height}: images in a batch must have one size (give --extension …,scale=N,crop=N, or a batch size of 1)`);
        }
        const s = r.sample;
        const offset = open.samples.length * n;
        if (s.raw && pool && n >= OFFLOAD_VALUES) {
          const batch = open;
          batch.pending++;
          const done = pool.convert(chwJob(s.raw.image, batch.pixels, offset, s.raw.photo, s.raw.subtractMean)).then(() => void batch.pending--);
          done.catch(() => undefined); // surfaced when the batch is emitted
          batch.conversions.push(done);
        } else if (s.raw) writeDecoded(s.raw.image, open.pixels, offset, s.raw.photo, s.raw.subtractMean);
        else open.pixels.set(s.data!, offset);
        s.raw = s.data = undefined; // the decoded copy is no longer needed
        open.samples.push(s);
        if (open.samples.length === B) {
          full.push(open);
          open = undefined;
        }
        while (full.length > 1 || (full.length === 1 && full[0]!.pending === 0)) yield await emit(full.shift()!);
      }
      if (open && !self.o.dropLast) full.push(open);
      while (full.length > 0) yield await emit(full.shift()!);
      if (stats.skipped > 0) self.o.warn(`warning: epoch ${epoch}: skipped ${stats.skipped} unreadable image(s)`);
    }
    return { stats, [Symbol.asyncIterator]: run };
  }

  /** Values per image of a sample (`C×H×W`). */
  private sampleSize(s: Sample, C: number): number {
    return C * s.meta.transform.width * s.meta.transform.height;
  }

  /** A free staging buffer of at least `n` floats in shared memory (the conversion workers write into it). */
  private stagingBuffer(n: number): Float32Array {
    const i = this.staging.findIndex((b) => b.length >= n);
    return i >= 0 ? this.staging.splice(i, 1)[0]! : new Float32Array(new SharedArrayBuffer(4 * n));
  }

  /** A batch of `samples` whose pixels are already in `images` (`[B,C,H,W]`). */
  private batchOf(samples: Sample[], images: Float32Array, C: number, index: number): ArrayBatch {
    const t = samples[0]!.meta.transform;
    const batch: ArrayBatch = { images, shape: [samples.length, C, t.height, t.width], meta: samples.map((s) => s.meta), index };
    if (this.dataset.kind === 'classification') batch.labels = Int32Array.from(samples, (s) => s.label ?? -1);
    else batch.targets = samples.map((s) => s.targets!);
    return batch;
  }

  epoch(epoch: number): Epoch<Batch> {
    // Batches are copied into reused tensor memory (TensorBuffers): no fresh 50 MB per batch.
    let buffers: TensorBuffers | undefined;
    const inner = this.batches(epoch, (n) => buffers!.take(n));
    const slots = this.o.prefetch + 2;
    const pin = this.o.pinMemory;
    return {
      get stats() {
        return inner.stats;
      },
      async *[Symbol.asyncIterator]() {
        buffers = await TensorBuffers.create(slots, pin);
        try {
          for await (const b of inner) yield await buffers.batch(b);
        } finally {
          buffers.release();
        }
      },
    };
  }
}
