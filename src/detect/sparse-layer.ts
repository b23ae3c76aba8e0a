/**
 * DNS[grid=7, sample_num=24, corner_threshold=0.01, random_fraction=0.1, corner_cluster=0,
 * roi_cluster=1]: DeNet sparse sampling (DETECTOR.md §1.4, §2). Input: the DNC output
 * [B, 4 + F, H, W]. Per image it finds N² RoIs from the corner map (corner-search.ts) and samples
 * each RoI's features (sampling.ts). Output: [B, g²·F + 2, N, N], the RoIs as an N×N image.
 *
 *  - Inference: the N² best boxes of the search, padded with random boxes when fewer are found.
 *  - Training: at most (1 − r)·N² search boxes (a random subset when more), every ground-truth box
 *    not flagged `ignore` (unless `.G`), random boxes for the rest. No gradient flows through the
 *    choice of boxes. Random draws come from a generator seeded from libtorch's (so manualSeed
 *    makes training repeatable); inference padding uses a fixed seed, so detection is deterministic
 *    (src/runtime/rois.ts, shared with the ONNX runtime).
 *  - `.L`: bilinear sampling (grid-sample) instead of the paper's nearest cell (gather).
 *  - Where the search runs (`searchMode`): on typed arrays (the map copied to the host; faster on
 *    the CPU) or as tensor ops where the map is (corner-search-tensor.ts; the default on CUDA).
 *    Both give the same RoIs in the same order. At inference the tensor search keeps everything
 *    on the device, padding included; in training the found boxes (not the map) go to the host,
 *    where the ground-truth boxes and the random subset join them.
 */
import { arange, keep, noGrad, randint, tensor, where, type Tensor } from '../torch/index.js';
import { Rng } from '../util/rng.js';
import { Layer, defineLayer, type BuildContext, type ForwardContext, type LayerToken, type Shape } from '../nn/layer.js';
import { CornerLayer } from './corner-layer.js';
import { DEFAULT_MAX_CORNERS, searchBoxes, selectCorners, type SearchedBoxes } from '../runtime/corner-search.js';
import { EVAL_SEED, padRandomBoxes, randomBox } from '../runtime/rois.js';
import { cornerSearchTensor } from './corner-search-tensor.js';
import { sampleRoiFeatures, type SamplingMode } from './sampling.js';
import { detectionTargets, detectorState, stageClock } from './state.js';

export interface SparseArgs {
  grid: number;
  sample_num: number;
  corner_threshold: number;
  random_fraction: number;
  corner_cluster: number;
  roi_cluster: number;
  max_corners: number;
}

/** Where the corner search runs: typed arrays on the host, tensor ops on the map's device, or `auto` (tensor ops on CUDA). */
export type CornerSearchMode = 'auto' | 'typed' | 'tensor';

export class SparseLayer extends Layer {
  readonly outShape: Shape;
  readonly grid: number;
  /** N: the layer outputs N² RoIs as an N×N image. */
  readonly n: number;
  readonly threshold: number;
  readonly randomFraction: number;
  readonly cornerCluster: number;
  readonly roiCluster: number;
  readonly features: number;
  readonly useGroundTruth: boolean;
  readonly mode: SamplingMode;
  /** M: at most this many corners per type (bounds the pairing at 2·M² pairs). */
  readonly maxCorners: number;
  searchMode: CornerSearchMode = 'auto';
  /** The inference padding boxes of a batch size ([B, R, 4] on the device), made once. */
  private padCache?: { key: string; boxes: Tensor };

  constructor(token: LayerToken, a: SparseArgs, ctx: BuildContext) {
    super(token, ctx);
    const dnc = [...(ctx.layers ?? [])].reverse().find((l) => l instanceof CornerLayer) as CornerLayer | undefined;
    if (!dnc) throw ctx.fail('DNS needs a DNC (corner distribution) layer before it');
    const [c, h, w] = ctx.inShape;
    if (c !== dnc.outShape[0] || h !== dnc.outShape[1] || w !== dnc.outShape[2]) {
      throw ctx.fail(`DNS reads the DNC output [${dnc.outShape.join(', ')}] but its input is [${ctx.inShape.join(', ')}]; put DNS right after DNC`);
    }
    if (a.corner_threshold <= 0 || a.corner_threshold >= 1) throw ctx.fail(`corner_threshold must be in (0, 1), got ${a.corner_threshold}`);
    this.grid = a.grid;
    this.n = a.sample_num;
    this.threshold = a.corner_threshold;
    this.randomFraction = a.random_fraction;
    this.cornerCluster = a.corner_cluster;
    this.roiCluster = a.roi_cluster;
    this.maxCorners = a.max_corners;
    this.features = dnc.features;
    this.useGroundTruth = !token.tags.includes('G');
    this.mode = token.tags.includes('L') ? 'bilinear' : 'nearest';
    this.outShape = [a.grid * a.grid * dnc.features + 2, a.sample_num, a.sample_num];
  }

  /** Number of RoIs per image (N²). */
  get rois(): number {
    return this.n * this.n;
  }

  /** Whether the search runs as tensor ops for a map on `device`. */
  private searchOnDevice(device: string): boolean {
    return this.searchMode === 'tensor' || (this.searchMode === 'auto' && device !== 'cpu');
  }

  private get searchOptions() {
    return { threshold: this.threshold, maxCorners: this.maxCorners, cluster: this.cornerCluster, count: this.rois, roiCluster: this.roiCluster };
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const b = x.shape[0]!;
    const state = detectorState(ctx);
    const clock = state.timed ? stageClock(x.device) : undefined;
    const t0 = clock?.();
    const targets = detectionTargets(ctx, b, `DNS (token ${this.index})`);
    let rois: Float32Array[] | undefined;
    let roiTensor: Tensor;
    if (!ctx.training && this.searchOnDevice(x.device)) {
      roiTensor = noGrad(() => this.inferenceRoiTensor(x));
      // Losses at test time need the RoIs on the host; plain inference never reads them.
      if (targets) rois = rowsOf(roiTensor);
    } else {
      rois = noGrad(() => this.chooseRois(x, ctx.training, targets));
      roiTensor = tensor(concat(rois), { shape: [b, this.rois, 4], device: x.device });
    }
    const t1 = clock?.();
    const out = sampleRoiFeatures(x.narrow(1, 4, this.features), roiTensor, this.grid, this.n, this.mode);
    state.rois = rois;
    state.roiTensor = roiTensor;
    if (clock) {
      const t2 = clock();
      state.timing = { ...state.timing, cornerSearch: t1! - t0!, sampling: t2 - t1! };
    }
    return out;
  }

  /** The search's boxes per image, on the host (typed arrays, or tensor ops and a copy of the boxes only). */
  private searchAll(x: Tensor): SearchedBoxes[] {
    const [b, , h, w] = x.shape as [number, number, number, number];
    const logitsT = x.narrow(1, 0, 4);
    const o = this.searchOptions;
    if (this.searchOnDevice(x.device)) {
      const r = cornerSearchTensor(logitsT, o);
      const boxes = r.boxes.cpu().data() as Float32Array, scores = r.scores.cpu().data() as Float32Array;
      const found = r.found.cpu().data() as BigInt64Array;
      r.boxes.dispose(), r.scores.dispose(), r.found.dispose();
      return Array.from({ length: b }, (_, i) => {
        const count = Number(found[i]);
        return { boxes: boxes.subarray(i * o.count * 4, (i * o.count + count) * 4), scores: scores.subarray(i * o.count, i * o.count + count), count };
      });
    }
    const logits = (logitsT.device === 'cpu' && logitsT.dtype === 'float32' ? logitsT.contiguous() : logitsT.to({ dtype: 'float32', device: 'cpu' })).data() as Float32Array;
    return Array.from({ length: b }, (_, i) => {
      const l = logits.subarray(i * 4 * h * w, (i + 1) * 4 * h * w);
      return searchBoxes(l, selectCorners(l, w, h, o), w, h, o);
    });
  }

  /** The RoIs of each image (R·4 normalised values each); see the module comment. */
  chooseRois(x: Tensor, training: boolean, targets?: { boxes: Float32Array; ignore: Uint8Array }[]): Float32Array[] {
    const b = x.shape[0]!;
    const searched = this.searchAll(x);
    const seed = training ? randint(0, 2 ** 31 - 1, [1]).item() : EVAL_SEED;
    const r = this.rois;
    const out: Float32Array[] = [];
    for (let i = 0; i < b; i++) {
      const found = searched[i]!;
      const rng = new Rng(seed, i);
      const boxes = new Float32Array(r * 4);
      let k = 0;
      const push = (src: ArrayLike<number>, j: number) => {
        for (let q = 0; q < 4; q++) boxes[k * 4 + q] = src[j * 4 + q]!;
        k++;
      };
      if (!training) {
        for (let j = 0; j < found.count; j++) push(found.boxes, j);
      } else {
        const t = targets?.[i];
        if (t && this.useGroundTruth) {
          for (let j = 0; j < t.ignore.length && k < r; j++) if (!t.ignore[j]) push(t.boxes, j);
        }
        const take = Math.min(found.count, Math.floor((1 - this.randomFraction) * r), r - k);
        if (take < found.count) {
          const pick = rng.permutation(found.count).subarray(0, take).sort();
          for (const j of pick) push(found.boxes, j);
        } else for (let j = 0; j < found.count; j++) push(found.boxes, j);
      }
      padRandomBoxes(boxes, k, rng);
      out.push(boxes);
    }
    return out;
  }

  /**
   * Inference RoIs [B, R, 4] without leaving the device: the tensor search's boxes, then the
   * padding boxes chooseRois would draw (they depend only on the image's slot in the batch).
   */
  private inferenceRoiTensor(x: Tensor): Tensor {
    const b = x.shape[0]!;
    const r = this.rois;
    const found = cornerSearchTensor(x.narrow(1, 0, 4), this.searchOptions);
    const pad = this.paddingBoxes(b, x.device);
    const slot = arange(0, r, 1, { dtype: 'int64', device: x.device }).unsqueeze(0); // [1, R]
    const count = found.found.unsqueeze(1); // [B, 1]
    const from = slot.sub(count).clamp(0).unsqueeze(2).expand([b, r, 4]);
    const out = where(slot.lt(count).unsqueeze(2), found.boxes, pad.gather(1, from));
    found.boxes.dispose(), found.scores.dispose(), found.found.dispose(), slot.dispose(), count.dispose(), from.dispose();
    return out;
  }

  /** [B, R, 4]: per image i the R boxes Rng(EVAL_SEED, i) draws, in order (cached on the device). */
  private paddingBoxes(b: number, device: string): Tensor {
    const key = `${b} ${device}`;
    if (this.padCache?.key !== key) {
      this.padCache?.boxes.dispose();
      const r = this.rois;
      const all = new Float32Array(b * r * 4);
      for (let i = 0; i < b; i++) {
        const rng = new Rng(EVAL_SEED, i);
        for (let k = 0; k < r; k++) all.set(randomBox(rng), (i * r + k) * 4);
      }
      this.padCache = { key, boxes: keep(tensor(all, { shape: [b, r, 4], device })) };
    }
    return this.padCache.boxes;
  }

  override dispose(): void {
    this.padCache?.boxes.dispose();
    this.padCache = undefined;
    super.dispose();
  }

  override flops(): number {
    return this.rois * this.grid * this.grid * this.features * (this.mode === 'bilinear' ? 8 : 1);
  }
}

/** [B, R, 4] → per image its R·4 values. */
function rowsOf(t: Tensor): Float32Array[] {
  const [b, r] = t.shape as [number, number];
  const all = t.to({ dtype: 'float32', device: 'cpu' });
  const data = all.data() as Float32Array;
  all.dispose();
  return Array.from({ length: b }, (_, i) => data.slice(i * r * 4, (i + 1) * r * 4));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

export const sparseSpec = defineLayer({
  type: 'DNS',
  about: 'DeNet sparse sampling: N² RoIs from the corner map, g×g features each, as an N×N image',
  aliases: ['denet-sparse'],
  args: [
    { name: 'grid', type: 'int', default: 7, min: 1, about: 'g, sampling grid per RoI side' },
    { name: 'sample_num', type: 'int', default: 24, min: 1, about: 'N, the layer samples N² RoIs' },
    { name: 'corner_threshold', type: 'number', default: 0.01, min: 0, max: 1, about: 'τ, keep corners with p > τ' },
    { name: 'random_fraction', type: 'number', default: 0.1, min: 0, max: 1, about: 'r, at least this share of training RoIs is random boxes' },
    { name: 'corner_cluster', type: 'int', default: 0, min: 0, about: 'm, keep a corner only if it is the max of its (2m+1)² window; 0 = off' },
    { name: 'roi_cluster', type: 'number', default: 1, min: 0, max: 1, about: 'ω, suppress RoIs overlapping a better one by IoU > ω; 1 = off' },
    { name: 'max_corners', type: 'int', default: DEFAULT_MAX_CORNERS, min: 1, about: 'M, at most this many corners per type (the most probable) are paired' },
  ],
  tags: { G: 'no ground-truth RoIs in training', L: 'bilinear sampling (grid-sample) instead of the nearest cell' },
  example: 'DNS[2,3,0.01,0.1,1,0.9]',
  examplePrefix: 'DNC[4,1]',
  build: (t, a, ctx) => new SparseLayer(t, a, ctx),
});
