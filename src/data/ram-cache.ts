/**
 * The loader's `cache=ram`: decoded images by dataset index, filled on first read, within a byte
 * budget (by default half the memory that is free when the loader starts). Once the budget is
 * reached the rest are decoded from disk each epoch, with one warning.
 */
import { freemem } from 'node:os';
import type { RawImage } from './decode.js';

export class RamCache {
  private readonly images = new Map<number, RawImage>();
  private used = 0;
  private full = false;

  constructor(
    readonly budget: number = freemem() / 2,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** Bytes of pixels held. */
  get bytes(): number {
    return this.used;
  }

  /** Images held. */
  get size(): number {
    return this.images.size;
  }

  /** Image `index` from memory, else from `decode()` (kept when it fits the budget). */
  async image(index: number, decode: () => Promise<RawImage>): Promise<RawImage> {
    const hit = this.images.get(index);
    if (hit) return hit;
    const im = await decode();
    if (!this.full && this.used + im.pixels.byteLength <= this.budget) {
      this.images.set(index, im);
      this.used += im.pixels.byteLength;
    } else if (!this.full) {
      this.full = true;
      this.warn(`warning: cache=ram: the ${(this.budget / 2 ** 20).toFixed(0)} MiB budget is full after ${this.images.size} image${this.images.size === 1 ? '' : 's'}; the others are read from disk every epoch`);
    }
    return im;
  }
}
