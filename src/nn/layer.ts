/**
 * The layer contract. A layer is built from one description token and the shape of its input
 * ([C, H, W], batch left out); building infers the output shape without running anything and
 * allocates the parameters. `forward` takes the train/eval flag explicitly through its context.
 */
import type { Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import type { WeightInit } from './init.js';
import { Module } from './module.js';

/** A feature-map shape without the batch dimension: [channels, height, width]. */
export type Shape = [number, number, number];

export const BORDER_MODES = ['valid', 'same', 'half', 'full'] as const;
export type BorderMode = (typeof BORDER_MODES)[number];

/** Convolution padding for a kernel of size k: none, k//2, k//2, k−1. */
export function borderPad(mode: BorderMode, k: number): number {
  switch (mode) {
    case 'valid': return 0;
    case 'same': case 'half': return Math.floor(k / 2);
    case 'full': return k - 1;
  }
}

/** Output length of a convolution or pooling window along one axis (floor mode). */
export function windowOut(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

/** Settings a description is interpreted with (they are saved with the model). */
export interface LayerEnv {
  borderMode: BorderMode;
  /** What `A` (and the activation of BNA and residual blocks) means. */
  activation: string;
  /** 'none' leaves weights uninitialised (they are about to be loaded). */
  weightInit: WeightInit | 'none';
  numClasses: number;
  /** Batch-norm keep rate and eps for BN inside composite layers (BN/BNA tokens default to them too). */
  bnMomentum: number;
  bnEps: number;
}

/** One parsed description token: `TYPE.TAGS[ARGS]`. Args are the positional values given. */
export interface LayerToken {
  type: string;
  tags: string;
  args: number[];
}

/** What a layer's builder gets besides its token. */
export interface BuildContext {
  /** Position in the model (0-based; the `layers.<index>.` name prefix). */
  index: number;
  inShape: Shape;
  env: LayerEnv;
  /** Shapes marked by SKIPSRC[index] so far. */
  marks: Map<number, Shape>;
  /** A UserError naming the token: `token 4 "P[2,2,9]": <why>`. */
  fail(why: string): UserError;
  /** The layers built so far, in order (a layer that needs an earlier one, like DNS after DNC, checks here). */
  layers?: readonly Layer[];
}

/** Per-call state threaded through the layers of one forward pass. */
export interface ForwardContext {
  training: boolean;
  /** Class labels, int64 [B]. */
  labels?: Tensor;
  /** Detection targets (opaque here; the detector layers interpret them). */
  targets?: unknown;
  /** The model input [B, C, H, W]. */
  input: Tensor;
  /** Named losses; layers add to them with addLoss. */
  losses: Record<string, Tensor>;
  /** Tensors marked by SKIPSRC[index]. */
  marks: Map<number, Tensor>;
  /** Adds `value` to the loss `name` (summing when several layers report the same name). */
  addLoss(name: string, value: Tensor): void;
  /** Per-forward state the DeNet layers pass along (DNC → DNS → DND); src/detect/state.ts owns its shape. */
  detector?: Record<string, unknown>;
}

export function forwardContext(input: Tensor, o: { training: boolean; labels?: Tensor; targets?: unknown }): ForwardContext {
  const losses: Record<string, Tensor> = {};
  return {
    training: o.training,
    labels: o.labels,
    targets: o.targets,
    input,
    losses,
    marks: new Map(),
    addLoss(name, value) {
      losses[name] = losses[name] ? losses[name]!.add(value) : value;
    },
  };
}

/** Base class of every layer type. Subclasses are registered in src/desc/registry.ts. */
export abstract class Layer extends Module {
  readonly index: number;
  readonly inShape: Shape;
  abstract readonly outShape: Shape;

  constructor(readonly token: LayerToken, ctx: BuildContext) {
    super();
    this.index = ctx.index;
    this.inShape = [...ctx.inShape];
  }

  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;

  /** The value an `'auto'` argument resolved to (for printing a token with a later argument set). */
  autoArg(_name: string): number | undefined {
    return undefined;
  }

  /** Floating-point operations for one image (a multiply-add counts 2). */
  flops(): number {
    return 0;
  }
}

export const numel = (s: Shape): number => s[0] * s[1] * s[2];
