/**
 * An exponential moving average of the weights (`--ema`), the way Ultralytics' ModelEMA keeps it:
 * after every solver step each parameter and floating-point buffer (BN running statistics) moves
 * its average by `1 − d`, with `d = decay · (1 − exp(−updates / ramp))`, so the average forgets its
 * random start quickly and settles on `decay` later. The test pass, snapshots and the final model
 * use the averaged weights; training goes on with the live ones.
 */
import { noGrad, type Tensor } from '../torch/index.js';
import type { NamedTensor } from './model-like.js';

export class WeightAverage {
  /** Solver steps averaged so far. */
  updates = 0;
  private readonly live: NamedTensor[];
  private readonly average: Tensor[];

  /** `tensors`: the model's parameters and buffers; only floating-point ones are averaged. */
  constructor(tensors: NamedTensor[], readonly decay: number, readonly ramp: number) {
    this.live = tensors.filter((t) => t.tensor.dtype === 'float32' || t.tensor.dtype === 'float64' || t.tensor.dtype === 'float16');
    this.average = noGrad(() => this.live.map((t) => t.tensor.detach().clone()));
  }

  /** The weight the newest value gets in the next update. */
  get rate(): number {
    return 1 - this.decay * (1 - Math.exp(-(this.updates + 1) / this.ramp));
  }

  /** Moves the average towards the live weights (call after each solver step). */
  update(): void {
    const w = this.rate;
    noGrad(() => {
      for (let i = 0; i < this.live.length; i++) this.average[i]!.lerp_(this.live[i]!.tensor, w);
    });
    this.updates++;
  }

  /** Runs `fn` with the averaged weights in the model, then puts the live weights back. */
  async withAverage<T>(fn: () => T | Promise<T>): Promise<T> {
    this.swap();
    try {
      return await fn();
    } finally {
      this.swap();
    }
  }

  /**
   * The live weights by name, for the checkpoint: snapshots hold the averaged weights, so a
   * resumed run needs the live ones from the checkpoint to continue exactly.
   */
  liveTensors(): Record<string, Tensor> {
    return Object.fromEntries(this.live.map((t) => [t.name, t.tensor]));
  }

  /**
   * Continues from a checkpoint. The model was loaded from the snapshot, so the average (copied
   * from the model at construction) is already right; the live weights come from `live`.
   */
  resume(live: Record<string, Tensor>, updates: number): void {
    noGrad(() => {
      for (const t of this.live) if (live[t.name]) t.tensor.copy_(live[t.name]!);
    });
    this.updates = updates;
  }

  dispose(): void {
    for (const t of this.average) t.dispose();
  }

  private swap(): void {
    noGrad(() => {
      for (let i = 0; i < this.live.length; i++) {
        const live = this.live[i]!.tensor;
        const keep = live.clone();
        live.copy_(this.average[i]!);
        this.average[i]!.copy_(keep);
        keep.dispose();
      }
    });
  }
}
