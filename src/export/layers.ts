/**
 * ONNX operators for each layer type of the description language, at inference (eval mode):
 * dropout, SPLIT and SKIPSRC are identities, CM is its centre crop, and a batch norm right after a
 * convolution is folded into that convolution's weights (src/model/fold-bn.ts). The DeNet
 * layers map as in export.ts: DNC is a convolution whose output the runtime's corner search
 * reads, DNS samples the RoIs given as the graph input `rois`, DND ends in per-RoI softmaxes.
 */
import { ConvLayer, ClassifierLayer } from '../nn/conv.js';
import { ActivationLayer, BatchNormLayer, DropoutLayer } from '../nn/norm.js';
import { BorderLayer, CropMirrorLayer, PoolLayer, UpsampleLayer } from '../nn/pool.js';
import { ResidualLayer, type ResidualBlock } from '../nn/residual.js';
import { SkipLayer, SkipSourceLayer, SplitLayer } from '../nn/skip.js';
import type { Layer } from '../nn/layer.js';
import type { Module } from '../nn/module.js';
import type { BatchNorm2d, Conv2d } from '../nn/primitives.js';
import { CornerLayer } from '../detect/corner-layer.js';
import { HeadLayer } from '../detect/head-layer.js';
import { SparseLayer } from '../detect/sparse-layer.js';
import { foldBatchNorm } from '../model/fold-bn.js';
import { UserError } from '../util/errors.js';
import { float, rawBytes, type GraphBuilder, type NodeProto, type TensorProto } from './graph.js';

/** The tensors of a module (parameters and float buffers) as Float32Arrays, by name. */
function arrays(m: Module): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of m.namedParameters()) out[p.name] = p.tensor.toFloat32Array();
  for (const b of m.namedBuffers()) if (b.tensor.dtype !== 'int64') out[b.name] = b.tensor.toFloat32Array();
  return out;
}

function bnParams(bn: BatchNorm2d) {
  const a = arrays(bn);
  return { gamma: a.weight!, beta: a.bias!, mean: a.running_mean!, variance: a.running_var!, eps: bn.eps };
}

/** A convolution node whose weights a following batch norm may still fold into. */
interface EmittedConv {
  node: NodeProto;
  weight: TensorProto;
  bias?: TensorProto;
  values: { weight: Float32Array; bias?: Float32Array; shape: number[]; transposed: boolean };
  /** The layer index the convolution belongs to. */
  layer: number;
}

export interface EmitState {
  g: GraphBuilder;
  /** Tensors marked by SKIPSRC, by mark index. */
  marks: Map<number, string>;
  /** The last emitted convolution (a BN token right after its layer folds into it). */
  lastConv?: EmittedConv;
  /** The activation `A` means. */
  activation: string;
  /** Detector graph: the `rois` input name, and the DNC output the runtime reads. */
  rois?: string;
  features?: string;
  /** Detector outputs (class and fitness probabilities, box deltas). */
  headOutputs?: Record<string, string>;
}

function emitConv(s: EmitState, x: string, conv: Conv2d, prefix: string, layer: number, bn?: BatchNorm2d): string {
  const { g } = s;
  const a = arrays(conv);
  const { k, stride, pad, transposed = false, cin, cout } = conv.o;
  const shape = transposed ? [cin, cout, k, k] : [cout, cin, k, k];
  const values = { weight: a.weight!, bias: a.bias, shape, transposed };
  const weight = g.floats(`${prefix}.weight`, values.weight, shape);
  const bias = values.bias ? g.floats(`${prefix}.bias`, values.bias, [cout]) : undefined;
  const node = g.node(transposed ? 'ConvTranspose' : 'Conv', [x, weight.name, ...(bias ? [bias.name] : [])], {
    kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad],
  }, prefix);
  const emitted: EmittedConv = { node, weight, bias, values, layer };
  if (bn) fold(s, emitted, bn, prefix);
  s.lastConv = emitted;
  return node.output[0]!;
}

/** Folds `bn` into an emitted convolution (rewrites its initializers). */
function fold(s: EmitState, c: EmittedConv, bn: BatchNorm2d, prefix: string): void {
  const f = foldBatchNorm(c.values.weight, c.values.shape, c.values.bias, bnParams(bn), c.values.transposed);
  c.weight.rawData = rawBytes(f.weight);
  c.values = { ...c.values, weight: f.weight, bias: f.bias };
  if (c.bias) c.bias.rawData = rawBytes(f.bias);
  else {
    c.bias = s.g.floats(`${prefix}.bias`, f.bias, [f.bias.length]);
    c.node.input.push(c.bias.name);
  }
}

function emitBatchNorm(s: EmitState, x: string, bn: BatchNorm2d, prefix: string): string {
  const { g } = s;
  const p = bnParams(bn);
  const c = p.gamma.length;
  const names = [p.gamma, p.beta, p.mean, p.variance].map((v, i) => g.floats(`${prefix}.${['weight', 'bias', 'running_mean', 'running_var'][i]}`, v, [c]).name);
  return g.op('BatchNormalization', [x, ...names], { epsilon: float(bn.eps) }, prefix);
}

/** The ops of an activation name (src/nn/activation.ts). */
export function emitActivation(s: EmitState, x: string, name: string, prefix: string): string {
  const { g } = s;
  switch (name) {
    case 'relu': return g.op('Relu', [x], {}, prefix);
    case 'elu': return g.op('Elu', [x], { alpha: float(1) }, prefix);
    case 'leaky-relu': return g.op('LeakyRelu', [x], { alpha: float(0.01) }, prefix);
    case 'tanh': return g.op('Tanh', [x], {}, prefix);
    case 'sigmoid': return g.op('Sigmoid', [x], {}, prefix);
    case 'selu': return g.op('Selu', [x], {}, prefix);
    case 'silu': return g.op('Mul', [x, g.op('Sigmoid', [x], {}, prefix)], {}, prefix);
    // PyTorch's exact GELU: x·½(1 + erf(x/√2)).
    case 'gelu': {
      const e = g.op('Erf', [g.op('Div', [x, g.constFloats([Math.SQRT2], [])], {}, prefix)], {}, prefix);
      return g.op('Mul', [g.op('Mul', [x, g.op('Add', [e, g.constFloats([1], [])], {}, prefix)], {}, prefix), g.constFloats([0.5], [])], {}, prefix);
    }
    case 'softplus': return g.op('Softplus', [x], {}, prefix);
    case 'linear': return x;
    default: throw new UserError(`activation "${name}" has no ONNX export`);
  }
}

function emitResidualBlock(s: EmitState, x: string, b: ResidualBlock, prefix: string, layer: number): string {
  const n = b.convs.length;
  let y = x;
  let shortcutIn = x;
  for (let i = 0; i < n; i++) {
    const p = `${prefix}.conv${i + 1}`;
    if (b.post) {
      y = emitConv(s, y, b.convs[i]!, p, layer, b.bns[i]);
      if (i < n - 1) y = emitActivation(s, y, s.activation, `${prefix}.act${i + 1}`);
    } else {
      y = emitActivation(s, emitBatchNorm(s, y, b.bns[i]!, `${prefix}.bn${i + 1}`), s.activation, `${prefix}.act${i + 1}`);
      if (i === 0) shortcutIn = y;
      y = emitConv(s, y, b.convs[i]!, p, layer);
    }
  }
  const shortcut = b.downsample ? emitConv(s, shortcutIn, b.downsample.conv, `${prefix}.downsample`, layer, b.downsample.bn) : x;
  const sum = s.g.op('Add', [y, shortcut], {}, `${prefix}.add`);
  return b.post ? emitActivation(s, sum, s.activation, `${prefix}.act`) : sum;
}

/** One layer's operators: input tensor name → output tensor name. Throws for a layer with no export. */
export function emitLayer(s: EmitState, layer: Layer, x: string): string {
  const { g } = s;
  const i = layer.index;
  const prefix = `layers.${i}`;
  if (layer instanceof ConvLayer) return emitConv(s, x, layer.conv, prefix, i);
  if (layer instanceof BatchNormLayer) {
    let y: string;
    const c = s.lastConv;
    if (c && c.layer === i - 1 && c.node.output[0] === x) {
      fold(s, c, layer.bn, `layers.${c.layer}`);
      y = x;
    } else y = emitBatchNorm(s, x, layer.bn, prefix);
    return layer.act ? emitActivation(s, y, s.activation, prefix) : y;
  }
  if (layer instanceof ActivationLayer) return emitActivation(s, x, s.activation, prefix);
  if (layer instanceof DropoutLayer || layer instanceof SplitLayer) return x;
  if (layer instanceof SkipSourceLayer) {
    s.marks.set(layer.mark, x);
    return x;
  }
  if (layer instanceof SkipLayer) {
    const src = s.marks.get(layer.mark);
    if (!src) throw new Error(`SKIP[${layer.mark}] without its SKIPSRC`);
    return g.op('Add', [x, emitConv(s, src, layer.conv, prefix, i)], {}, prefix);
  }
  if (layer instanceof PoolLayer) {
    const attrs = { kernel_shape: [...layer.kernel], strides: [...layer.stride], pads: [layer.pad, layer.pad, layer.pad, layer.pad] };
    return layer.mean ? g.op('AveragePool', [x], { ...attrs, count_include_pad: 0 }, prefix) : g.op('MaxPool', [x], attrs, prefix);
  }
  if (layer instanceof UpsampleLayer) {
    const f = layer.factor;
    return g.op('Resize', [x, g.constFloats([], [0]), g.constFloats([1, 1, f, f])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, prefix);
  }
  if (layer instanceof BorderLayer) {
    const p = layer.pixels;
    return g.op('Pad', [x, g.constInts([0, 0, p, p, 0, 0, p, p])], { mode: 'constant' }, prefix);
  }
  if (layer instanceof CropMirrorLayer) {
    const [, h, w] = layer.inShape;
    const k = layer.crop;
    const y0 = (h - k) >> 1, x0 = (w - k) >> 1;
    return g.op('Slice', [x, g.constInts([y0, x0]), g.constInts([y0 + k, x0 + k]), g.constInts([2, 3])], {}, prefix);
  }
  if (layer instanceof ClassifierLayer) return g.op('GlobalAveragePool', [emitConv(s, x, layer.conv, prefix, i)], {}, prefix);
  if (layer instanceof ResidualLayer) {
    let y = x;
    layer.blocks.forEach((b, j) => (y = emitResidualBlock(s, y, b, layer.blocks.length > 1 || /^n/.test(layer.token.type) ? `${prefix}.${j}` : prefix, i)));
    return y;
  }
  if (layer instanceof CornerLayer) {
    const y = emitConv(s, x, layer.conv, prefix, i);
    s.features = y;
    return y;
  }
  if (layer instanceof SparseLayer) return emitSparse(s, layer, x);
  if (layer instanceof HeadLayer) return emitHead(s, layer, x);
  throw new UnsupportedLayer(layer);
}

/** A layer type the exporter has no operators for. */
export class UnsupportedLayer extends UserError {
  constructor(readonly layer: Layer) {
    super(`token ${layer.index} "${layer.token.type}${layer.token.tags ? '.' + layer.token.tags : ''}${layer.token.args.length ? `[${layer.token.args.join(',')}]` : ''}": the layer type ${layer.token.type} cannot be exported to ONNX`);
  }
}

/** Columns a…b of the last axis of rois [B, R, 4]. */
function roiColumns(s: EmitState, from: number, to: number): string {
  const { g } = s;
  return g.op('Slice', [s.rois!, g.constInts([from]), g.constInts([to]), g.constInts([2])], {}, 'rois');
}

/**
 * DNS (src/detect/sampling.ts): the sampling map (DNC channels 4…) read at each RoI's g×g grid,
 * nearest cell (GatherElements) or bilinear (GridSample), plus the box width and height, as an
 * N×N image [B, g²F + 2, N, N]. Same operation order as the libtorch code.
 */
function emitSparse(s: EmitState, layer: SparseLayer, x: string): string {
  const { g } = s;
  if (!s.rois) throw new Error('DNS export needs the rois input');
  const gr = layer.grid, n = layer.n, r = n * n, f = layer.features;
  const [, h, w] = layer.inShape;
  const p = `layers.${layer.index}`;
  const map = g.op('Slice', [x, g.constInts([4]), g.constInts([4 + f]), g.constInts([1])], {}, p);
  const [x0, y0, x1, y1] = [0, 1, 2, 3].map((c) => roiColumns(s, c, c + 1)); // [B, R, 1]
  const points = (a: string, b: string): string => {
    const v = gr === 1
      ? g.op('Mul', [g.op('Add', [a, b], {}, p), g.constFloats([0.5], [])], {}, p)
      : g.op('Add', [a, g.op('Mul', [g.op('Sub', [b, a], {}, p), g.constFloats(Array.from({ length: gr }, (_, i) => Math.fround(i / (gr - 1))), [1, 1, gr])], {}, p)], {}, p);
    return g.op('Transpose', [v], { perm: [0, 2, 1] }, p); // [B, g, R]
  };
  const px = points(x0!, x1!), py = points(y0!, y1!);
  let feats: string;
  if (layer.mode === 'nearest') {
    const cell = (v: string, size: number) => g.op('Clip', [g.op('Floor', [g.op('Mul', [v, g.constFloats([size], [])], {}, p)], {}, p), g.constFloats([0], []), g.constFloats([size - 1], [])], {}, p);
    const cx = g.op('Reshape', [cell(px, w), g.constInts([0, 1, gr, r])], {}, p);
    const cy = g.op('Reshape', [cell(py, h), g.constInts([0, gr, 1, r])], {}, p);
    const flat = g.op('Add', [g.op('Mul', [cy, g.constFloats([w], [])], {}, p), cx], {}, p); // [B, g, g, R]
    const idx = g.op('Expand', [g.op('Reshape', [g.op('Cast', [flat], { to: 7 }, p), g.constInts([0, 1, -1])], {}, p), g.constInts([1, f, 1])], {}, p);
    const src = g.op('Reshape', [map, g.constInts([0, f, h * w])], {}, p);
    feats = g.op('GatherElements', [src, idx], { axis: 2 }, p);
  } else {
    g.need(16, `token ${layer.index} "DNS.L" (GridSample)`);
    const gx = g.op('Expand', [g.op('Reshape', [px, g.constInts([0, 1, gr, r, 1])], {}, p), g.constInts([1, gr, 1, 1, 1])], {}, p);
    const gy = g.op('Expand', [g.op('Reshape', [py, g.constInts([0, gr, 1, r, 1])], {}, p), g.constInts([1, 1, gr, 1, 1])], {}, p);
    const grid = g.op('Sub', [g.op('Mul', [g.op('Concat', [gx, gy], { axis: 4 }, p), g.constFloats([2], [])], {}, p), g.constFloats([1], [])], {}, p);
    const grid4 = g.op('Reshape', [grid, g.constInts([0, gr * gr, r, 2])], {}, p);
    feats = g.op('GridSample', [map, grid4], { align_corners: 0, mode: g.opset >= 20 ? 'linear' : 'bilinear', padding_mode: 'border' }, p);
  }
  const image = g.op('Reshape', [feats, g.constInts([0, f * gr * gr, n, n])], {}, p);
  const wh = g.op('Reshape', [g.op('Transpose', [g.op('Sub', [roiColumns(s, 2, 4), roiColumns(s, 0, 2)], {}, p)], { perm: [0, 2, 1] }, p), g.constInts([0, 2, n, n])], {}, p);
  return g.op('Concat', [image, wh], { axis: 1 }, p);
}

/**
 * DND: the head convolution, then per RoI ([B, R, channels]) the class softmax, the fitness
 * softmax (`.I`) and the box deltas: what src/runtime/detections.ts decodes (with the RoIs).
 */
function emitHead(s: EmitState, layer: HeadLayer, x: string): string {
  const { g } = s;
  const p = `layers.${layer.index}`;
  const L = layer.layout;
  const r = layer.sparse.rois;
  const y = emitConv(s, x, layer.conv, p, layer.index);
  const perRoi = g.op('Transpose', [g.op('Reshape', [y, g.constInts([0, L.convChannels, r])], {}, p)], { perm: [0, 2, 1] }, p);
  const part = (from: number, count: number) => g.op('Slice', [perRoi, g.constInts([from]), g.constInts([from + count]), g.constInts([2])], {}, p);
  s.headOutputs = { class_probs: g.op('Softmax', [part(0, L.classChannels)], { axis: 2 }, p) };
  if (L.fitnessChannels) s.headOutputs.fitness_probs = g.op('Softmax', [part(L.classChannels, L.fitnessChannels)], { axis: 2 }, p);
  s.headOutputs.deltas = part(L.boxOffset, 4);
  return y;
}
