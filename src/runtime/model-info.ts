/**
 * What an exported model says about itself: the `denet` entry of the ONNX file's metadata_props,
 * written by src/export and read by the runtime. JSON, so other tools can read it too.
 */
import type { FitnessMode } from './head-layout.js';

export const INFO_KEY = 'denet';
export const INFO_FORMAT = 'denet-onnx/1';

export interface DetectorInfo {
  /** DNS: grid g, N (N² RoIs), corner threshold τ, corner clustering m, RoI clustering ω, corners per type M. */
  grid: number;
  n: number;
  threshold: number;
  cluster: number;
  roiCluster: number;
  maxCorners: number;
  /** DNC output [4 + F, H, W]: the graph output `features` the corner search reads. */
  featureShape: [number, number, number];
  /** DND head layout. */
  numClasses: number;
  fitness: FitnessMode;
  buckets: number;
}

export interface ModelInfo {
  format: typeof INFO_FORMAT;
  /** `classifier`: output `scores` [B, classes]; `detector`: see DetectorInfo; `network`: output `output`. */
  kind: 'classifier' | 'detector' | 'network';
  /** [channels, height, width] of one input image. */
  inputShape: [number, number, number];
  classNames: string[];
  /** The batch size the graph takes, or 'dynamic'. */
  batch: number | 'dynamic';
  /** Classifier: whether `scores` are softmax probabilities (else logits). */
  softmax: boolean;
  /** The model description it was exported from. */
  description: string;
  detector?: DetectorInfo;
}
