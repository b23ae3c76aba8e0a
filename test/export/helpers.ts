/** Helpers for the ONNX export tests. */
import { registerLayers } from '../../src/layers.js';
import { Model } from '../../src/model/index.js';
import { noGrad, type Tensor } from '../../src/torch/index.js';

registerLayers();

/**
 * Gives every batch norm of `m` non-trivial statistics and affine parameters (fresh models have
 * mean 0, variance 1, γ 1, β 0, which would let a wrong folding pass unnoticed).
 */
export function randomizeBatchNorms(m: Model): Model {
  const bnPrefixes = new Set(m.namedBuffers().filter((b) => b.name.endsWith('running_var')).map((b) => b.name.slice(0, -'running_var'.length)));
  noGrad(() => {
    for (const b of m.namedBuffers()) {
      if (b.name.endsWith('running_mean')) b.tensor.normal_(0, 0.3);
      if (b.name.endsWith('running_var')) b.tensor.uniform_(0.3, 2);
    }
    for (const p of m.namedParameters()) {
      const prefix = p.name.replace(/(weight|bias)$/, '');
      if (!bnPrefixes.has(prefix)) continue;
      if (p.name.endsWith('weight')) p.tensor.uniform_(0.5, 1.5);
      else p.tensor.normal_(0, 0.2);
    }
  });
  return m;
}

/** Libtorch's eval-mode output of `m` for `x`, as a Float32Array. */
export function torchOutput(m: Model, x: Tensor): Float32Array {
  return noGrad(() => {
    const { output } = m.forward(x, { training: false });
    const a = output.toFloat32Array();
    output.dispose();
    return a;
  });
}

/**
 * Asserts |a − e| ≤ 1e-4·(|e| + max|e|) element-wise: 1e-4 relative to the value, with the
 * output's scale as the floor for values near zero.
 */
export function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rel = 1e-4): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * (Math.abs(expected[i]!) + scale);
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) throw new Error(`${what}[${i}] = ${actual[i]}, libtorch ${expected[i]} (tolerance ${tol.toExponential(2)})`);
  }
}
