/**
 * The channel layout of the detection head's output and the fitness buckets (DETECTOR.md §4).
 *
 * Per RoI the DND layer outputs, in this order:
 *  - class logits: |C| + 1 (plain and `.I`; class c at c, `null` last) or |C|·F + 1 (`.J`: class c
 *    with fitness bucket n at c·F + n, `null` last), softmax over them;
 *  - `.I` only: F + 1 fitness logits (index 0 = no fitness, 1 + n = bucket n), softmax over them;
 *  - 4 box-regression deltas (tx, ty, tw, th) relative to the RoI;
 *  - 4 RoI coordinates (x0, y0, x1, y1) normalised to the input (constants, for decoding).
 */

export type FitnessMode = 'none' | 'independent' | 'joint';

/** F = 5 buckets: IoU [0.5,0.6), …, [0.9,1.0]. */
export const FITNESS_BUCKETS = 5;

/** Bucket of an IoU ρ ≥ 0.5: min(⌊F·(2ρ − 1)⌋, F − 1); −1 below 0.5. */
export function fitnessBucket(iou: number, buckets = FITNESS_BUCKETS): number {
  if (!(iou >= 0.5)) return -1;
  // A small tolerance so 0.6 (0.59999… in float32) lands in bucket 1, not 0.
  return Math.min(Math.floor(buckets * (2 * iou - 1) + 1e-6), buckets - 1);
}

/** The IoU bucket n stands for: λn = 0.5 + n/(2F). */
export function bucketIou(n: number, buckets = FITNESS_BUCKETS): number {
  return 0.5 + n / (2 * buckets);
}

export interface HeadLayout {
  numClasses: number;
  fitness: FitnessMode;
  buckets: number;
  /** Size of the class softmax (including `null`). */
  classChannels: number;
  /** Index of `null` in the class softmax. */
  nullIndex: number;
  /** Fitness softmax size (`.I`), else 0. */
  fitnessChannels: number;
  /** First channel of the box deltas. */
  boxOffset: number;
  /** First channel of the RoI coordinates. */
  roiOffset: number;
  /** Output channels in all. */
  channels: number;
  /** Channels the head's convolution produces (everything but the RoI coordinates). */
  convChannels: number;
}

export function headLayout(numClasses: number, fitness: FitnessMode, buckets = FITNESS_BUCKETS): HeadLayout {
  const classChannels = fitness === 'joint' ? numClasses * buckets + 1 : numClasses + 1;
  const fitnessChannels = fitness === 'independent' ? buckets + 1 : 0;
  const boxOffset = classChannels + fitnessChannels;
  return {
    numClasses, fitness, buckets, classChannels, nullIndex: classChannels - 1, fitnessChannels,
    boxOffset, roiOffset: boxOffset + 4, channels: boxOffset + 8, convChannels: boxOffset + 4,
  };
}
