/**
 * The learning-rate schedule.
 *
 * * `step` (the default, the original tool's): `--lr R`, `--lr-gamma F`,
 *   `--lr-steps E1 E2 …`: the rate is multiplied by F after each listed epoch (after
 *   every epoch when no list is given), and is constant within an epoch.
 * * `cosine` and `linear` (`--lr-schedule`, like PyTorch's CosineAnnealingLR / LinearLR and
 *   Ultralytics' `cos_lr`/`lrf`): the rate falls every solver step, from R at the start to
 *   R × `--lr-final` at the end of the last epoch, along half a cosine or a straight line.
 *
 * Epochs here are 0-based indices of the epoch running; "after epoch E" means index ≥ E.
 */
import { invalidArg } from '../util/errors.js';

export const SCHEDULES = ['step', 'cosine', 'linear'] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];

export interface ScheduleOptions {
  rate: number;
  /** Multiplier applied at each anneal point (`step`); 1 = constant rate. */
  anneal: number;
  /** 1-based epoch counts after which to anneal (`step`); undefined or empty = after every epoch. */
  annealEpochs?: number[];
  /** How the rate moves; default `step`. */
  kind?: ScheduleKind;
  /** `cosine`/`linear`: the final rate as a fraction of `rate` (default 0.01, Ultralytics' lrf). */
  final?: number;
  /** `cosine`/`linear`: the number of epochs the rate falls over (the run's --epochs). */
  epochs?: number;
}

export class LearnSchedule {
  constructor(readonly o: ScheduleOptions) {
    if (!(Number.isFinite(o.rate) && o.rate > 0)) throw invalidArg('--lr', 'a positive number', o.rate);
    if (!(Number.isFinite(o.anneal) && o.anneal > 0)) throw invalidArg('--lr-gamma', 'a positive number', o.anneal);
    for (const e of o.annealEpochs ?? []) if (!(Number.isInteger(e) && e >= 1)) throw invalidArg('--lr-steps', 'positive integers', e);
    if (o.kind !== undefined && !SCHEDULES.includes(o.kind)) throw invalidArg('--lr-schedule', SCHEDULES.join('|'), o.kind);
    if (o.final !== undefined && !(Number.isFinite(o.final) && o.final >= 0 && o.final <= 1)) throw invalidArg('--lr-final', 'a number in [0, 1]', o.final);
    if (this.kind !== 'step' && !(Number.isInteger(o.epochs) && o.epochs! >= 1)) throw invalidArg('epochs', 'a positive integer', o.epochs);
  }

  get kind(): ScheduleKind {
    return this.o.kind ?? 'step';
  }

  /**
   * The learning rate in 0-based epoch `epoch`, `progress` ∈ [0, 1) of the way through it (the
   * `step` schedule ignores `progress`).
   */
  rate(epoch: number, progress = 0): number {
    const { rate, final = 0.01, epochs = 1 } = this.o;
    if (this.kind === 'step') {
      const list = this.o.annealEpochs;
      const n = list && list.length ? list.filter((e) => epoch >= e).length : epoch;
      let r = rate;
      for (let i = 0; i < n; i++) r *= this.o.anneal;
      return r;
    }
    const t = Math.min(1, Math.max(0, (epoch + progress) / epochs));
    const fall = this.kind === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
    return rate * (1 - (1 - final) * fall);
  }

  toJSON(): ScheduleOptions {
    return { ...this.o, annealEpochs: this.o.annealEpochs ? [...this.o.annealEpochs] : undefined };
  }
}
