/**
 * Adam as torch.optim.Adam (L2 decay added to the gradient, not AdamW):
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
 */
import type { Tensor } from '../../torch/index.js';
import { invalidArg } from '../../util/errors.js';
import { Solver, type SolverParam } from './solver.js';

export class Adam extends Solver {
  readonly name = 'adam';
  /** Steps taken (t in the bias corrections). */
  stepCount = 0;

  get betas(): [number, number] {
    return [this.options.momentum[0] ?? 0.9, this.options.momentum[1] ?? 0.999];
  }

  protected override beginStep(): void {
    this.stepCount++;
    const [b1, b2] = this.betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw invalidArg('--momentum', 'Adam β1 β2 in [0, 1)', `${b1} ${b2}`);
  }

  protected update(p: SolverParam, grad: Tensor, lr: number): void {
    const [b1, b2] = this.betas;
    const eps = this.options.eps ?? 1e-8;
    const m = this.slot('exp_avg', p);
    const v = this.slot('exp_avg_sq', p);
    m.mul_(b1).add_(grad, 1 - b1);
    v.mul_(b2).addcmul_(grad, grad, 1 - b2);
    const bc1 = 1 - b1 ** this.stepCount;
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.stepCount);
    const denom = v.sqrt().div_(bc2Sqrt).add_(eps);
    p.tensor.addcdiv_(m, denom, -lr / bc1);
  }

  protected override metaState(): Record<string, unknown> {
    return { step: this.stepCount };
  }
  protected override loadMetaState(meta: Record<string, unknown>): void {
    this.stepCount = Number(meta.step ?? 0);
  }
}
