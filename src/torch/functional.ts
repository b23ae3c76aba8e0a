/**
 * Neural-network ops (torch.nn.functional). Shapes: images are [N, C, H, W]; weights follow
 * PyTorch's layouts ([out, in/groups, kH, kW] for conv2d). Pairs accept a number or [h, w].
 */
import { native } from './native.js';
import { Tensor } from './tensor.js';

export type Pair = number | [number, number];
const pair = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);

export interface Conv2dOptions { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number }
/** x [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW], bias [Cout]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  return Tensor.wrap(native.conv2d(x.handle, weight.handle, bias?.handle ?? null, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1));
}

export interface ConvTranspose2dOptions extends Conv2dOptions { outputPadding?: Pair }
/** x [N, Cin, H, W], weight [Cin, Cout/groups, kH, kW]. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTranspose2dOptions = {}): Tensor {
  return Tensor.wrap(native.convTranspose2d(x.handle, weight.handle, bias?.handle ?? null, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.outputPadding ?? 0), o.groups ?? 1, pair(o.dilation ?? 1)));
}

export interface Pool2dOptions { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean; countIncludePad?: boolean }
export function maxPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): Tensor {
  return Tensor.wrap(native.maxPool2d(x.handle, pair(kernel), pair(o.stride ?? kernel), pair(o.padding ?? 0), pair(o.dilation ?? 1), !!o.ceilMode));
}
export function maxPool2dWithIndices(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): { values: Tensor; indices: Tensor } {
  const [v, i] = native.maxPool2dWithIndices(x.handle, pair(kernel), pair(o.stride ?? kernel), pair(o.padding ?? 0), pair(o.dilation ?? 1), !!o.ceilMode);
  return { values: Tensor.wrap(v), indices: Tensor.wrap(i) };
}
export function avgPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): Tensor {
  return Tensor.wrap(native.avgPool2d(x.handle, pair(kernel), pair(o.stride ?? kernel), pair(o.padding ?? 0), !!o.ceilMode, o.countIncludePad ?? true));
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  return Tensor.wrap(native.adaptiveAvgPool2d(x.handle, pair(outputSize)));
}
export function adaptiveMaxPool2d(x: Tensor, outputSize: Pair): Tensor {
  return Tensor.wrap(native.adaptiveMaxPool2d(x.handle, pair(outputSize)));
}

/** Resizes [N, C, H, W] to `size` or by `scaleFactor` (nearest or bilinear). */
export function interpolate(x: Tensor, o: { size?: Pair; scaleFactor?: number; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean }): Tensor {
  const [, , hIn, wIn] = x.shape;
  const size = o.size ? pair(o.size) : [Math.floor(hIn! * o.scaleFactor!), Math.floor(wIn! * o.scaleFactor!)];
  if (!o.size && !o.scaleFactor) throw new Error('interpolate needs size or scaleFactor');
  if ((o.mode ?? 'nearest') === 'nearest') return Tensor.wrap(native.upsampleNearest2d(x.handle, size));
  return Tensor.wrap(native.upsampleBilinear2d(x.handle, size, !!o.alignCorners));
}

export interface BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  /** PyTorch convention: running = (1 − momentum)·running + momentum·batch. */
  momentum?: number;
  eps?: number;
}
/** Batch normalisation over [N, C, …]; in training it updates the running statistics in place. */
export function batchNorm(x: Tensor, o: BatchNormOptions = {}): Tensor {
  return Tensor.wrap(native.batchNorm(x.handle, o.weight?.handle ?? null, o.bias?.handle ?? null, o.runningMean?.handle ?? null, o.runningVar?.handle ?? null, !!o.training, o.momentum ?? 0.1, o.eps ?? 1e-5));
}
export function dropout(x: Tensor, p = 0.5, training = true): Tensor { return Tensor.wrap(native.dropout(x.handle, p, training)); }

export function relu(x: Tensor): Tensor { return Tensor.wrap(native.relu(x.handle)); }
export function leakyRelu(x: Tensor, slope = 0.01): Tensor { return Tensor.wrap(native.leakyRelu(x.handle, slope)); }
export function elu(x: Tensor, alpha = 1): Tensor { return Tensor.wrap(native.elu(x.handle, alpha)); }
export function selu(x: Tensor): Tensor { return Tensor.wrap(native.selu(x.handle)); }
export function silu(x: Tensor): Tensor { return Tensor.wrap(native.silu(x.handle)); }
export function gelu(x: Tensor): Tensor { return Tensor.wrap(native.gelu(x.handle)); }
export function sigmoid(x: Tensor): Tensor { return Tensor.wrap(native.sigmoid(x.handle)); }
export function tanh(x: Tensor): Tensor { return Tensor.wrap(native.tanh(x.handle)); }
export function hardtanh(x: Tensor, min = -1, max = 1): Tensor { return Tensor.wrap(native.hardtanh(x.handle, min, max)); }
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor { return Tensor.wrap(native.softplus(x.handle, beta, threshold)); }
export function logSigmoid(x: Tensor): Tensor { return Tensor.wrap(native.logSigmoid(x.handle)); }
export function softmax(x: Tensor, dim: number): Tensor { return Tensor.wrap(native.softmax(x.handle, dim)); }
export function logSoftmax(x: Tensor, dim: number): Tensor { return Tensor.wrap(native.logSoftmax(x.handle, dim)); }

const GRID_MODE = { bilinear: 0, nearest: 1, bicubic: 2 } as const;
const GRID_PAD = { zeros: 0, border: 1, reflection: 2 } as const;
/**
 * Samples x [N, C, H, W] at grid [N, Hout, Wout, 2] of (x, y) in [−1, 1]; out [N, C, Hout, Wout].
 * Differentiable with respect to both x and grid.
 */
export function gridSample(x: Tensor, grid: Tensor, o: { mode?: keyof typeof GRID_MODE; paddingMode?: keyof typeof GRID_PAD; alignCorners?: boolean } = {}): Tensor {
  return Tensor.wrap(native.gridSample(x.handle, grid.handle, GRID_MODE[o.mode ?? 'bilinear'], GRID_PAD[o.paddingMode ?? 'zeros'], !!o.alignCorners));
}

/** Pads the last dims: pads = [left, right, top, bottom, …] as in torch.nn.functional.pad. */
export function pad(x: Tensor, pads: number[], mode: 'constant' | 'reflect' | 'replicate' = 'constant', value = 0): Tensor {
  if (mode === 'constant') return Tensor.wrap(native.constantPad(x.handle, pads, value));
  return Tensor.wrap(mode === 'reflect' ? native.reflectionPad2d(x.handle, pads) : native.replicationPad2d(x.handle, pads));
}
