/**
 * Explicit native-memory management (tfjs `tidy` style). V8 cannot see libtorch memory and a
 * synchronous training loop never lets finalisers run, so every tensor created inside
 * `scope(fn)` is disposed when `fn` returns, except the tensors it returns and those it `keep()`s.
 */
import type { Tensor } from './tensor.js';

const stack: Tensor[][] = [];

/** Called by every Tensor constructor: the innermost open scope owns the new tensor. */
export function track(t: Tensor): void {
  if (stack.length) stack[stack.length - 1]!.push(t);
}

/** Removes `t` from every open scope so it outlives them (the caller must dispose it). */
export function keep<T extends Tensor>(t: T): T {
  for (const list of stack) {
    const i = list.lastIndexOf(t);
    if (i >= 0) list.splice(i, 1);
  }
  return t;
}

/** Collects the tensors in a (nested) result so the scope hands them to its parent. */
function collect(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ((value as { isTensor?: boolean }).isTensor === true) {
    into.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const values = value instanceof Map ? value.values() : Object.values(value);
    for (const v of values) collect(v, into, depth + 1);
  }
}

/**
 * Runs `fn` synchronously and disposes every tensor it created, except those in its result
 * (a tensor, or arrays/plain objects of tensors), which move to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const list: Tensor[] = [];
  stack.push(list);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of list) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) throw new Error('scope(fn) needs a synchronous fn; await outside the scope');
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  for (const t of list) {
    if (survivors.has(t)) {
      if (stack.length) stack[stack.length - 1]!.push(t);
    } else t.dispose();
  }
  return result;
}

/** How many scopes are open (for tests and debugging). */
export function scopeDepth(): number {
  return stack.length;
}
