/**
 * An exported model on onnxruntime (node or web; the caller passes the module, so this file runs
 * in both). Classifiers return class probabilities; detectors run the backbone graph, the corner
 * search and RoI choice in TypeScript (rois.ts, the code the libtorch path runs), the head graph,
 * then decoding and NMS (detections.ts), and return detections in image pixels or COCO form.
 */
import type * as Ort from 'onnxruntime-common';
import { decodeDetections, toPixelDetections, type Detection, type DetectOptions, type PixelDetection } from './detections.js';
import { headLayout, type HeadLayout } from './head-layout.js';
import type { ModelInfo } from './model-info.js';
import { ModelFileError, parseModel, splitDetector } from './onnx-file.js';
import type { PreparedImage } from './preprocess.js';
import { inferenceRois } from './rois.js';

/** What the runtime needs of onnxruntime-node or onnxruntime-web. */
export interface OrtModule {
  InferenceSession: typeof Ort.InferenceSession;
  Tensor: typeof Ort.Tensor;
}

export type SessionOptions = Ort.InferenceSession.SessionOptions;

async function session(ort: OrtModule, bytes: Uint8Array, source: string, o?: SessionOptions): Promise<Ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, o ?? {});
  } catch (e) {
    throw new ModelFileError(`${source}: onnxruntime cannot load it (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
}

export class OnnxModel {
  private constructor(
    private readonly ort: OrtModule,
    readonly info: ModelInfo,
    /** Classifier / network: the whole graph; detector: the backbone. */
    private readonly main: Ort.InferenceSession,
    private readonly head?: Ort.InferenceSession,
    readonly layout?: HeadLayout,
  ) {}

  /** Loads an exported model from its bytes; `source` names it in errors (a path or URL). */
  static async create(ort: OrtModule, bytes: Uint8Array, source = 'the model', o?: SessionOptions): Promise<OnnxModel> {
    const { proto, info } = parseModel(bytes, source);
    if (info.kind !== 'detector') return new OnnxModel(ort, info, await session(ort, bytes, source, o));
    const parts = splitDetector(proto, source);
    const d = info.detector!;
    return new OnnxModel(ort, info, await session(ort, parts.backbone, source, o), await session(ort, parts.head, source, o), headLayout(d.numClasses, d.fitness, d.buckets));
  }

  get inputShape(): [number, number, number] {
    return this.info.inputShape;
  }
  get classNames(): string[] {
    return this.info.classNames;
  }
  /** Classes the model tells apart (a detector's DND head count). */
  get numClasses(): number {
    return this.info.detector?.numClasses ?? this.info.classNames.length;
  }

  /** Images per graph run: the exported batch, or all of them for a dynamic batch. */
  private chunks(n: number): number {
    return this.info.batch === 'dynamic' ? Math.max(1, n) : this.info.batch;
  }

  /** Stacks CHW images into a [k, C, H, W] tensor (zeros after the last image, up to k). */
  private stack(images: readonly Float32Array[], k: number): Ort.Tensor {
    const [c, h, w] = this.info.inputShape;
    const size = c * h * w;
    const data = new Float32Array(k * size);
    images.forEach((im, i) => {
      if (im.length !== size) throw new Error(`image ${i}: expected ${c}×${h}×${w} = ${size} values but received ${im.length}`);
      data.set(im, i * size);
    });
    return new this.ort.Tensor('float32', data, [k, c, h, w]);
  }

  /**
   * Classifier: class probabilities per image (softmax of the scores unless the graph ends in
   * one); network: the raw output per image.
   */
  async classify(images: readonly Float32Array[]): Promise<Float32Array[]> {
    if (this.info.kind === 'detector') throw new Error('classify: the model is a detector; use detect()');
    const out: Float32Array[] = [];
    const k = this.chunks(images.length);
    for (let i = 0; i < images.length; i += k) {
      const part = images.slice(i, i + k);
      const r = await this.main.run({ images: this.stack(part, k) });
      const y = r[this.main.outputNames[0]!]!.data as Float32Array;
      const per = y.length / k;
      for (let j = 0; j < part.length; j++) {
        const row = y.slice(j * per, (j + 1) * per);
        out.push(this.info.kind === 'classifier' && !this.info.softmax ? softmax(row) : row);
      }
    }
    return out;
  }

  /**
   * Detector: detections per image, boxes normalised to the network input. Image i of each
   * graph run pads its RoIs with the random boxes of batch position i, as the libtorch layer does.
   */
  async detectNormalised(images: readonly Float32Array[], o: DetectOptions = {}): Promise<Detection[][]> {
    if (!this.head || !this.layout) throw new Error('detect: the model is not a detector; use classify()');
    const d = this.info.detector!;
    const [fc, fh, fw] = d.featureShape;
    const r = d.n * d.n;
    const out: Detection[][] = [];
    const k = this.chunks(images.length);
    for (let i = 0; i < images.length; i += k) {
      const part = images.slice(i, i + k);
      const features = (await this.main.run({ images: this.stack(part, k) })).features!;
      const f = features.data as Float32Array;
      const rois = new Float32Array(k * r * 4);
      for (let b = 0; b < k; b++) {
        const logits = f.subarray(b * fc * fh * fw, (b * fc + 4) * fh * fw);
        rois.set(inferenceRois(logits, fw, fh, { threshold: d.threshold, maxCorners: d.maxCorners, cluster: d.cluster, count: r, roiCluster: d.roiCluster }, b), b * r * 4);
      }
      const y = await this.head.run({ features, rois: new this.ort.Tensor('float32', rois, [k, r, 4]) });
      const dets = decodeDetections({
        batch: k, rois: r, rois4: rois,
        classes: y.class_probs!.data as Float32Array,
        fitness: y.fitness_probs ? (y.fitness_probs.data as Float32Array) : new Float32Array(0),
        deltas: y.deltas!.data as Float32Array,
      }, this.layout, o);
      out.push(...dets.slice(0, part.length));
    }
    return out;
  }

  /** Detector: detections per prepared image, in that image's pixels. */
  async detect(images: readonly PreparedImage[], o: DetectOptions = {}): Promise<PixelDetection[][]> {
    const dets = await this.detectNormalised(images.map((im) => im.data), o);
    return dets.map((d, i) => toPixelDetections(d, { originalWidth: images[i]!.width, originalHeight: images[i]!.height, transform: images[i]!.transform }));
  }

  async release(): Promise<void> {
    await this.main.release();
    await this.head?.release();
  }
}

function softmax(x: Float32Array): Float32Array {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  let z = 0;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) z += out[i] = Math.exp(x[i]! - m);
  for (let i = 0; i < x.length; i++) out[i]! /= z;
  return out;
}
