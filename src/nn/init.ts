/**
 * Weight initialisers. `he-*` draws with variance 2/fan, `xavier-*` with variance 1/fan, where fan
 * is the fan-in (`-forward`: keeps forward activations' variance) or the fan-out (`-backward`:
 * keeps gradients' variance). Normal by default; the `-uniform` variants draw from U(−b, b) with
 * b = σ·√3 (same variance). Biases start at zero; BN scale at one.
 */
import { noGrad, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';

export const WEIGHT_INITS = [
  'he-forward', 'he-backward', 'xavier-forward', 'xavier-backward',
  'he-forward-uniform', 'he-backward-uniform', 'xavier-forward-uniform', 'xavier-backward-uniform',
] as const;
export type WeightInit = (typeof WEIGHT_INITS)[number];

export function checkWeightInit(name: string): WeightInit {
  if (!(WEIGHT_INITS as readonly string[]).includes(name)) {
    throw new UserError(`unknown weight init "${name}": expected one of ${WEIGHT_INITS.join(', ')}`);
  }
  return name as WeightInit;
}

/** The standard deviation the scheme gives for a weight with these fans. */
export function initStd(scheme: WeightInit, fanIn: number, fanOut: number): number {
  const fan = scheme.includes('backward') ? fanOut : fanIn;
  const gain = scheme.startsWith('he') ? 2 : 1;
  return Math.sqrt(gain / Math.max(1, fan));
}

/** Fills `w` in place (no gradient recorded). */
export function initWeight(w: Tensor, scheme: WeightInit, fanIn: number, fanOut: number): void {
  const std = initStd(scheme, fanIn, fanOut);
  noGrad(() => {
    if (scheme.endsWith('-uniform')) w.uniform_(-std * Math.sqrt(3), std * Math.sqrt(3));
    else w.normal_(0, std);
  });
}
