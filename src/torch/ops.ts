/** Functional ops over several tensors: joining, selecting, and element-wise choices. */
import { native, type Handle } from './native.js';
import { Tensor } from './tensor.js';

export function cat(tensors: Tensor[], dim = 0): Tensor { return Tensor.wrap(native.cat(tensors.map((t) => t.handle), dim)); }
export function stack(tensors: Tensor[], dim = 0): Tensor { return Tensor.wrap(native.stack(tensors.map((t) => t.handle), dim)); }
/** `cond ? a : b` element-wise; `a` and `b` may be tensors or numbers. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const h = (x: Tensor | number) => (x instanceof Tensor ? x.handle : x);
  return Tensor.wrap(native.where(cond.handle, h(a), h(b)));
}
export function maximum(a: Tensor, b: Tensor): Tensor { return a.maximum(b); }
export function minimum(a: Tensor, b: Tensor): Tensor { return a.minimum(b); }
export function matmul(a: Tensor, b: Tensor): Tensor { return a.matmul(b); }
export function split(t: Tensor, sizeOrSizes: number | number[], dim = 0): Tensor[] { return t.split(sizeOrSizes, dim); }
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] { return t.chunk(chunks, dim); }
/** Wraps a list of raw handles (used by multi-output native calls). */
export function wrapAll(handles: Handle[]): Tensor[] { return handles.map(Tensor.wrap); }
