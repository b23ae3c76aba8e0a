/**
 * Inference: images → detections (DETECTOR.md §6). Runs the model (eval mode, under libtorch's
 * inference mode; pass a fused copy, Model.fuse, for speed),
 * turns the DND output into per-class scores and decoded boxes, and applies per-class NMS
 * (src/runtime/detections.ts, shared with the ONNX runtime).
 */
import type { Model } from '../model/model.js';
import { forwardContext, type Layer } from '../nn/layer.js';
import { autocast, inferenceMode, scope, type Precision, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { HeadLayer } from './head-layer.js';
import type { HeadLayout } from '../runtime/head-layout.js';
import { decodeDetections, type Detection, type DetectOptions as DecodeOptions, type HeadProbabilities } from '../runtime/detections.js';
import { SparseLayer } from './sparse-layer.js';
import { detectorState, stageClock, type StageTiming } from './state.js';

export { decodeDetections, type Detection, type HeadProbabilities };

export interface DetectOptions extends DecodeOptions {
  /** Autocast precision of the network (fp32 default; bf16 on the CPU or CUDA, fp16 on CUDA). */
  precision?: Precision;
}

/** The model's detection head (its last layer), or undefined when it is not a DeNet detector. */
export function detectorHead(model: Model): HeadLayer | undefined {
  const last = model.layers[model.layers.length - 1];
  return last instanceof HeadLayer ? last : undefined;
}

function requireHead(model: Model): HeadLayer {
  const head = detectorHead(model);
  if (!head) throw new UserError(`the model is not a DeNet detector: its last layer must be DND (description: ${model.description()})`);
  return head;
}

/**
 * Detects objects in images [B, C, H, W] (the model's input shape, on its device).
 * Returns one list per image, best first. See DetectOptions for the defaults.
 */
export function detect(model: Model, images: Tensor, o: DetectOptions = {}): Detection[][] {
  return run(model, images, o, false).detections;
}

/** detect() plus the milliseconds each stage took (CUDA work is synchronised at each stage). */
export function detectTimed(model: Model, images: Tensor, o: DetectOptions = {}): { detections: Detection[][]; timing: StageTiming } {
  const r = run(model, images, o, true);
  return { detections: r.detections, timing: r.timing! };
}

function run(model: Model, images: Tensor, o: DetectOptions, timed: boolean): { detections: Detection[][]; timing?: StageTiming } {
  const head = requireHead(model);
  const clock = timed ? stageClock(images.device) : () => 0;
  const timing: StageTiming = { backbone: 0, cornerSearch: 0, sampling: 0, classifier: 0, nms: 0 };
  return inferenceMode(() =>
    scope(() => {
      const ctx = forwardContext({ training: false });
      detectorState(ctx).timed = timed;
      // Layers before DNS are the backbone, after it the RoI classifier; DNS times its own stages.
      let after = false;
      let t = clock();
      const afterLayer = (_: number, layer: Layer) => {
        const now = clock();
        if (layer instanceof SparseLayer) after = true;
        else if (after) timing.classifier += now - t;
        else timing.backbone += now - t;
        t = now;
      };
      const x = autocast(o.precision ?? 'fp32', images.device, () => model.forward(images, { training: false, context: ctx, afterLayer: timed ? afterLayer : undefined }).output);
      const state = detectorState(ctx);
      if (timed) {
        timing.cornerSearch = state.timing?.cornerSearch ?? 0;
        timing.sampling = state.timing?.sampling ?? 0;
      }
      const t0 = clock();
      const probs = headProbabilities(x, head.layout);
      const detections = decodeDetections(probs, head.layout, o);
      timing.nms = clock() - t0;
      return { detections, timing: timed ? timing : undefined };
    }),
  );
}

/** Softmaxes and reads a DND output [B, channels, N, N] (or [B, channels] when N = 1). */
export function headProbabilities(output: Tensor, layout: HeadLayout): HeadProbabilities {
  return scope(() => {
    const y = (output.ndim === 2 ? output.unsqueeze(-1) : output.flatten(2)).float(); // [B, C, R]
    const [b, , r] = y.shape as [number, number, number];
    const read = (t: Tensor) => t.permute([0, 2, 1]).contiguous().cpu().data() as Float32Array;
    return {
      batch: b,
      rois: r,
      classes: read(y.narrow(1, 0, layout.classChannels).softmax(1)),
      fitness: layout.fitnessChannels ? read(y.narrow(1, layout.classChannels, layout.fitnessChannels).softmax(1)) : new Float32Array(0),
      deltas: read(y.narrow(1, layout.boxOffset, 4)),
      rois4: read(y.narrow(1, layout.roiOffset, 4)),
    };
  });
}
