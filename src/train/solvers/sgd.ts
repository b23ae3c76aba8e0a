/**
 * SGD with momentum and Nesterov momentum, as torch.optim.SGD (dampening 0):
 * g ← grad + λ·w (decay params); b ← μ·b + g; step = nesterov ? g + μ·b : b; w ← w − lr·step.
 */
import type { Tensor } from '../../torch/index.js';
import { invalidArg } from '../../util/errors.js';
import { Solver, type SolverParam } from './solver.js';

export class Sgd extends Solver {
  readonly name: 'sgd' | 'nesterov';

  constructor(params: ConstructorParameters<typeof Solver>[0], options: ConstructorParameters<typeof Solver>[1], nesterov = false) {
    super(params, options);
    this.name = nesterov ? 'nesterov' : 'sgd';
    const mu = this.momentum;
    if (!(mu >= 0 && mu < 1)) throw invalidArg('--momentum', 'a momentum in [0, 1)', mu);
    if (nesterov && mu === 0) throw invalidArg('--momentum', 'a momentum above 0 for nesterov', mu);
  }

  get momentum(): number {
    return this.options.momentum[0] ?? 0.9;
  }

  protected update(p: SolverParam, grad: Tensor, lr: number): void {
    const mu = this.momentum;
    if (mu === 0) {
      p.tensor.add_(grad, -lr);
      return;
    }
    const buf = this.slot('momentum', p);
    buf.mul_(mu).add_(grad);
    p.tensor.add_(this.name === 'nesterov' ? grad.add(buf, mu) : buf, -lr);
  }
}
