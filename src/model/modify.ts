/**
 * model-modify operations. Each returns a NEW model (the caller disposes the old one): the edited
 * description is rebuilt and every tensor whose layer survives and whose name and shape still
 * match is copied over; new or reshaped layers (a new class count's R, inserted layers) get fresh
 * initialisation. Layer indices are those of the model the operation is applied to.
 */
import { noGrad } from '../torch/index.js';
import { findLayerSpec, parseToken, printToken, setTokenArgs, tokenize } from '../desc/index.js';
import type { LayerToken } from '../nn/index.js';
import { UserError } from '../util/errors.js';
import { Model, type ModelOptions } from './model.js';

/**
 * For a model made by these operations: each tensor copied from an earlier model, by its name here
 * and its name in the first model of the chain (tensors missing from the map are new).
 */
const origins = new WeakMap<Model, Map<string, string>>();

/** Builds `tokens` with `opts` and copies tensors from `old` layer `mapIndex(j)` into new layer j. */
export function rebuild(old: Model, tokens: LayerToken[], opts: Partial<ModelOptions>, mapIndex: (newIndex: number) => number | undefined): Model {
  const base = old.options();
  const m = Model.fromTokens(tokens, { ...base, ...opts, weightInit: base.weightInit ?? 'he-forward' });
  const own = old.stateDict();
  const oldOrigins = origins.get(old);
  const copied = new Map<string, string>();
  noGrad(() => {
    m.layers.forEach((layer, j) => {
      const i = mapIndex(j);
      if (i === undefined || i < 0 || i >= old.layers.length) return;
      const named = [...layer.namedParameters(), ...layer.namedBuffers()];
      for (const { name, tensor } of named) {
        const from = `layers.${i}.${name}`;
        const src = own[from];
        if (!src || src.shape.join() !== tensor.shape.join()) continue;
        tensor.copy_(src);
        const first = oldOrigins ? oldOrigins.get(from) : from;
        if (first !== undefined) copied.set(`layers.${j}.${name}`, first);
      }
    });
  });
  origins.set(m, copied);
  m.metadata = { ...old.metadata };
  return m;
}

/** What a chain of operations did to the tensors of the model it started from. */
export interface TensorReport {
  /** Copied from the input model (name in the result ← name in the input when they differ). */
  kept: string[];
  /** New, or re-initialised because their shape changed. */
  created: string[];
  /** Tensors of the input model that the result does not keep. */
  dropped: string[];
}

/** Compares `result` (made from `input` by the operations above) with `input`, tensor by tensor. */
export function tensorReport(input: Model, result: Model): TensorReport {
  const from = origins.get(result) ?? new Map(Object.keys(result.stateDict()).map((n) => [n, n]));
  const kept: string[] = [], created: string[] = [];
  for (const name of Object.keys(result.stateDict())) {
    const first = from.get(name);
    if (first === undefined) created.push(name);
    else kept.push(first === name ? name : `${name} ← ${first}`);
  }
  const used = new Set(from.values());
  return { kept, created, dropped: Object.keys(input.stateDict()).filter((n) => !used.has(n)) };
}

const same = (j: number) => j;

/** `--image-size W H`: a new input width and height (channels unchanged). */
export function setImageSize(model: Model, width: number, height: number): Model {
  for (const [n, v] of [['width', width], ['height', height]] as const) if (!Number.isInteger(v) || v < 1) throw new UserError(`image ${n} must be a positive integer, got ${v}`);
  return rebuild(model, model.tokens, { inputShape: [model.inputShape[0], height, width] }, same);
}

/** `--modify-layer TYPE key=value…`: sets named arguments on every layer of TYPE (type or alias). */
export function modifyLayers(model: Model, type: string, values: Record<string, number>): Model {
  const spec = findLayerSpec(type);
  let hits = 0;
  const tokens = model.tokens.map((t, i) => {
    if (t.type !== spec.type) return t;
    hits++;
    const layer = model.layers[i]!;
    const edited = setTokenArgs(spec, t, values, (n) => layer.autoArg(n));
    return parseToken(printToken(edited), i); // validates the new values
  });
  if (!hits) throw new UserError(`the model has no ${spec.type} layer to modify`);
  return rebuild(model, tokens, {}, same);
}

/** Parses `key=value` words into numbers. */
export function parseKeyValues(words: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)=(.+)$/.exec(w);
    if (!m || !Number.isFinite(Number(m[2]))) throw new UserError(`expected key=number but received "${w}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** `--layer-remove N`: drops the last N layers. */
export function removeLastLayers(model: Model, n: number): Model {
  if (!Number.isInteger(n) || n < 0 || n > model.layers.length) throw new UserError(`cannot remove ${n} of the model's ${model.layers.length} layers`);
  return rebuild(model, model.tokens.slice(0, model.tokens.length - n), {}, same);
}

/** `--layer-insert I:DESC`: inserts the tokens of `desc` before layer `index` (= length appends). */
export function insertLayers(model: Model, index: number, desc: string | string[]): Model {
  const n = model.tokens.length;
  if (!Number.isInteger(index) || index < 0 || index > n) throw new UserError(`insert position ${index} is outside 0…${n}`);
  const added = tokenize(desc).map((t, k) => parseToken(t, index + k));
  if (!added.length) throw new UserError('nothing to insert');
  const tokens = [...model.tokens.slice(0, index), ...added, ...model.tokens.slice(index)];
  const k = added.length;
  return rebuild(model, tokens, {}, (j) => (j < index ? j : j >= index + k ? j - k : undefined));
}

/** `--layer-append DESC`: adds layers at the end. */
export function appendLayers(model: Model, desc: string | string[]): Model {
  return insertLayers(model, model.tokens.length, desc);
}

/** `--class-num N`: keeps the first N class names (adding `class<i>`); R is re-initialised. */
export function setClassCount(model: Model, n: number, names?: string[]): Model {
  if (!Number.isInteger(n) || n < 1) throw new UserError(`class count must be a positive integer, got ${n}`);
  const classNames = names ?? Array.from({ length: n }, (_, i) => model.classNames[i] ?? `class${i}`);
  return rebuild(model, model.tokens, { classNames }, same);
}

/**
 * `--modify-bn MOMENTUM EPS`: the keep rate and eps of every batch norm (BN, BNA and those inside
 * composite layers). BN/BNA tokens lose explicit arguments and follow the model's setting.
 */
export function modifyBatchNorm(model: Model, momentum: number, eps: number): Model {
  if (!(momentum >= 0 && momentum <= 1)) throw new UserError(`BN momentum (keep rate) must be in [0, 1], got ${momentum}`);
  if (!(eps >= 0)) throw new UserError(`BN eps must be non-negative, got ${eps}`);
  const tokens = model.tokens.map((t) => (t.type === 'BN' || t.type === 'BNA' ? { ...t, args: [] } : t));
  return rebuild(model, tokens, { bnMomentum: momentum, bnEps: eps }, same);
}

/** `--convert-bn-relu`: every BN directly followed by A becomes one BNA (same statistics). */
export function convertBnActivation(model: Model): Model {
  const tokens: LayerToken[] = [];
  const from: number[] = [];
  for (let i = 0; i < model.tokens.length; i++) {
    const t = model.tokens[i]!;
    if (t.type === 'BN' && model.tokens[i + 1]?.type === 'A') {
      tokens.push({ ...t, type: 'BNA' });
      from.push(i);
      i++;
    } else {
      tokens.push(t);
      from.push(i);
    }
  }
  return rebuild(model, tokens, {}, (j) => from[j]);
}

/** `--merge`: removes the SPLIT markers (split execution off). */
export function mergeSplits(model: Model): Model {
  const from: number[] = [];
  const tokens = model.tokens.filter((t, i) => (t.type === 'SPLIT' ? false : (from.push(i), true)));
  return rebuild(model, tokens, {}, (j) => from[j]);
}

