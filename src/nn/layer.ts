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
  /** Named losses; layers add to them with addLoss. */
  losses: Record<string, Tensor>;
  /** Tensors marked by SKIPSRC[index]. */
  marks: Map<number, Tensor>;
  /** Adds `value` to the loss `name` (summing when several layers report the same name). */
  addLoss(name: string, value: Tensor): void;
  /** Per-forward state the DeNet layers pass along (DNC → DNS → DND); src/detect/state.ts owns its shape. */
  detector?: Record<string, unknown>;
}

export function forwardContext(o: { training: boolean; labels?: Tensor; targets?: unknown }): ForwardContext {
  const losses: Record<string, Tensor> = {};
  return {
    training: o.training,
    labels: o.labels,
    targets: o.targets,
    losses,
    marks: new Map(),
    addLoss(name, value) {
      losses[name] = losses[name] ? losses[name]!.add(value) : value;
    },
  };
}

/** One argument of a layer type: its name (what `--modify-layer TYPE key=value` uses), type and default. */
export interface ArgSpec<N extends string = string> {
  name: N;
  type: 'int' | 'number';
  /**
   * The default; `undefined` = required; `'auto'` = chosen by the layer from the input shape or
   * environment (for example the pool size, which defaults to the whole input).
   */
  default?: number | 'auto';
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  about?: string;
}

/** Arguments after defaults: a number, or undefined for an `'auto'` argument not given. */
export type ResolvedArgs = Record<string, number | undefined>;

/** The resolved arguments of a layer type with argument specs `T`, typed by name. */
export type ArgsOf<T extends readonly ArgSpec[]> = { [S in T[number] as S['name']]: S extends { default: 'auto' } ? number | undefined : number };

/** A layer type of the description language: its token, arguments, tags and builder. */
export interface LayerSpec<A = ResolvedArgs> {
  type: string;
  about: string;
  /** Other names accepted by `--modify-layer` (for example `denet-sparse`). */
  aliases?: string[];
  args: readonly ArgSpec[];
  /** Allowed single-character tags and what each does. */
  tags: Record<string, string>;
  /** An example token that builds on a 3×32×32 input after `SKIPSRC[9]` (the registry-wide test uses it). */
  example: string;
  /** Tokens the example needs before it (the detector layers need an earlier DNC or DNS); placed after `SKIPSRC[9]`. */
  examplePrefix?: string;
  build(token: LayerToken, args: A, ctx: BuildContext): Layer;
}

/**
 * Declares a layer type. The builder's `args` are typed from the argument specs (names, and
 * `number | undefined` for `'auto'` ones); src/layers.ts lists every type the language knows.
 */
export function defineLayer<const T extends readonly ArgSpec[]>(spec: Omit<LayerSpec<ArgsOf<T>>, 'args'> & { args: T }): LayerSpec {
  // The parser resolves every argument of `spec.args` by name before `build` runs (desc/parser.ts resolveArgs).
  return spec as unknown as LayerSpec;
}

/** Base class of every layer type (each declared with defineLayer and listed in src/layers.ts). */
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
