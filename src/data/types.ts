/**
 * The data interface every consumer uses (trainer, predictor, evaluator, CLI).
 *
 * A `Dataset` is a list of sample records (file + label or boxes + metadata); it never decodes.
 * A `Loader` shuffles, decodes, augments and batches a dataset in the background and yields
 * `Batch`es whose pixels and labels are libtorch tensors:
 *
 * ```ts
 * const dataset = await openDataset(trainPath, extensionSpec);          // src/data/open.ts
 * const loader = createLoader(dataset, { batchSize: 32, threads: 4, seed: 1, train: true });
 * for await (const batch of loader.epoch(e)) { ...; disposeBatch(batch); }
 * ```
 *
 * Coordinates: boxes in `DetectionTargets` are normalised to [0,1] of the network input, as
 * `(x0, y0, x1, y1)`. Boxes in `ObjectAnnotation` are in pixels of the original image file.
 * `SampleMeta.transform` maps between the two.
 */
import type { Tensor } from './to-tensor.js';
import type { Box, SampleTransform } from '../runtime/geometry.js';

export type { Box, SampleTransform };

export type { Tensor };


/** Whether a dataset has one class label per image or a set of boxes per image. */
export type DatasetKind = 'classification' | 'detection';

/** One annotated object of a detection sample, in pixels of the original image. */
export interface ObjectAnnotation {
  /** `(x0, y0, x1, y1)` in original-image pixels (COCO `[x,y,w,h]` and VOC 1-based boxes are converted). */
  box: Box;
  /** Contiguous class index into `Dataset.classNames`. */
  cls: number;
  /** A crowd region (COCO `iscrowd`): not a positive, but detections inside it are not penalised. */
  ignore: boolean;
  /** VOC `difficult`: excluded from the evaluation, kept so the evaluator can use it. */
  difficult: boolean;
}

/** What a dataset knows about sample `index` before decoding it. */
export interface SampleRecord {
  /** Position in the dataset, 0 <= index < length. */
  index: number;
  /** Stable image id: COCO image id, VOC/ImageNet file stem, or the index for other sets. */
  id: number | string;
  /** Absolute path of the image file, or '' for in-memory samples (`.npy`). */
  file: string;
  /** Class index (classification). */
  label?: number;
  /** Annotated objects (detection); may be empty. */
  objects?: ObjectAnnotation[];
  /** Original size when the annotation states it (COCO/VOC); checked against the decoded file. */
  width?: number;
  height?: number;
}

/** A CHW float32 image held in memory (`.npy` datasets, distort-mode input/output). */
export interface ImageArray {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** A dataset: class names and per-sample records. Opening one reads only annotations, never pixels. */
export interface Dataset {
  readonly kind: DatasetKind;
  /** Class names; class index i is `classNames[i]`. Detection has no background entry. */
  readonly classNames: string[];
  readonly length: number;
  /** Where the data came from (path and spec), for messages. */
  readonly source: string;
  /** The record of sample `index` (cheap; no I/O). */
  record(index: number): SampleRecord;
  /** In-memory datasets (`.npy`) return the pixels here instead of a file. */
  pixels?(index: number): ImageArray;
  /** COCO category id of each class index (and the inverse), for writing `results.json`. */
  readonly categoryIds?: number[];
  /** COCO annotation files the records came from (used as evaluation ground truth). */
  readonly annotationFiles?: string[];
  /** True when the data carries no labels or boxes at all (unlabelled images, COCO test-dev): nothing to evaluate. */
  readonly unlabelled?: boolean;
}

/** Per-image information carried with a batch. */
export interface SampleMeta {
  index: number;
  id: number | string;
  file: string;
  /** Size of the original image in pixels. */
  originalWidth: number;
  originalHeight: number;
  transform: SampleTransform;
}

/** Per-image detection targets; n = number of boxes kept after augmentation. */
export interface DetectionTargets {
  /** n*4 values `(x0, y0, x1, y1)` normalised to [0,1] of the network input. */
  boxes: Float32Array;
  /** n contiguous class indices. */
  classes: Int32Array;
  /** n flags: 1 for a crowd/ignore region. */
  ignore: Uint8Array;
  /** n flags: 1 for a VOC `difficult` object. */
  difficult: Uint8Array;
}

/** A batch as typed arrays (what the pipeline produces; `toTensorBatch` turns it into tensors). */
export interface ArrayBatch {
  /** B*C*H*W float32 pixels, CHW per image. */
  images: Float32Array;
  shape: [b: number, c: number, h: number, w: number];
  /** B class labels (classification). */
  labels?: Int32Array;
  targets?: DetectionTargets[];
  meta: SampleMeta[];
  /** Batch number within the epoch, from 0. */
  index: number;
}

/** A batch as tensors: images `[B,C,H,W]` float32, labels `[B]` int64. Dispose with `disposeBatch`. */
export interface Batch {
  images: Tensor;
  labels?: Tensor;
  targets?: DetectionTargets[];
  meta: SampleMeta[];
  index: number;
}

/** Counts for one epoch; final once the epoch's iteration has ended. */
export interface EpochStats {
  /** Images delivered in batches. */
  images: number;
  /** Images skipped because the file was missing, truncated or corrupt. */
  skipped: number;
  /** `file: reason` of each skipped image (first 100). */
  skippedFiles: string[];
}

/** One epoch: iterate it once; `stats` is complete when the iteration ends. */
export interface Epoch<T> extends AsyncIterable<T> {
  readonly stats: EpochStats;
}

/** Shuffles, decodes, augments and batches a dataset in the background. */
export interface Loader {
  readonly dataset: Dataset;
  readonly batchSize: number;
  /** Samples visited in epoch `e` (the dataset, or one `images_per_subset` chunk of it). */
  samplesInEpoch(epoch: number): number;
  /** The batches of epoch `epoch` as tensors. Same seed and epoch → same batches. */
  epoch(epoch: number): Epoch<Batch>;
  /** The batches of epoch `epoch` as typed arrays (no libtorch needed). */
  epochArrays(epoch: number): Epoch<ArrayBatch>;
}
