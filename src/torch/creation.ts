/** Creating tensors: constants, ranges, random numbers, and from JS data. */
import { DTYPE_CODE, dtypeOfTypedArray, isFloating, type DType, type TypedArray } from './dtype.js';
import { native } from './native.js';
import { Tensor, type NestedArray } from './tensor.js';
import { invalidArg } from '../util/errors.js';

/** Options shared by the creation functions. dtype defaults to float32, device to cpu. */
export interface CreateOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

function shapeArg(shape: number[], fn: string): number[] {
  for (const s of shape) if (!Number.isInteger(s) || s < 0) throw invalidArg(`${fn} shape`, 'non-negative integers', shape.join(','));
  return shape;
}

function finish(t: Tensor, o: CreateOptions | undefined): Tensor {
  if (o?.requiresGrad) t.requiresGrad = true;
  return t;
}

const dt = (o?: CreateOptions, fallback: DType = 'float32') => DTYPE_CODE[o?.dtype ?? fallback];
const dev = (o?: CreateOptions) => o?.device ?? null;

export function zeros(shape: number[], o?: CreateOptions): Tensor {
  return finish(Tensor.wrap(native.zeros(shapeArg(shape, 'zeros'), dt(o), dev(o))), o);
}
export function ones(shape: number[], o?: CreateOptions): Tensor {
  return finish(Tensor.wrap(native.ones(shapeArg(shape, 'ones'), dt(o), dev(o))), o);
}
/** Uninitialised memory: every element must be written before it is read. */
export function empty(shape: number[], o?: CreateOptions): Tensor {
  return finish(Tensor.wrap(native.empty(shapeArg(shape, 'empty'), dt(o), dev(o))), o);
}
export function full(shape: number[], value: number, o?: CreateOptions): Tensor {
  return finish(Tensor.wrap(native.full(shapeArg(shape, 'full'), value, dt(o), dev(o))), o);
}
/** [start, end) in steps of `step`; int64 when all three are integers (as in PyTorch), else float32. */
export function arange(start: number, end?: number, step = 1, o?: CreateOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const ints = [start, end, step].every(Number.isInteger);
  return Tensor.wrap(native.arange(start, end, step, dt(o, ints ? 'int64' : 'float32'), dev(o)));
}
export function linspace(start: number, end: number, steps: number, o?: CreateOptions): Tensor {
  return Tensor.wrap(native.linspace(start, end, steps, dt(o), dev(o)));
}
export function eye(n: number, m = n, o?: CreateOptions): Tensor {
  return Tensor.wrap(native.eye(n, m, dt(o), dev(o)));
}
/** Uniform on [0, 1). */
export function rand(shape: number[], o?: CreateOptions): Tensor {
  return finish(Tensor.wrap(native.rand(shapeArg(shape, 'rand'), dt(o), dev(o))), o);
}
/** Standard normal. */
export function randn(shape: number[], o?: CreateOptions): Tensor {
  return finish(Tensor.wrap(native.randn(shapeArg(shape, 'randn'), dt(o), dev(o))), o);
}
/** Integers uniform on [low, high); int64 by default. */
export function randint(low: number, high: number, shape: number[], o?: CreateOptions): Tensor {
  return Tensor.wrap(native.randint(low, high, shapeArg(shape, 'randint'), dt(o, 'int64'), dev(o)));
}
export function randperm(n: number, o?: CreateOptions): Tensor {
  return Tensor.wrap(native.randperm(n, dt(o, 'int64'), dev(o)));
}
export function zerosLike(t: Tensor): Tensor { return Tensor.wrap(native.zerosLike(t.handle)); }
export function onesLike(t: Tensor): Tensor { return Tensor.wrap(native.onesLike(t.handle)); }
export function fullLike(t: Tensor, value: number): Tensor { return Tensor.wrap(native.fullLike(t.handle, value)); }
export function randLike(t: Tensor): Tensor { return Tensor.wrap(native.randLike(t.handle)); }
export function randnLike(t: Tensor): Tensor { return Tensor.wrap(native.randnLike(t.handle)); }
/** Draws 0/1 with the probabilities in `p`. */
export function bernoulli(p: Tensor): Tensor { return Tensor.wrap(native.bernoulli(p.handle)); }
export function multinomial(probs: Tensor, numSamples: number, replacement = false): Tensor {
  return Tensor.wrap(native.multinomial(probs.handle, numSamples, replacement));
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let x: NestedArray = data;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0]!;
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: number[], depth = 0): void {
  if (!Array.isArray(data)) {
    out.push(typeof data === 'boolean' ? Number(data) : data);
    return;
  }
  if (data.length !== shape[depth]) throw new Error(`tensor(): ragged nested array at depth ${depth} (expected ${shape[depth]} items, got ${data.length})`);
  for (const v of data) flatten(v, shape, out, depth + 1);
}

/**
 * A tensor from JS data (always a copy): a typed array plus `shape` (default: 1-D), or nested
 * arrays / a number. Nested numbers become float32 unless `dtype` says otherwise.
 */
export function tensor(data: TypedArray | NestedArray, o: CreateOptions & { shape?: number[] } = {}): Tensor {
  let arr: TypedArray;
  let shape: number[];
  let nativeDtype: DType;
  let want: DType;
  if (ArrayBuffer.isView(data)) {
    arr = data;
    shape = o.shape ?? [data.length];
    const own = dtypeOfTypedArray(data);
    if (!own && !(o.dtype === 'float16' || o.dtype === 'bfloat16')) throw new Error('tensor(): a Uint16Array needs dtype float16 or bfloat16');
    nativeDtype = own ?? o.dtype!;
    want = o.dtype ?? nativeDtype;
  } else {
    shape = o.shape ?? inferShape(data);
    const flat: number[] = [];
    flatten(data, inferShape(data), flat);
    const target = o.dtype ?? 'float32';
    want = target;
    nativeDtype = target === 'int64' ? 'int64' : isFloating(target) ? 'float64' : target === 'bool' ? 'uint8' : target;
    arr = nativeDtype === 'int64' ? BigInt64Array.from(flat, (v) => BigInt(Math.trunc(v))) : fromNumbers(nativeDtype, flat);
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== arr.length) throw new Error(`tensor(): ${arr.length} values do not fill shape [${shape}] (${numel} elements)`);
  let t = Tensor.wrap(native.fromBuffer(arr, shape, DTYPE_CODE[nativeDtype]));
  if (want !== nativeDtype || (o.device && o.device !== 'cpu')) {
    const moved = t.to({ dtype: want, device: o.device });
    t.dispose();
    t = moved;
  }
  return finish(t, o);
}

function fromNumbers(d: DType, values: number[]): TypedArray {
  switch (d) {
    case 'float64': return Float64Array.from(values);
    case 'float32': return Float32Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int16': return Int16Array.from(values);
    case 'int8': return Int8Array.from(values);
    default: return Uint8Array.from(values);
  }
}

/** A 0-dimensional tensor holding one number. */
export function scalarTensor(value: number, o?: CreateOptions): Tensor {
  return tensor([value], { ...o, shape: [] });
}
