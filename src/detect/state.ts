/**
 * Per-forward detector state, carried on `ForwardContext.detector`: DNS writes the RoIs it chose,
 * DND reads them; detect() asks for stage timings through it. Also the validation of the
 * detection targets a forward pass receives.
 */
import type { DetectionTargets } from '../data/types.js';
import type { ForwardContext } from '../nn/layer.js';
import { cuda, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';

/** Milliseconds spent in each stage of one detector forward (filled when `timed`). */
export interface StageTiming {
  /** Layers before the sparse-sampling layer (backbone, up-sampling, corner head). */
  backbone: number;
  /** Corner search (corner map to RoIs). */
  cornerSearch: number;
  /** Per-RoI feature sampling. */
  sampling: number;
  /** Layers after the sampling layer (per-RoI classifier and detection head). */
  classifier: number;
  /** Decoding, scoring and NMS (detect() only). */
  nms: number;
}

export interface DetectorState {
  /** Per image: R·4 normalised RoIs (what DNS chose); absent when the search stayed on the device and no targets need them. */
  rois?: Float32Array[];
  /** [B, R, 4] the same RoIs on the model's device. */
  roiTensor?: Tensor;
  /** Set by detect() to have DNS time its stages (with a device sync on CUDA). */
  timed?: boolean;
  timing?: Partial<StageTiming>;
}

/** The detector state of a forward pass (created on first use). */
export function detectorState(ctx: ForwardContext): DetectorState {
  return (ctx.detector ??= {}) as DetectorState;
}

/** A clock that waits for `device` first when it is a CUDA device (so times are honest). */
export function stageClock(device: string): () => number {
  const m = /^cuda(?::(\d+))?$/.exec(device);
  return () => {
    if (m) cuda.synchronize(m[1] === undefined ? undefined : Number(m[1]));
    return performance.now();
  };
}

/**
 * The forward pass's detection targets, checked: one DetectionTargets per image of the batch, or
 * undefined when none were given. `what` names the layer for messages.
 */
export function detectionTargets(ctx: ForwardContext, batch: number, what: string): DetectionTargets[] | undefined {
  const t = ctx.targets;
  if (t === undefined || t === null) return undefined;
  if (!Array.isArray(t) || t.length !== batch) {
    throw new UserError(`${what}: detection targets must be an array of ${batch} DetectionTargets (one per image) but received ${Array.isArray(t) ? `${t.length} entries` : typeof t}`);
  }
  for (const x of t as DetectionTargets[]) {
    if (!x || !(x.boxes instanceof Float32Array) || x.boxes.length !== x.classes?.length * 4) {
      throw new UserError(`${what}: each detection target needs boxes (Float32Array, 4 per box) and classes of the same count`);
    }
  }
  return t as DetectionTargets[];
}
