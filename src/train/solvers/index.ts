/** `--solver sgd|nesterov|adam`: builds a solver over a model's parameters. */
import { UserError } from '../../util/errors.js';
import { Adam } from './adam.js';
import { Sgd } from './sgd.js';
import type { Solver, SolverOptions, SolverParam } from './solver.js';

export { Solver, type SolverOptions, type SolverParam, type SolverState } from './solver.js';
export { Sgd } from './sgd.js';
export { Adam } from './adam.js';

export const SOLVERS = ['sgd', 'nesterov', 'adam'] as const;
export type SolverName = (typeof SOLVERS)[number];

/** Default `--momentum` per solver: 0.9 for SGD/Nesterov, β = 0.9 0.999 for Adam (the usual choices). */
export function defaultMomentum(name: SolverName): number[] {
  return name === 'adam' ? [0.9, 0.999] : [0.9];
}

export function isSolverName(name: string): name is SolverName {
  return (SOLVERS as readonly string[]).includes(name);
}

export function createSolver(name: string, params: SolverParam[], options: SolverOptions): Solver {
  if (!isSolverName(name)) throw new UserError(`unknown solver "${name}" (expected ${SOLVERS.join(', ')})`);
  if (name === 'adam') return new Adam(params, options);
  return new Sgd(params, options, name === 'nesterov');
}
