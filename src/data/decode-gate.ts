/**
 * The loader's limit on libvips decodes running at once (`--workers`). A free slot goes to
 * the waiting sample earliest in epoch order, since the consumer takes samples in that order.
 */
import type { Gate } from './decode.js';

export class DecodeGate {
  private running = 0;
  /** Waiting samples, sorted by position in the epoch. */
  private readonly waiting: { pos: number; go: () => void }[] = [];

  constructor(readonly slots: number) {}

  /** Decodes currently running. */
  get active(): number {
    return this.running;
  }

  /** The gate for the sample at epoch position `pos`. */
  for(pos: number): Gate {
    return async (work) => {
      if (this.running >= this.slots) {
        await new Promise<void>((go) => {
          const at = this.waiting.findIndex((w) => w.pos > pos);
          this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { pos, go });
        });
      } else this.running++;
      try {
        return await work();
      } finally {
        // The slot passes straight to the next waiter, so `running` stays the same.
        const next = this.waiting.shift();
        if (next) next.go();
        else this.running--;
      }
    };
  }
}
