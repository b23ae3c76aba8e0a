/**
 * ONNX export of a Model (DESIGN.md "Deployment"). One graph, written with onnx-proto:
 *
 *  - classifier (ends in R): input `images` [B, C, H, W] → `scores` [B, classes], logits or, with
 *    `softmax`, probabilities;
 *  - DeNet detector (ends in DND): inputs `images` and `rois` [B, N², 4] → `features` (the DNC
 *    output [B, 4 + F, H', W']), `class_probs` [B, N², K], `fitness_probs` (`.I` heads) and
 *    `deltas` [B, N², 4]. The corner search between DNC and DNS is not an ONNX computation (a
 *    pruned best-first pairing, src/runtime/corner-search.ts): the runtime runs the graph in two
 *    parts, the backbone to `features`, then the search in TypeScript, then the rest with the
 *    RoIs it found (src/runtime/split.ts);
 *  - anything else: `images` → `output`.
 *
 * Batch norms after convolutions are folded into them. The `denet` metadata entry
 * (src/runtime/model-info.ts) tells the runtime the input shape, classes and detector settings.
 */
import { CornerLayer } from '../detect/corner-layer.js';
import { HeadLayer } from '../detect/head-layer.js';
import { SparseLayer } from '../detect/sparse-layer.js';
import type { Model } from '../model/model.js';
import { noGrad } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { INFO_FORMAT, INFO_KEY, type ModelInfo } from '../runtime/model-info.js';
import { GraphBuilder, onnx, valueInfo, type Dim } from './graph.js';
import { emitLayer, type EmitState } from './layers.js';

/** The opsets this exporter writes. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 21;
export const DEFAULT_OPSET = 17;

export interface ExportOptions {
  /** A fixed batch size or 'dynamic' (a symbolic first dimension). Default 1. */
  batch?: number | 'dynamic';
  /** Default 17. */
  opset?: number;
  /** Classifiers: end the graph in a softmax (probabilities instead of logits). Default false. */
  softmax?: boolean;
}

/** ONNX IR version for an opset (the onnx release that introduced the opset). */
function irVersion(opset: number): number {
  return opset >= 21 ? 10 : opset >= 19 ? 9 : opset >= 15 ? 8 : 7;
}

/** Serialises `model` (eval mode) as an ONNX model. Throws a UserError naming the token for a layer with no export. */
export function exportOnnx(model: Model, o: ExportOptions = {}): { bytes: Uint8Array; info: ModelInfo } {
  const opset = o.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new UserError(`--opset ${opset}: this exporter writes opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  const batch = o.batch ?? 1;
  if (batch !== 'dynamic' && !(Number.isInteger(batch) && batch >= 1)) throw new UserError(`Expected a positive integer or "dynamic" for the batch but received ${batch}`);
  const B: Dim = batch === 'dynamic' ? 'batch' : batch;
  const g = new GraphBuilder(opset);
  const layers = model.layers;
  const head = layers.at(-1) instanceof HeadLayer ? (layers.at(-1) as HeadLayer) : undefined;
  const sparse = layers.find((l): l is SparseLayer => l instanceof SparseLayer);
  const [c, h, w] = model.inputShape;
  g.inputs.push(valueInfo(g.fresh('images'), [B, c, h, w]));
  const s: EmitState = { g, marks: new Map(), activation: model.env.activation };
  if (sparse) {
    s.rois = g.fresh('rois');
    g.inputs.push(valueInfo(s.rois, [B, sparse.rois, 4]));
  }
  let x = 'images';
  noGrad(() => {
    for (const layer of layers) x = emitLayer(s, layer, x);
  });
  if (g.minOpset > opset) throw new UserError(`--opset ${opset}: the graph needs opset ${g.minOpset} or later for ${g.minOpsetReason}`);

  let kind: ModelInfo['kind'];
  const out = model.outputShape;
  if (head && sparse) {
    kind = 'detector';
    const [fc, fh, fw] = layers.find((l) => l instanceof CornerLayer)!.outShape;
    g.outputs.push(valueInfo(g.rename(s.features!, 'features'), [B, fc, fh, fw]));
    const L = head.layout;
    const sizes: Record<string, number> = { class_probs: L.classChannels, fitness_probs: L.fitnessChannels, deltas: 4 };
    for (const [name, t] of Object.entries(s.headOutputs!)) g.outputs.push(valueInfo(g.rename(t, name), [B, sparse.rois, sizes[name]!]));
  } else if (out[1] === 1 && out[2] === 1 && x !== 'images') {
    kind = layers.at(-1)?.token.type === 'R' ? 'classifier' : 'network';
    let y = g.op('Flatten', [x], { axis: 1 }, 'flatten');
    if (o.softmax) y = g.op('Softmax', [y], { axis: 1 }, 'softmax');
    g.outputs.push(valueInfo(g.rename(y, kind === 'classifier' ? 'scores' : 'output'), [B, out[0]]));
  } else {
    kind = 'network';
    if (x === 'images') x = g.op('Identity', [x], {}, 'identity');
    g.outputs.push(valueInfo(g.rename(x, 'output'), [B, ...out]));
  }

  const info: ModelInfo = {
    format: INFO_FORMAT, kind, inputShape: [c, h, w], classNames: [...model.classNames], batch,
    softmax: kind === 'classifier' && !!o.softmax, description: model.description(),
  };
  if (kind === 'detector') {
    const dnc = layers.find((l) => l instanceof CornerLayer)!;
    info.detector = {
      grid: sparse!.grid, n: sparse!.n, threshold: sparse!.threshold, cluster: sparse!.cornerCluster, roiCluster: sparse!.roiCluster,
      maxCorners: sparse!.maxCorners, featureShape: [...dnc.outShape], numClasses: head!.layout.numClasses, fitness: head!.layout.fitness, buckets: head!.layout.buckets,
    };
  }
  const proto = onnx.ModelProto.create({
    irVersion: irVersion(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'denet',
    graph: { name: 'denet', node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs },
    metadataProps: [{ key: INFO_KEY, value: JSON.stringify(info) }],
  });
  return { bytes: onnx.ModelProto.encode(proto).finish(), info };
}
