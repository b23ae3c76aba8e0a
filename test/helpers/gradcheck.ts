/**
 * Finite-difference gradient check in float64: compares autograd's gradient of sum(f(inputs)·w)
 * (w a fixed random weighting, so every output element matters) with central differences.
 */
import assert from 'node:assert/strict';
import { grad, noGrad, randn, scope, type Tensor } from '../../src/torch/index.js';

export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o: { eps?: number; atol?: number; rtol?: number; name?: string } = {}): void {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-4;
  scope(() => {
    const out0 = f(...inputs);
    const w = randn(out0.shape, { dtype: 'float64' });
    const objective = (): Tensor => f(...inputs).mul(w).sum();
    const analytic = grad([objective()], inputs, { allowUnused: true });
    inputs.forEach((x, k) => {
      const g = analytic[k]?.toArray();
      const ga = g === undefined ? new Array(x.numel).fill(0) : (analytic[k]!.reshape(-1).toArray() as number[]);
      const flatX = x.detach().reshape(-1);
      noGrad(() => {
        for (let i = 0; i < x.numel; i++) {
          const v = flatX.select(0, i).item();
          flatX.select(0, i).fill_(v + eps);
          const up = objective().item();
          flatX.select(0, i).fill_(v - eps);
          const down = objective().item();
          flatX.select(0, i).fill_(v);
          const numeric = (up - down) / (2 * eps);
          const tol = atol + rtol * Math.abs(numeric);
          if (!(Math.abs(ga[i]! - numeric) <= tol)) {
            assert.fail(`${o.name ?? 'gradcheck'}: input ${k} element ${i}: autograd ${ga[i]} vs finite difference ${numeric}`);
          }
        }
      });
    });
  });
}
