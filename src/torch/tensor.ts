/**
 * The Tensor class: a typed handle to one libtorch tensor. Math, autograd and kernels are
 * libtorch's; this class validates nothing libtorch already checks and adds no copies.
 */
import { DTYPE_CODE, dtypeFromCode, typedArrayFor, type DType, type TypedArray } from './dtype.js';
import { native, type Handle } from './native.js';
import { track } from './scope.js';

/** A dimension list: one dim or several. */
export type Dims = number | number[];
type Operand = Tensor | number | boolean;

const h = (x: Operand): unknown => (x instanceof Tensor ? x.handle : x);

/** Nested JS arrays of numbers (what `toArray()` returns for a tensor of rank ≥ 1). */
export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** Lets scope() recognise tensors without importing this module. */
  readonly isTensor = true;
  #shape?: number[];
  #dtype?: DType;
  #disposed = false;

  /** @internal Wraps a native handle; use the creation functions instead. */
  constructor(readonly handle: Handle) {
    track(this);
  }

  /** @internal Wraps the result of a native call. */
  static wrap(handle: Handle): Tensor {
    return new Tensor(handle);
  }

  // ---- metadata -------------------------------------------------------------------------------

  get shape(): number[] {
    return (this.#shape ??= native.shape(this.handle) as number[]).slice();
  }
  get dtype(): DType {
    return (this.#dtype ??= dtypeFromCode(native.dtype(this.handle)));
  }
  get device(): string {
    return native.device(this.handle);
  }
  get ndim(): number {
    return native.dim(this.handle);
  }
  get numel(): number {
    return native.numel(this.handle);
  }
  get strides(): number[] {
    return native.strides(this.handle);
  }
  get isContiguous(): boolean {
    return native.isContiguous(this.handle);
  }
  /** Dense in channels-last (NHWC) order: see `contiguous('channels-last')`. */
  get isChannelsLast(): boolean {
    return native.isContiguous(this.handle, true);
  }
  /** Created under inferenceMode(): it can never be used in autograd. */
  get isInference(): boolean {
    return native.isInference(this.handle);
  }
  get isDisposed(): boolean {
    return this.#disposed;
  }
  size(dim: number): number {
    const s = this.shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`dimension ${dim} out of range for a tensor of rank ${s.length}`);
    return s[d]!;
  }

  /** Frees the native memory now. Using the tensor afterwards throws. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    native.dispose(this.handle);
  }

  // ---- conversion -----------------------------------------------------------------------------

  /** The elements in row-major order as a new typed array of the tensor's own dtype. */
  data(): TypedArray {
    const buf: ArrayBuffer = native.toBuffer(this.handle);
    return typedArrayFor(this.dtype, buf);
  }
  /**
   * A typed array over this CPU tensor's own memory, without a copy: writes change the tensor.
   * Needs a contiguous CPU tensor. The array keeps the memory alive even after `dispose()`.
   */
  dataView(): TypedArray {
    if (this.device !== 'cpu' || !this.isContiguous) throw new Error(`dataView needs a contiguous CPU tensor, not ${this}`);
    return typedArrayFor(this.dtype, native.dataView(this.handle));
  }
  /** How many references the tensor's storage has (tensors and views sharing it, dataView arrays). */
  get storageRefs(): number {
    return native.storageRefs(this.handle);
  }
  /** The elements as float32 (a copy; converts other dtypes). */
  toFloat32Array(): Float32Array {
    if (this.dtype === 'float32') return this.data() as Float32Array;
    const t = this.to('float32');
    try {
      return t.data() as Float32Array;
    } finally {
      t.dispose();
    }
  }
  /** The elements as nested JS arrays (int64 values become numbers). */
  toArray(): NestedArray {
    const flat = this.dtype === 'float16' || this.dtype === 'bfloat16' ? this.toFloat32Array() : this.data();
    const values: (number | boolean)[] = Array.from(flat as ArrayLike<number | bigint>, (v) => (this.dtype === 'bool' ? v !== 0 : Number(v)));
    const shape = this.shape;
    if (shape.length === 0) return values[0]!;
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[d]!; i++) out.push(d === shape.length - 1 ? values[pos++]! : build(d + 1));
      return out;
    };
    return build(0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return Number(native.item(this.handle));
  }
  /** Converts dtype and/or device: `to('float64')`, `to('cuda:0')`, `to({dtype, device})`. */
  /**
   * A copy in another dtype and/or on another device (or this tensor's data when nothing changes).
   * `nonBlocking`: a copy from pinned host memory to CUDA returns before it completes (ordered on
   * the device's stream); otherwise the same as a blocking copy.
   */
  to(target: DType | string | { dtype?: DType; device?: string; copy?: boolean; nonBlocking?: boolean }): Tensor {
    const o = typeof target === 'string' ? (target in DTYPE_CODE ? { dtype: target as DType } : { device: target }) : target;
    return Tensor.wrap(native.to(this.handle, o.dtype ? DTYPE_CODE[o.dtype] : null, o.device ?? null, !!o.copy, !!o.nonBlocking));
  }
  /**
   * This CPU tensor in page-locked (pinned) memory, so copies to CUDA can be non-blocking
   * (PyTorch's `pin_memory()`): a new handle to a pinned copy, or to this tensor itself where
   * CUDA is absent (nothing to pin for) or the tensor is pinned or not on the CPU already.
   */
  pinMemory(): Tensor {
    if (this.device !== 'cpu' || !native.cudaIsAvailable() || this.isPinned) return this.alias();
    return Tensor.wrap(native.pinMemory(this.handle));
  }
  /** Whether this tensor lives in pinned host memory. */
  get isPinned(): boolean {
    return native.isPinned(this.handle);
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  clone(): Tensor { return Tensor.wrap(native.clone(this.handle)); }
  /**
   * This tensor if it is already dense in the given order, else a dense copy. `'channels-last'`
   * (4-D only) keeps the NCHW shape but stores NHWC, as PyTorch's `torch.channels_last`: oneDNN
   * convolutions then skip their layout reorders.
   */
  contiguous(format: 'default' | 'channels-last' = 'default'): Tensor {
    return Tensor.wrap(native.contiguous(this.handle, format === 'channels-last'));
  }
  /** A second handle to the same tensor, owned separately by scopes. */
  alias(): Tensor { return Tensor.wrap(native.alias(this.handle)); }
  toString(): string {
    return `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- views and indexing ---------------------------------------------------------------------

  reshape(...shape: number[] | [number[]]): Tensor { return Tensor.wrap(native.reshape(this.handle, shape.flat())); }
  view(...shape: number[] | [number[]]): Tensor { return Tensor.wrap(native.view(this.handle, shape.flat())); }
  permute(...dims: number[] | [number[]]): Tensor { return Tensor.wrap(native.permute(this.handle, dims.flat())); }
  transpose(d0: number, d1: number): Tensor { return Tensor.wrap(native.transpose(this.handle, d0, d1)); }
  /** Matrix transpose of a 2-D tensor. */
  get T(): Tensor { return this.transpose(0, 1); }
  flatten(startDim = 0, endDim = -1): Tensor { return Tensor.wrap(native.flatten(this.handle, startDim, endDim)); }
  squeeze(dim?: number): Tensor { return Tensor.wrap(native.squeeze(this.handle, dim ?? null)); }
  unsqueeze(dim: number): Tensor { return Tensor.wrap(native.unsqueeze(this.handle, dim)); }
  expand(...shape: number[] | [number[]]): Tensor { return Tensor.wrap(native.expand(this.handle, shape.flat())); }
  expandAs(other: Tensor): Tensor { return this.expand(other.shape); }
  narrow(dim: number, start: number, length: number): Tensor { return Tensor.wrap(native.narrow(this.handle, dim, start, length)); }
  /** Python-style slice along one dim: `t.slice(1, 2, -1)` is `t[:, 2:-1]`. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return Tensor.wrap(native.slice(this.handle, dim, start ?? null, end ?? null, step)); }
  /** `t.select(0, i)` is `t[i]`. */
  select(dim: number, index: number): Tensor { return Tensor.wrap(native.select(this.handle, dim, index)); }
  indexSelect(dim: number, index: Tensor): Tensor { return Tensor.wrap(native.indexSelect(this.handle, dim, index.handle)); }
  /** Advanced indexing: `t.index([rows, null, cols])` is `t[rows, :, cols]`. */
  index(indices: (Tensor | null)[]): Tensor { return Tensor.wrap(native.index(this.handle, indices.map((i) => i?.handle ?? null))); }
  /** Out-of-place `t[indices] = values` (`accumulate` adds instead). */
  indexPut(indices: (Tensor | null)[], values: Tensor, accumulate = false): Tensor {
    return Tensor.wrap(native.indexPut(this.handle, indices.map((i) => i?.handle ?? null), values.handle, accumulate));
  }
  indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    native.indexPut_(this.handle, indices.map((i) => i?.handle ?? null), values.handle, accumulate);
    return this;
  }
  gather(dim: number, index: Tensor): Tensor { return Tensor.wrap(native.gather(this.handle, dim, index.handle)); }
  scatter(dim: number, index: Tensor, src: Tensor): Tensor { return Tensor.wrap(native.scatter(this.handle, dim, index.handle, src.handle)); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return Tensor.wrap(native.scatterAdd(this.handle, dim, index.handle, src.handle)); }
  maskedSelect(mask: Tensor): Tensor { return Tensor.wrap(native.maskedSelect(this.handle, mask.handle)); }
  maskedFill(mask: Tensor, value: Tensor | number): Tensor { return Tensor.wrap(native.maskedFill(this.handle, mask.handle, h(value))); }
  nonzero(): Tensor { return Tensor.wrap(native.nonzero(this.handle)); }
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] { return (native.split(this.handle, sizeOrSizes, dim) as Handle[]).map(Tensor.wrap); }
  chunk(chunks: number, dim = 0): Tensor[] { return (native.chunk(this.handle, chunks, dim) as Handle[]).map(Tensor.wrap); }
  unbind(dim = 0): Tensor[] { return (native.unbind(this.handle, dim) as Handle[]).map(Tensor.wrap); }
  repeat(...times: number[] | [number[]]): Tensor { return Tensor.wrap(native.repeat(this.handle, times.flat())); }
  flip(dims: Dims): Tensor { return Tensor.wrap(native.flip(this.handle, dims)); }
  roll(shifts: Dims, dims: Dims): Tensor { return Tensor.wrap(native.roll(this.handle, shifts, dims)); }
  tril(diagonal = 0): Tensor { return Tensor.wrap(native.tril(this.handle, diagonal)); }
  triu(diagonal = 0): Tensor { return Tensor.wrap(native.triu(this.handle, diagonal)); }

  // ---- element-wise math (broadcasting) -------------------------------------------------------

  add(other: Operand, alpha?: number): Tensor { return Tensor.wrap(native.add(this.handle, h(other), alpha ?? null)); }
  sub(other: Operand, alpha?: number): Tensor { return Tensor.wrap(native.sub(this.handle, h(other), alpha ?? null)); }
  /** `value - this`. */
  rsub(value: number): Tensor { return Tensor.wrap(native.rsub(this.handle, value)); }
  mul(other: Operand): Tensor { return Tensor.wrap(native.mul(this.handle, h(other))); }
  div(other: Operand): Tensor { return Tensor.wrap(native.div(this.handle, h(other))); }
  pow(exponent: Operand): Tensor { return Tensor.wrap(native.pow(this.handle, h(exponent))); }
  remainder(other: Operand): Tensor { return Tensor.wrap(native.remainder(this.handle, h(other))); }
  fmod(other: Operand): Tensor { return Tensor.wrap(native.fmod(this.handle, h(other))); }
  maximum(other: Tensor): Tensor { return Tensor.wrap(native.maximum(this.handle, other.handle)); }
  minimum(other: Tensor): Tensor { return Tensor.wrap(native.minimum(this.handle, other.handle)); }
  atan2(other: Tensor): Tensor { return Tensor.wrap(native.atan2(this.handle, other.handle)); }
  clamp(min?: number | null, max?: number | null): Tensor { return Tensor.wrap(native.clamp(this.handle, min ?? null, max ?? null)); }
  neg(): Tensor { return Tensor.wrap(native.neg(this.handle)); }
  abs(): Tensor { return Tensor.wrap(native.abs(this.handle)); }
  exp(): Tensor { return Tensor.wrap(native.exp(this.handle)); }
  expm1(): Tensor { return Tensor.wrap(native.expm1(this.handle)); }
  log(): Tensor { return Tensor.wrap(native.log(this.handle)); }
  log1p(): Tensor { return Tensor.wrap(native.log1p(this.handle)); }
  log2(): Tensor { return Tensor.wrap(native.log2(this.handle)); }
  sqrt(): Tensor { return Tensor.wrap(native.sqrt(this.handle)); }
  rsqrt(): Tensor { return Tensor.wrap(native.rsqrt(this.handle)); }
  square(): Tensor { return Tensor.wrap(native.square(this.handle)); }
  sin(): Tensor { return Tensor.wrap(native.sin(this.handle)); }
  cos(): Tensor { return Tensor.wrap(native.cos(this.handle)); }
  sign(): Tensor { return Tensor.wrap(native.sign(this.handle)); }
  floor(): Tensor { return Tensor.wrap(native.floor(this.handle)); }
  ceil(): Tensor { return Tensor.wrap(native.ceil(this.handle)); }
  round(): Tensor { return Tensor.wrap(native.round(this.handle)); }
  trunc(): Tensor { return Tensor.wrap(native.trunc(this.handle)); }
  reciprocal(): Tensor { return Tensor.wrap(native.reciprocal(this.handle)); }
  erf(): Tensor { return Tensor.wrap(native.erf(this.handle)); }
  sigmoid(): Tensor { return Tensor.wrap(native.sigmoid(this.handle)); }
  tanh(): Tensor { return Tensor.wrap(native.tanh(this.handle)); }
  relu(): Tensor { return Tensor.wrap(native.relu(this.handle)); }
  softmax(dim: number): Tensor { return Tensor.wrap(native.softmax(this.handle, dim)); }
  logSoftmax(dim: number): Tensor { return Tensor.wrap(native.logSoftmax(this.handle, dim)); }

  // ---- comparisons and logic ------------------------------------------------------------------

  eq(other: Operand): Tensor { return Tensor.wrap(native.eq(this.handle, h(other))); }
  ne(other: Operand): Tensor { return Tensor.wrap(native.ne(this.handle, h(other))); }
  lt(other: Operand): Tensor { return Tensor.wrap(native.lt(this.handle, h(other))); }
  le(other: Operand): Tensor { return Tensor.wrap(native.le(this.handle, h(other))); }
  gt(other: Operand): Tensor { return Tensor.wrap(native.gt(this.handle, h(other))); }
  ge(other: Operand): Tensor { return Tensor.wrap(native.ge(this.handle, h(other))); }
  logicalAnd(other: Tensor): Tensor { return Tensor.wrap(native.logicalAnd(this.handle, other.handle)); }
  logicalOr(other: Tensor): Tensor { return Tensor.wrap(native.logicalOr(this.handle, other.handle)); }
  logicalNot(): Tensor { return Tensor.wrap(native.logicalNot(this.handle)); }
  isnan(): Tensor { return Tensor.wrap(native.isnan(this.handle)); }
  isinf(): Tensor { return Tensor.wrap(native.isinf(this.handle)); }
  isfinite(): Tensor { return Tensor.wrap(native.isfinite(this.handle)); }
  /** Element-wise closeness: |a − b| ≤ atol + rtol·|b| everywhere. */
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return native.allclose(this.handle, other.handle, rtol, atol); }
  /** Same shape and the same values. */
  equal(other: Tensor): boolean { return native.equal(this.handle, other.handle); }

  // ---- reductions -----------------------------------------------------------------------------

  sum(dim?: Dims | null, keepdim = false, dtype?: DType): Tensor {
    return Tensor.wrap(native.sum(this.handle, dim ?? null, keepdim, dtype ? DTYPE_CODE[dtype] : null));
  }
  mean(dim?: Dims | null, keepdim = false): Tensor { return Tensor.wrap(native.mean(this.handle, dim ?? null, keepdim)); }
  prod(dim?: number | null, keepdim = false): Tensor { return Tensor.wrap(native.prod(this.handle, dim ?? null, keepdim)); }
  /** Maximum over all elements, or over `dims` (no indices; see maxDim). */
  amax(dim?: Dims | null, keepdim = false): Tensor { return Tensor.wrap(native.amax(this.handle, dim ?? null, keepdim)); }
  amin(dim?: Dims | null, keepdim = false): Tensor { return Tensor.wrap(native.amin(this.handle, dim ?? null, keepdim)); }
  max(): Tensor { return this.amax(); }
  min(): Tensor { return this.amin(); }
  /** Maximum along one dim with its indices, like torch.max(t, dim). */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = (native.maxDim(this.handle, dim, keepdim) as Handle[]).map(Tensor.wrap);
    return { values: values!, indices: indices! };
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = (native.minDim(this.handle, dim, keepdim) as Handle[]).map(Tensor.wrap);
    return { values: values!, indices: indices! };
  }
  argmax(dim?: number | null, keepdim = false): Tensor { return Tensor.wrap(native.argmax(this.handle, dim ?? null, keepdim)); }
  argmin(dim?: number | null, keepdim = false): Tensor { return Tensor.wrap(native.argmin(this.handle, dim ?? null, keepdim)); }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [values, indices] = (native.topk(this.handle, k, dim, largest, sorted) as Handle[]).map(Tensor.wrap);
    return { values: values!, indices: indices! };
  }
  /** Sorts along `dim`; `stable` keeps the order of equal elements. */
  sort(dim = -1, descending = false, stable = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = (native.sort(this.handle, dim, descending, stable) as Handle[]).map(Tensor.wrap);
    return { values: values!, indices: indices! };
  }
  /** Indices that sort along `dim` (stable). */
  argsort(dim = -1, descending = false): Tensor { return Tensor.wrap(native.argsort(this.handle, dim, descending)); }
  std(dim?: Dims | null, keepdim = false, unbiased = true): Tensor { return Tensor.wrap(native.std(this.handle, dim ?? null, keepdim, unbiased)); }
  var(dim?: Dims | null, keepdim = false, unbiased = true): Tensor { return Tensor.wrap(native.var(this.handle, dim ?? null, keepdim, unbiased)); }
  logsumexp(dim: Dims, keepdim = false): Tensor { return Tensor.wrap(native.logsumexp(this.handle, dim, keepdim)); }
  cumsum(dim: number): Tensor { return Tensor.wrap(native.cumsum(this.handle, dim)); }
  cumprod(dim: number): Tensor { return Tensor.wrap(native.cumprod(this.handle, dim)); }
  all(): Tensor { return Tensor.wrap(native.all(this.handle)); }
  any(): Tensor { return Tensor.wrap(native.any(this.handle)); }
  norm(p = 2, dim?: Dims | null, keepdim = false): Tensor { return Tensor.wrap(native.norm(this.handle, p, dim ?? null, keepdim)); }

  // ---- linear algebra -------------------------------------------------------------------------

  matmul(other: Tensor): Tensor { return Tensor.wrap(native.matmul(this.handle, other.handle)); }
  mm(other: Tensor): Tensor { return Tensor.wrap(native.mm(this.handle, other.handle)); }
  bmm(other: Tensor): Tensor { return Tensor.wrap(native.bmm(this.handle, other.handle)); }
  outer(other: Tensor): Tensor { return Tensor.wrap(native.outer(this.handle, other.handle)); }
  dot(other: Tensor): Tensor { return Tensor.wrap(native.dot(this.handle, other.handle)); }

  // ---- in-place updates (optimisers, running statistics) --------------------------------------

  add_(other: Operand, alpha?: number): this { native.add_(this.handle, h(other), alpha ?? null); return this; }
  sub_(other: Operand, alpha?: number): this { native.sub_(this.handle, h(other), alpha ?? null); return this; }
  mul_(other: Operand): this { native.mul_(this.handle, h(other)); return this; }
  div_(other: Operand): this { native.div_(this.handle, h(other)); return this; }
  /** this += value · t1 · t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { native.addcmul_(this.handle, t1.handle, t2.handle, value); return this; }
  /** this += value · t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { native.addcdiv_(this.handle, t1.handle, t2.handle, value); return this; }
  lerp_(end: Tensor, weight: number): this { native.lerp_(this.handle, end.handle, weight); return this; }
  copy_(src: Tensor): this { native.copy_(this.handle, src.handle); return this; }
  zero_(): this { native.zero_(this.handle); return this; }
  fill_(value: number): this { native.fill_(this.handle, value); return this; }
  clamp_(min?: number | null, max?: number | null): this { native.clamp_(this.handle, min ?? null, max ?? null); return this; }
  sqrt_(): this { native.sqrt_(this.handle); return this; }
  uniform_(low = 0, high = 1): this { native.uniform_(this.handle, low, high); return this; }
  normal_(mean = 0, std = 1): this { native.normal_(this.handle, mean, std); return this; }

  // ---- autograd -------------------------------------------------------------------------------

  get requiresGrad(): boolean { return native.requiresGrad(this.handle); }
  set requiresGrad(on: boolean) { native.setRequiresGrad(this.handle, on); }
  /** Sets requiresGrad and returns this (for chaining). */
  requiresGrad_(on = true): this { native.setRequiresGrad(this.handle, on); return this; }
  get isLeaf(): boolean { return native.isLeaf(this.handle); }
  /** The accumulated gradient (a new handle each call), or undefined. */
  get grad(): Tensor | undefined {
    const g = native.grad(this.handle);
    return g === undefined ? undefined : Tensor.wrap(g);
  }
  set grad(g: Tensor | undefined) { native.setGrad(this.handle, g?.handle ?? null); }
  /** Drops the gradient (the next backward allocates a fresh one), like PyTorch's set_to_none. */
  zeroGrad(): void { native.setGrad(this.handle, null); }
  retainGrad(): this { native.retainGrad(this.handle); return this; }
  detach(): Tensor { return Tensor.wrap(native.detach(this.handle)); }
  /** Back-propagates from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle ?? null, !!opts.retainGraph, !!opts.createGraph);
  }
}
