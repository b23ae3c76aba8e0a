/**
 * Model: an ordered list of layers built from a description, plus the input shape, the class
 * names and the settings the description is read with (border mode, activation, BN defaults).
 *
 * The trainer's contract:
 *  - `Model.create(desc, { inputShape, classNames, borderMode?, activation?, weightInit?, seed? })`
 *  - `model.forward(images [B,C,H,W] float32, { training, labels? int64 [B], targets? })`
 *      → `{ output, losses }`: output = class logits [B, classes] for a classifier (a final
 *      [B, C, 1, 1] map is flattened), else the last feature map; `losses.class` = mean softmax
 *      cross-entropy when labels are given (training or eval). Runs in a scope: nothing but the
 *      returned tensors is left behind. BN running statistics update only when `training`.
 *  - `namedParameters()` (`decay` false for biases and BN scale/shift), `namedBuffers()`,
 *    `parameterCount()`: tensors are the model's own (an optimiser updates them in place).
 *  - `save(path, metadata?)`: one safetensors file, atomic; `Model.load(path)`.
 *  - `to(device)` replaces every tensor (build optimisers after moving); `dispose()` frees them.
 *
 * Inference: `model.fuse()` gives a copy with the batch norms folded into the convolutions, and
 * `infer(images, { precision })` runs an eval-mode forward under libtorch's inference mode (and
 * autocast for bf16/fp16), returning a float32 output.
 */
import { autocast, inferenceMode, manualSeed, readSafetensors, scope, writeSafetensors, type Precision, type Tensor } from '../torch/index.js';
import { findLayerSpec, layerSpec, parseDescription, printDescription, printToken, resolveArgs, tokenError } from '../desc/index.js';
import { BORDER_MODES, checkWeightInit, forwardContext, activation as checkActivation, type BorderMode, type ForwardContext, type Layer, type LayerEnv, type LayerToken, type NamedBuffer, type NamedParameter, type Shape } from '../nn/index.js';
import { UserError, invalidArg } from '../util/errors.js';
import { fuseBatchNorm } from './fuse.js';
import { formatSummary, summarize, type ModelSummary } from './summary.js';

export interface ModelOptions {
  /** [channels, height, width] of one input image. */
  inputShape: [number, number, number];
  classNames: string[];
  /** Default convolution padding: valid (none), same/half (k//2), full (k−1). Default half. */
  borderMode?: BorderMode;
  /** What `A` means. Default relu. */
  activation?: string;
  /** he-forward (default), he-backward, xavier-forward, xavier-backward, each with -uniform. */
  weightInit?: string;
  /** Seeds libtorch's generator before the weights are drawn. */
  seed?: number;
  /** BN keep rate and eps for composite layers and BN/BNA tokens without arguments (0.9, 1e-5). */
  bnMomentum?: number;
  bnEps?: number;
}

export interface ForwardOptions {
  training: boolean;
  labels?: Tensor;
  targets?: unknown;
  /**
   * Run only layers [start, end) (default all). With start > 0, `images` is the activation entering
   * layer `start`, not an image batch (split execution runs the model segment by segment).
   */
  range?: [start: number, end: number];
  /** The context to run in (its marks and detector state carry across calls); default a fresh one. */
  context?: ForwardContext;
  /** Called after each layer with its index (per-stage timing). */
  afterLayer?: (index: number, layer: Layer) => void;
}
export interface InferOptions {
  /** fp32 (default), bf16 (CPU or CUDA autocast) or fp16 (CUDA autocast). */
  precision?: Precision;
  /** Labels or detection targets: the layers then also report their losses (in fp32). */
  labels?: Tensor;
  targets?: unknown;
}
export interface ForwardResult {
  output: Tensor;
  losses: Record<string, Tensor>;
  /** Tensors marked by SKIPSRC[index] during this call and before it (the context's marks). */
  marks: Map<number, Tensor>;
}

/** Metadata keys the model owns in its safetensors file. */
export const RESERVED_METADATA = ['format', 'description', 'input_shape', 'class_names', 'border_mode', 'activation', 'weight_init', 'bn_momentum', 'bn_eps'] as const;
const FORMAT = 'denet-model/1';

function checkShape(s: unknown): Shape {
  if (!Array.isArray(s) || s.length !== 3 || !s.every((v) => Number.isInteger(v) && v >= 1)) throw invalidArg('inputShape', '[channels, height, width] of positive integers', JSON.stringify(s));
  return [s[0], s[1], s[2]];
}

/** Builds the layers of `tokens` in order, inferring each input shape from the one before. */
export function buildLayers(tokens: LayerToken[], inputShape: Shape, env: LayerEnv): Layer[] {
  const layers: Layer[] = [];
  const marks = new Map<number, Shape>();
  let shape = inputShape;
  try {
    tokens.forEach((token, index) => {
      const spec = layerSpec(token.type) ?? findLayerSpec(token.type);
      const text = printToken(token);
      const layer = spec.build(token, resolveArgs(spec, token), { index, inShape: shape, env, marks, layers, fail: (why) => tokenError(index, text, why) });
      layers.push(layer);
      shape = layer.outShape;
    });
  } catch (e) {
    for (const l of layers) l.dispose();
    throw e;
  }
  return layers;
}

export class Model {
  /** Caller metadata read from a model file (training state and the like). */
  metadata: Record<string, string> = {};
  /**
   * Run on channels-last (NHWC) copies of the input images, as PyTorch's
   * `model(x.to(memory_format=torch.channels_last))`: oneDNN convolutions skip their layout reorders
   * (a DeNet training step takes ~8% less time on the CPU; bench/channels-last.ts). Results agree
   * with the default layout to float rounding. Not saved with the model.
   */
  channelsLast = false;

  private constructor(
    readonly tokens: LayerToken[],
    readonly layers: Layer[],
    readonly inputShape: Shape,
    readonly classNames: string[],
    readonly env: LayerEnv,
  ) {}

  /** Builds a new model with freshly initialised weights. Throws UserError for a bad description. */
  static create(desc: string | string[], o: ModelOptions): Model {
    return Model.fromTokens(parseDescription(desc), o);
  }

  /** Builds from parsed tokens; `weightInit: 'none'` leaves weights zero (about to be loaded). */
  static fromTokens(tokens: LayerToken[], o: ModelOptions & { weightInit?: string }): Model {
    const inputShape = checkShape(o.inputShape);
    if (!Array.isArray(o.classNames)) throw invalidArg('classNames', 'an array of strings', o.classNames);
    const borderMode = o.borderMode ?? 'half';
    if (!BORDER_MODES.includes(borderMode)) throw new UserError(`unknown border mode "${borderMode}": expected one of ${BORDER_MODES.join(', ')}`);
    const act = o.activation ?? 'relu';
    checkActivation(act);
    const weightInit = o.weightInit === 'none' ? 'none' : checkWeightInit(o.weightInit ?? 'he-forward');
    const env: LayerEnv = { borderMode, activation: act, weightInit, numClasses: o.classNames.length, bnMomentum: o.bnMomentum ?? 0.9, bnEps: o.bnEps ?? 1e-5 };
    if (o.seed !== undefined) manualSeed(o.seed);
    const layers = buildLayers(tokens, inputShape, env);
    return new Model(tokens.map((t) => ({ ...t, args: [...t.args] })), layers, inputShape, [...o.classNames], env);
  }

  /** The options that rebuild this model's structure (with a new description via fromTokens). */
  options(): ModelOptions {
    const e = this.env;
    return { inputShape: [...this.inputShape], classNames: [...this.classNames], borderMode: e.borderMode, activation: e.activation, weightInit: e.weightInit === 'none' ? undefined : e.weightInit, bnMomentum: e.bnMomentum, bnEps: e.bnEps };
  }

  get numClasses(): number {
    return this.classNames.length;
  }
  /** Whether the model is a DeNet detector: it ends in a DND head (use detect() from src/detect). */
  get isDetector(): boolean {
    return this.layers.at(-1)?.token.type === 'DND';
  }

  /** Shape [C, H, W] of the last layer's output (the input shape for an empty model). */
  get outputShape(): Shape {
    return this.layers.length ? [...this.layers[this.layers.length - 1]!.outShape] : [...this.inputShape];
  }

  /** Throws a UserError unless `images` is a batch [B, C, H, W] of the model's input shape. */
  checkInput(images: Tensor): void {
    const s = images.shape;
    const [c, h, w] = this.inputShape;
    if (s.length !== 4 || s[1] !== c || s[2] !== h || s[3] !== w) {
      throw new UserError(`the model takes images [B, ${c}, ${h}, ${w}] but received [${s.join(', ')}]`);
    }
  }

  /**
   * The one forward pass (see the contract in the module comment); detection (src/detect) and
   * split execution (src/train/split.ts) run through it with `range`, `context` and `afterLayer`.
   */
  forward(images: Tensor, o: ForwardOptions): ForwardResult {
    const [start, end] = o.range ?? [0, this.layers.length];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= this.layers.length)) {
      throw new RangeError(`layer range [${start}, ${end}) is outside the model's ${this.layers.length} layers`);
    }
    if (start === 0) this.checkInput(images);
    const batch = images.shape[0];
    if (o.labels && (o.labels.ndim !== 1 || o.labels.shape[0] !== batch)) throw new UserError(`labels must be [${batch}] but received [${o.labels.shape.join(', ')}]`);
    return scope(() => {
      const ctx = o.context ?? forwardContext(o);
      let x = start === 0 ? this.prepareInput(images) : images;
      for (let i = start; i < end; i++) {
        x = this.layers[i]!.forward(x, ctx);
        o.afterLayer?.(i, this.layers[i]!);
      }
      if (x === images) x = images.alias();
      if (end === this.layers.length && x.ndim === 4 && x.shape[2] === 1 && x.shape[3] === 1) x = x.flatten(1);
      return { output: x, losses: ctx.losses, marks: ctx.marks };
    });
  }

  /**
   * Eval-mode forward under libtorch's inference mode (no autograd bookkeeping at all; the results
   * are inference tensors that cannot enter autograd) and autocast at `precision`. The output is
   * float32. Call it on a fused copy (`fuse()`) for the fastest path.
   */
  infer(images: Tensor, o: InferOptions = {}): ForwardResult {
    return inferenceMode(() =>
      scope(() => {
        const r = autocast(o.precision ?? 'fp32', images.device, () => this.forward(images, { training: false, labels: o.labels, targets: o.targets }));
        return r.output.dtype === 'bfloat16' || r.output.dtype === 'float16' ? { ...r, output: r.output.float() } : r;
      }),
    );
  }

  /** A copy with every foldable batch norm folded into the layer before it (src/model/fuse.ts). */
  fuse(): Model {
    return fuseBatchNorm(this);
  }

  /** The images in the layout the layers run on (see `channelsLast`): a copy, or the same tensor. */
  prepareInput(images: Tensor): Tensor {
    return this.channelsLast && images.ndim === 4 ? images.contiguous('channels-last') : images;
  }

  /** Every trainable tensor, named `layers.<index>.<name>`. */
  namedParameters(): NamedParameter[] {
    return this.layers.flatMap((l, i) => l.namedParameters(`layers.${i}.`));
  }
  /** Every state tensor (BN running statistics and counters). */
  namedBuffers(): NamedBuffer[] {
    return this.layers.flatMap((l, i) => l.namedBuffers(`layers.${i}.`));
  }
  parameterCount(): number {
    return this.layers.reduce((a, l) => a + l.parameterCount(), 0);
  }
  /** Parameters and buffers by name (the model's own tensors, not copies). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const p of this.namedParameters()) out[p.name] = p.tensor;
    for (const b of this.namedBuffers()) out[b.name] = b.tensor;
    return out;
  }

  /**
   * Takes ownership of `tensors` (by our names), replacing the current ones; shapes must match.
   * `strict`: every model tensor must be given and no other. Returns the names not used.
   */
  loadStateDict(tensors: Record<string, Tensor>, o: { strict?: boolean; source?: string } = {}): string[] {
    const own = this.stateDict();
    const source = o.source ?? 'the state dict';
    if (o.strict ?? true) {
      const missing = Object.keys(own).filter((n) => !(n in tensors));
      if (missing.length) throw new UserError(`${source} lacks ${missing.length} tensor(s) of the model, first "${missing[0]}"`);
    }
    const unused: string[] = [];
    for (const [name, t] of Object.entries(tensors)) {
      const mine = own[name];
      if (!mine) {
        unused.push(name);
        continue;
      }
      if (mine.shape.join() !== t.shape.join()) throw new UserError(`${source}: tensor "${name}" has shape [${t.shape}] but the model needs [${mine.shape}]`);
      let v = t;
      if (t.dtype !== mine.dtype || t.device !== mine.device) {
        v = t.to({ dtype: mine.dtype, device: mine.device });
        t.dispose();
      }
      const m = /^layers\.(\d+)\.(.+)$/.exec(name)!;
      this.layers[Number(m[1])]!.replace(m[2]!, v);
    }
    if ((o.strict ?? true) && unused.length) throw new UserError(`${source} has ${unused.length} tensor(s) the model lacks, first "${unused[0]}"`);
    return unused;
  }

  /** The description that rebuilds this model (with its border mode, activation and class count). */
  description(): string {
    return printDescription(this.tokens);
  }

  /** The metadata written to the model file. */
  fileMetadata(extra: Record<string, string> = {}): Record<string, string> {
    const e = this.env;
    const own: Record<(typeof RESERVED_METADATA)[number], string> = {
      format: FORMAT,
      description: this.description(),
      input_shape: JSON.stringify(this.inputShape),
      class_names: JSON.stringify(this.classNames),
      border_mode: e.borderMode,
      activation: e.activation,
      weight_init: e.weightInit,
      bn_momentum: String(e.bnMomentum),
      bn_eps: String(e.bnEps),
    };
    for (const k of Object.keys(extra)) if (k in own) throw new UserError(`metadata key "${k}" is reserved for the model`);
    return { ...this.metadata, ...extra, ...own };
  }

  /**
   * Writes one safetensors file (atomically): every parameter and buffer under its name and, in
   * `__metadata__`, the description, input shape, class names, border mode, activation, BN defaults
   * and `metadata` (merged over the metadata the model was loaded with).
   */
  save(path: string, metadata: Record<string, string> = {}): void {
    scope(() => {
      const out: Record<string, Tensor> = {};
      for (const [n, t] of Object.entries(this.stateDict())) out[n] = t.device === 'cpu' ? t : t.cpu();
      writeSafetensors(path, out, this.fileMetadata(metadata));
    });
  }

  /** Reads a model file written by save(). Throws a one-line UserError for a bad file. */
  static load(path: string): Model {
    const { tensors, metadata } = readSafetensors(path);
    const fail = (why: string) => {
      for (const t of Object.values(tensors)) t.dispose();
      return new UserError(`${path} is not a DeNet model file: ${why}`);
    };
    if (!metadata.description) throw fail('no "description" in its __metadata__');
    let inputShape: Shape, classNames: string[];
    try {
      inputShape = checkShape(JSON.parse(metadata.input_shape ?? ''));
      classNames = JSON.parse(metadata.class_names ?? '[]');
      if (!Array.isArray(classNames) || !classNames.every((n) => typeof n === 'string')) throw new Error();
    } catch {
      throw fail('bad input_shape or class_names metadata');
    }
    let model: Model;
    try {
      model = Model.create(metadata.description, {
        inputShape,
        classNames,
        borderMode: (metadata.border_mode ?? 'half') as BorderMode,
        activation: metadata.activation ?? 'relu',
        weightInit: 'none',
        bnMomentum: metadata.bn_momentum ? Number(metadata.bn_momentum) : undefined,
        bnEps: metadata.bn_eps ? Number(metadata.bn_eps) : undefined,
      });
    } catch (e) {
      throw fail((e as Error).message);
    }
    if (metadata.weight_init && metadata.weight_init !== 'none') model.env.weightInit = checkWeightInit(metadata.weight_init);
    try {
      model.loadStateDict(tensors, { source: path });
    } catch (e) {
      model.dispose();
      throw e;
    }
    model.metadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !(RESERVED_METADATA as readonly string[]).includes(k)));
    return model;
  }

  /** Per-layer output shape, parameters and FLOPs (one image), and totals. */
  summary(): ModelSummary {
    return summarize(this);
  }
  /** The summary as a printable table. */
  formatSummary(): string {
    return formatSummary(this.summary(), this);
  }

  /** Moves every tensor to `device` ('cpu', 'cuda:0'); returns this. */
  to(device: string): this {
    for (const l of this.layers) l.to(device);
    return this;
  }
  get device(): string {
    return this.namedParameters()[0]?.tensor.device ?? 'cpu';
  }

  /** Frees every parameter and buffer; the model cannot be used afterwards. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
