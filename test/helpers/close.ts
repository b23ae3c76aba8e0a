import assert from 'node:assert/strict';
import type { NestedArray } from '../../src/torch/index.js';

/** Flattens nested arrays of numbers. */
export function flat(x: NestedArray | number[]): number[] {
  return Array.isArray(x) ? (x as NestedArray[]).flatMap((v) => flat(v)) : [Number(x)];
}

/** Asserts that two (nested) arrays have the same length and agree to |a−b| ≤ atol + rtol·|b|. */
export function assertClose(actual: NestedArray | number[], expected: NestedArray | number[], atol = 1e-5, rtol = 1e-5, what = 'value'): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(e[i]!);
    if (!(Math.abs(a[i]! - e[i]!) <= tol) && !(Number.isNaN(a[i]) && Number.isNaN(e[i]))) {
      assert.fail(`${what}[${i}] = ${a[i]}, expected ${e[i]} (tolerance ${tol})`);
    }
  }
}
