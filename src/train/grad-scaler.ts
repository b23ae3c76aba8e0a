/**
 * Loss scaling for fp16 training (torch.cuda.amp.GradScaler's policy): the loss is multiplied by
 * `scale` before backward so small fp16 gradients do not flush to zero; before the solver step the
 * gradients are divided by it and checked. A step with an inf/NaN gradient is skipped and the scale
 * halved; after `growthInterval` good steps in a row it doubles.
 */
import { noGrad, scope, type Tensor } from '../torch/index.js';

export class GradScaler {
  scale: number;
  #good = 0;
  constructor(readonly o: { initScale?: number; growthFactor?: number; backoffFactor?: number; growthInterval?: number } = {}) {
    this.scale = o.initScale ?? 2 ** 16;
  }

  /**
   * Divides every gradient of `params` by the scale; returns whether all are finite (the step may
   * go ahead) and updates the scale for the next step.
   */
  unscale(params: Tensor[]): boolean {
    const finite = scope(() =>
      noGrad(() => {
        const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== undefined);
        if (!grads.length) return true;
        for (const g of grads) g.mul_(1 / this.scale);
        // One host sync for all gradients: any inf/NaN makes the sum of the flags non-zero.
        let bad = grads[0]!.isfinite().logicalNot().sum();
        for (const g of grads.slice(1)) bad = bad.add(g.isfinite().logicalNot().sum());
        return bad.item() === 0;
      }),
    );
    if (!finite) {
      this.scale *= this.o.backoffFactor ?? 0.5;
      this.#good = 0;
    } else if (++this.#good >= (this.o.growthInterval ?? 2000)) {
      this.scale *= this.o.growthFactor ?? 2;
      this.#good = 0;
    }
    return finite;
  }
}
