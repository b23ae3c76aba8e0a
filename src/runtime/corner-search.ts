/**
 * From corners to candidate boxes, for one image (DETECTOR.md §2). Works on the corner logits
 * (l = ln p − ln(1 − p)) of a W×H map, a Float32Array [4, H, W] (types in CORNER_TYPES order).
 * Pure typed-array code (no tensors), shared by the libtorch path and the runtime;
 * src/detect/corner-search-tensor.ts is the same search as tensor ops (used on CUDA).
 *
 *  1. selectCorners: per type, the cells with p > τ, at most M (the most probable; ties by cell
 *     index), and with corner clustering (m > 0) only cells that are the maximum of their (2m+1)²
 *     window. The cap M bounds the search: pairing costs at most 2·M² whatever the number of cells
 *     above the threshold (an untrained map at its prior puts half the cells there).
 *  2. searchBoxes: pairs top-left × bottom-right and top-right × bottom-left cells spanning a box
 *     (x1 ≥ x0, y1 ≥ y0), scores each box by the naive-Bayes posterior of its four corners,
 *     s = σ(Σ_k l_k) with l_k looked up at the box's four corner cells, drops duplicates,
 *     optionally suppresses boxes overlapping a better one by IoU > ω, and keeps the best K.
 *
 * Pairing M×M cells naively visits every pair; instead the candidates are visited best-first and
 * a pair is skipped (and the rest of its row) once its partial score plus the best possible other
 * two corners cannot beat the K-th best box found so far (a min-heap). Boxes rank by score, then
 * by cell key (y0·W + x0)·W·H + (y1·W + x1), so the result is deterministic.
 */
import { iouAt } from './boxes.js';

export interface CornerSelectOptions {
  /** Corner threshold τ: keep cells with p > τ. */
  threshold: number;
  /** M: at most this many cells per type (DEFAULT_MAX_CORNERS unless the DNS token sets it). */
  maxCorners: number;
  /** Corner clustering window m: keep a cell only if it is the max of its (2m+1)² window; 0 = off. */
  cluster: number;
}

/**
 * The default cap M on corners per type. The papers use 1024; 256 bounds the pairing at 2·256²
 * pairs (about 9 ms on one CPU core for a map at its prior, against 70 ms at 1024; bench
 * detect-latency) and left the detections of trained models unchanged in our measurements
 * (bench corner-cap).
 */
export const DEFAULT_MAX_CORNERS = 256;

/** Selected cells of one image: per corner type, flat cell indices (y·W + x), best first. */
export type CornerCandidates = [Int32Array, Int32Array, Int32Array, Int32Array];

/** Corner types, in the order of the corner map's 4 channels. */
export const CORNER_TYPES = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export const TL = 0, TR = 1, BL = 2, BR = 3;

/** ln(p / (1 − p)): the corner threshold as a logit. */
export const logit = (p: number): number => Math.log(p) - Math.log1p(-p);

/**
 * Step 1 on typed arrays. logits: [4, H, W] of one image. One pass over the cells with a bounded
 * heap of the best M (O(H·W·log M)), then a sort of those M.
 */
export function selectCorners(logits: Float32Array, w: number, h: number, o: CornerSelectOptions): CornerCandidates {
  const thr = logit(o.threshold);
  const m = o.cluster;
  const hw = w * h;
  const cap = Math.max(0, Math.min(o.maxCorners, hw));
  const out: Int32Array[] = [];
  const heap = new Int32Array(cap);
  for (let k = 0; k < 4; k++) {
    const base = k * hw;
    // Min-heap of cells, the worst kept (lowest logit, then highest index) at the root.
    const worse = (a: number, b: number): boolean => logits[base + a]! < logits[base + b]! || (logits[base + a] === logits[base + b] && a > b);
    let n = 0;
    for (let c = 0; c < hw; c++) {
      const v = logits[base + c]!;
      if (!(v > thr)) continue;
      if (n === cap && !worse(heap[0]!, c)) continue;
      if (m > 0 && !isWindowMax(logits, base, w, h, c % w, Math.floor(c / w), m, v)) continue;
      let i: number;
      if (n < cap) {
        i = n++;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (!worse(c, heap[p]!)) break;
          heap[i] = heap[p]!;
          i = p;
        }
      } else {
        i = 0;
        for (;;) {
          const l = 2 * i + 1, r = l + 1;
          let s = -1, sc = c;
          if (l < n && worse(heap[l]!, sc)) (s = l), (sc = heap[l]!);
          if (r < n && worse(heap[r]!, sc)) s = r;
          if (s < 0) break;
          heap[i] = heap[s]!;
          i = s;
        }
      }
      heap[i] = c;
    }
    const cells = heap.slice(0, n);
    cells.sort((a, b) => logits[base + b]! - logits[base + a]! || a - b);
    out.push(cells);
  }
  return out as CornerCandidates;
}

function isWindowMax(l: Float32Array, base: number, w: number, h: number, x: number, y: number, m: number, v: number): boolean {
  const ya = Math.max(0, y - m), yb = Math.min(h - 1, y + m), xa = Math.max(0, x - m), xb = Math.min(w - 1, x + m);
  for (let yy = ya; yy <= yb; yy++) for (let xx = xa; xx <= xb; xx++) if (l[base + yy * w + xx]! > v) return false;
  return true;
}

export interface BoxSearchOptions {
  /** How many boxes to keep (N²). */
  count: number;
  /** RoI clustering: suppress a box overlapping a better one by IoU > ω before keeping the best; 1 = off. */
  roiCluster: number;
}

export interface SearchedBoxes {
  /** count·4 normalised boxes (x0, y0, x1, y1), best first. */
  boxes: Float32Array;
  /** count posteriors s = σ(Σ_k l_k), descending. */
  scores: Float32Array;
  count: number;
}

/** A bounded min-heap of (score, key) keeping the best `cap` entries; worse = lower score, then larger key. */
class TopHeap {
  readonly s: Float64Array;
  readonly k: Float64Array;
  n = 0;
  constructor(readonly cap: number) {
    this.s = new Float64Array(cap);
    this.k = new Float64Array(cap);
  }
  get full(): boolean {
    return this.n >= this.cap;
  }
  /** The worst kept score (−∞ while not full). */
  get floor(): number {
    return this.full ? this.s[0]! : -Infinity;
  }
  private worse(i: number, j: number): boolean {
    return this.s[i]! < this.s[j]! || (this.s[i] === this.s[j] && this.k[i]! > this.k[j]!);
  }
  private swap(i: number, j: number): void {
    const s = this.s[i]!, k = this.k[i]!;
    this.s[i] = this.s[j]!, this.k[i] = this.k[j]!;
    this.s[j] = s, this.k[j] = k;
  }
  push(score: number, key: number): void {
    if (!this.full) {
      let i = this.n++;
      this.s[i] = score, this.k[i] = key;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (score < this.s[0]! || (score === this.s[0] && key > this.k[0]!)) return;
    this.s[0] = score, this.k[0] = key;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < this.n && this.worse(l, m)) m = l;
      if (r < this.n && this.worse(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
  /** Entries best first. */
  sorted(): { score: number; key: number }[] {
    const out = Array.from({ length: this.n }, (_, i) => ({ score: this.s[i]!, key: this.k[i]! }));
    return out.sort((a, b) => b.score - a.score || a.key - b.key);
  }
}

/**
 * The pruning bound and a box's score sum the same four logits in different orders, so they can
 * differ by float64 rounding (~1e-14); a pair is pruned only when the bound falls short of the
 * floor by more than this, so a box that ties the floor is still visited and the key decides.
 */
const PRUNE_SLACK = 1e-9;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Step 2: the best `count` boxes of one image from its corner logits [4, H, W] and candidates.
 * May return fewer than `count` (the caller pads). See the module comment.
 */
export function searchBoxes(logits: Float32Array, cand: CornerCandidates, w: number, h: number, o: BoxSearchOptions): SearchedBoxes {
  const hw = w * h;
  const maxOf = (k: number): number => {
    let m = -Infinity;
    for (let i = k * hw; i < (k + 1) * hw; i++) if (logits[i]! > m) m = logits[i]!;
    return m;
  };
  const best = [maxOf(TL), maxOf(TR), maxOf(BL), maxOf(BR)];
  const score = (x0: number, y0: number, x1: number, y1: number): number =>
    logits[TL * hw + y0 * w + x0]! + logits[TR * hw + y0 * w + x1]! + logits[BL * hw + y1 * w + x0]! + logits[BR * hw + y1 * w + x1]!;

  // A top-right × bottom-left box whose top-left and bottom-right cells are both candidates is
  // also a top-left × bottom-right box: the second pairing skips it. (If the first pairing pruned
  // it, its score was below the heap's floor then, and the floor only rises.)
  const member = (t: number): Uint8Array => {
    const m = new Uint8Array(hw);
    for (const c of cand[t]) m[c] = 1;
    return m;
  };
  const isTL = member(TL), isBR = member(BR);

  const collect = (cap: number): { score: number; key: number }[] => {
    const heap = new TopHeap(cap);
    const visit = (x0: number, y0: number, x1: number, y1: number, second: boolean): void => {
      if (second && isTL[y0 * w + x0] && isBR[y1 * w + x1]) return;
      heap.push(score(x0, y0, x1, y1), (y0 * w + x0) * hw + (y1 * w + x1));
    };
    // a: the corner fixing (x0 or x1, y0); b: the opposite corner; the other two add at most `rest`.
    const pairUp = (ta: number, tb: number, rest: number, aIsLeft: boolean): void => {
      const A = cand[ta], B = cand[tb];
      if (!A.length || !B.length) return;
      const bTop = logits[tb * hw + B[0]!]!;
      for (let i = 0; i < A.length; i++) {
        const ca = A[i]!;
        const la = logits[ta * hw + ca]!;
        if (heap.full && la + bTop + rest < heap.floor - PRUNE_SLACK) break;
        const ax = ca % w, ay = (ca - ax) / w;
        for (let j = 0; j < B.length; j++) {
          const cb = B[j]!;
          if (heap.full && la + logits[tb * hw + cb]! + rest < heap.floor - PRUNE_SLACK) break;
          const bx = cb % w, by = (cb - bx) / w;
          if (by < ay) continue;
          if (aIsLeft ? bx < ax : bx > ax) continue;
          if (aIsLeft) visit(ax, ay, bx, by, false);
          else visit(bx, ay, ax, by, true);
        }
      }
    };
    pairUp(TL, BR, best[TR]! + best[BL]!, true);
    pairUp(TR, BL, best[TL]! + best[BR]!, false);
    return heap.sorted();
  };

  const toBox = (key: number, out: Float32Array, i: number): void => {
    const a = Math.floor(key / hw), b = key - a * hw;
    const x0 = a % w, y0 = (a - x0) / w, x1 = b % w, y1 = (b - x1) / w;
    out[i * 4] = x0 / w, out[i * 4 + 1] = y0 / h, out[i * 4 + 2] = (x1 + 1) / w, out[i * 4 + 3] = (y1 + 1) / h;
  };

  let found: { score: number; key: number }[];
  if (o.roiCluster >= 1) found = collect(o.count);
  else {
    // Suppression only looks at better boxes, so the first `count` survivors of a best-first
    // prefix are final; widen the prefix until enough survive or every box has been seen.
    let cap = Math.max(o.count * 4, 16);
    for (;;) {
      const all = collect(cap);
      const boxes = new Float32Array(all.length * 4);
      all.forEach((c, i) => toBox(c.key, boxes, i));
      const kept: number[] = [];
      for (let i = 0; i < all.length && kept.length < o.count; i++) {
        if (kept.every((j) => iouAt(boxes, i, boxes, j) <= o.roiCluster)) kept.push(i);
      }
      if (kept.length >= o.count || all.length < cap) {
        found = kept.map((i) => all[i]!);
        break;
      }
      cap *= 4;
    }
  }
  const count = Math.min(found.length, o.count);
  const boxes = new Float32Array(count * 4);
  const scores = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    toBox(found[i]!.key, boxes, i);
    scores[i] = sigmoid(found[i]!.score);
  }
  return { boxes, scores, count };
}

/** Both steps for one image: logits [4, H, W] → the best `count` boxes. */
export function cornerSearch(logits: Float32Array, w: number, h: number, o: CornerSelectOptions & BoxSearchOptions): SearchedBoxes {
  return searchBoxes(logits, selectCorners(logits, w, h, o), w, h, o);
}

