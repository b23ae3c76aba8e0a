/**
 * The learning-rate schedule: `--learn-rate R`, `--learn-anneal F`, `--learn-anneal-epochs E1 E2 …`.
 * The rate is multiplied by F after each listed epoch (after every epoch when no list is given).
 * Epochs here are 0-based indices of the epoch about to run; "after epoch E" means index ≥ E.
 */
import { invalidArg } from '../util/errors.js';

export interface ScheduleOptions {
  rate: number;
  /** Multiplier applied at each anneal point; 1 = constant rate. */
  anneal: number;
  /** 1-based epoch counts after which to anneal; undefined or empty = after every epoch. */
  annealEpochs?: number[];
}

export class LearnSchedule {
  constructor(readonly o: ScheduleOptions) {
    if (!(Number.isFinite(o.rate) && o.rate > 0)) throw invalidArg('--learn-rate', 'a positive number', o.rate);
    if (!(Number.isFinite(o.anneal) && o.anneal > 0)) throw invalidArg('--learn-anneal', 'a positive number', o.anneal);
    for (const e of o.annealEpochs ?? []) if (!(Number.isInteger(e) && e >= 1)) throw invalidArg('--learn-anneal-epochs', 'positive integers', e);
  }

  /** The learning rate for 0-based epoch index `epoch`. */
  rate(epoch: number): number {
    const list = this.o.annealEpochs;
    const n = list && list.length ? list.filter((e) => epoch >= e).length : epoch;
    let r = this.o.rate;
    for (let i = 0; i < n; i++) r *= this.o.anneal;
    return r;
  }

  toJSON(): ScheduleOptions {
    return { ...this.o, annealEpochs: this.o.annealEpochs ? [...this.o.annealEpochs] : undefined };
  }
}
