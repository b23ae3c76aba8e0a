/**
 * Worker threads for the loader's uint8 → float conversion (`writeChw`: resampling, photometric
 * change, mirror). It is the loader's heaviest JavaScript; on the main thread it capped the loader
 * at one core while libvips decoded on the others. Jobs write into a `SharedArrayBuffer` (the
 * batch being assembled), so only the decoded uint8 pixels travel, and only one way.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ChwWrite } from '../runtime/convert.js';

interface Slot {
  worker: Worker;
  /** Jobs posted and not yet answered. */
  queued: number;
}

type Reply = { id: number; error?: string };

/** A set of conversion workers, started on first use and kept for the life of the process. */
export class ConvertPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { slot: Slot; resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(private size: number) {}

  /** Allows up to `n` workers (never fewer than before). */
  grow(n: number): void {
    this.size = Math.max(this.size, n);
  }

  /**
   * Converts one image (`writeChw`'s arguments; `dst` must be a view of a SharedArrayBuffer) on
   * the least busy worker; resolves once its pixels are in `job.dst`.
   */
  convert(job: ChwWrite): Promise<void> {
    if (!(job.dst.buffer instanceof SharedArrayBuffer)) throw new Error('ConvertPool: the destination must be a view of a SharedArrayBuffer');
    const slot = this.pick();
    const id = this.nextId++;
    // A view of part of a larger buffer would clone the whole buffer: send just its bytes.
    const src = job.src.byteLength === job.src.buffer.byteLength ? job.src : job.src.slice();
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { slot, resolve, reject });
      if (slot.queued++ === 0) slot.worker.ref(); // keep the process alive while a job is out
      slot.worker.postMessage({ id, job: { ...job, src } });
    });
  }

  private pick(): Slot {
    let best = this.slots.reduce<Slot | undefined>((b, s) => (!b || s.queued < b.queued ? s : b), undefined);
    if (!best || (best.queued > 0 && this.slots.length < this.size)) {
      best = { worker: startWorker(), queued: 0 };
      const slot = best;
      slot.worker.on('message', (r: Reply) => this.answer(slot, r));
      slot.worker.on('error', (e) => this.fail(slot, e));
      slot.worker.unref();
      this.slots.push(slot);
    }
    return best;
  }

  private answer(slot: Slot, r: Reply): void {
    if (--slot.queued === 0) slot.worker.unref();
    const w = this.waiting.get(r.id);
    this.waiting.delete(r.id);
    if (r.error) w?.reject(new Error(`conversion worker: ${r.error}`));
    else w?.resolve();
  }

  /** A worker that died takes its jobs with it: they reject, and later jobs go to a new one. */
  private fail(slot: Slot, e: Error): void {
    this.slots.splice(this.slots.indexOf(slot), 1);
    for (const [id, w] of this.waiting) {
      if (w.slot !== slot) continue;
      this.waiting.delete(id);
      w.reject(new Error(`conversion worker failed: ${e.message}`));
    }
  }
}

/**
 * Starts a worker on convert-worker. Compiled, that is a .js file next to this one; under tsx
 * (tests, benchmarks) only the .ts source exists, and a worker does not inherit tsx's loader,
 * so a small bootstrap registers it first.
 */
function startWorker(): Worker {
  const js = new URL('./convert-worker.js', import.meta.url);
  if (existsSync(js)) return new Worker(js);
  const ts = new URL('./convert-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); })`, { eval: true });
}

let shared: ConvertPool | undefined;

/** The process-wide pool, with room for at least `n` workers. */
export function convertPool(n: number): ConvertPool {
  if (!shared) shared = new ConvertPool(n);
  else shared.grow(n);
  return shared;
}
