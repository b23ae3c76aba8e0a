/**
 * Corner search on a hand-built corner map (which boxes, which order, clustering on and off), the
 * pruned pairing against brute force, RoI clustering, the bounded selection, and the tensor-op
 * search (corner-search-tensor.ts) against the typed-array one: the same boxes in the same order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidatesOf, cornerSearch, iouAt, searchBoxes, selectCorners, selectCornersTensor } from '../../src/detect/index.js';
import { Rng } from '../../src/util/rng.js';
import { tensor } from '../../src/torch/index.js';
import { assertClose } from '../helpers/close.js';
import { assertSameSearch } from '../helpers/search.js';

const W = 8, H = 8;
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** An 8×8 corner-logit map at −10 with a few hand-placed corners: [type, x, y, logit]. */
function handMap(): Float32Array {
  const l = new Float32Array(4 * H * W).fill(-10);
  const put = (k: number, x: number, y: number, v: number) => (l[(k * H + y) * W + x] = v);
  put(0, 1, 1, 3); // TL
  put(0, 2, 1, 2.5); // TL next to the first: removed by corner clustering
  put(0, 5, 2, 0.5); // TL
  put(1, 4, 1, 1); // TR
  put(2, 1, 5, 1); // BL
  put(3, 4, 5, 2); // BR
  put(3, 6, 6, 1.5); // BR
  return l;
}
const cell = (x0: number, y0: number, x1: number, y1: number) => [x0 / W, y0 / H, (x1 + 1) / W, (y1 + 1) / H];
const opts = { threshold: 0.01, maxCorners: 1024, cluster: 0, count: 10, roiCluster: 1 };

test('hand-built map: boxes, scores and order without clustering', () => {
  const r = cornerSearch(handMap(), W, H, opts);
  assert.equal(r.count, 5);
  // Scores: Σ logits at the four corner cells (TL + TR + BL + BR), through σ.
  const expect = [
    [cell(1, 1, 4, 5), 3 + 1 + 1 + 2], // found by TL×BR and by TR×BL: listed once
    [cell(2, 1, 4, 5), 2.5 + 1 - 10 + 2],
    [cell(1, 1, 6, 6), 3 - 10 - 10 + 1.5],
    [cell(2, 1, 6, 6), 2.5 - 10 - 10 + 1.5],
    [cell(5, 2, 6, 6), 0.5 - 10 - 10 + 1.5],
  ] as const;
  assertClose(Array.from(r.boxes), expect.flatMap((e) => e[0]), 1e-7);
  assertClose(Array.from(r.scores), expect.map((e) => sig(e[1])), 1e-6, 1e-5);
  // Fewer requested: the best ones.
  const two = cornerSearch(handMap(), W, H, { ...opts, count: 2 });
  assertClose(Array.from(two.boxes), [...cell(1, 1, 4, 5), ...cell(2, 1, 4, 5)], 1e-7);
});

test('hand-built map: corner clustering keeps only neighbourhood maxima', () => {
  const c = selectCorners(handMap(), W, H, { threshold: 0.01, maxCorners: 1024, cluster: 1 });
  assert.deepEqual(Array.from(c[0]), [1 * W + 1, 2 * W + 5]);
  const r = cornerSearch(handMap(), W, H, { ...opts, cluster: 1 });
  assertClose(Array.from(r.boxes), [...cell(1, 1, 4, 5), ...cell(1, 1, 6, 6), ...cell(5, 2, 6, 6)], 1e-7);
  // Threshold: corners at p ≤ τ are not candidates (TL 0.5 has p = 0.62).
  const hi = selectCorners(handMap(), W, H, { threshold: 0.7, maxCorners: 1024, cluster: 0 });
  assert.deepEqual(Array.from(hi[0]), [1 * W + 1, 1 * W + 2]);
  // At most M per type, the most probable.
  assert.deepEqual(Array.from(selectCorners(handMap(), W, H, { threshold: 0.01, maxCorners: 1, cluster: 0 })[0]), [W + 1]);
});

/** All valid pairs, deduplicated, scored and sorted (score, then key) — the unpruned reference. */
function bruteForce(l: Float32Array, w: number, h: number, thr: number, k: number): { boxes: number[]; scores: number[] } {
  const hw = w * h;
  const lt = Math.log(thr) - Math.log1p(-thr);
  const cands = [0, 1, 2, 3].map((t) => Array.from({ length: hw }, (_, i) => i).filter((i) => l[t * hw + i]! > lt));
  const seen = new Map<number, number>();
  const add = (x0: number, y0: number, x1: number, y1: number) => {
    if (x1 < x0 || y1 < y0) return;
    const key = (y0 * w + x0) * hw + (y1 * w + x1);
    seen.set(key, l[y0 * w + x0]! + l[hw + y0 * w + x1]! + l[2 * hw + y1 * w + x0]! + l[3 * hw + y1 * w + x1]!);
  };
  for (const a of cands[0]!) for (const b of cands[3]!) add(a % w, Math.floor(a / w), b % w, Math.floor(b / w));
  for (const a of cands[1]!) for (const b of cands[2]!) add(b % w, Math.floor(a / w), a % w, Math.floor(b / w));
  const list = [...seen].sort((p, q) => q[1] - p[1] || p[0] - q[0]).slice(0, k);
  const boxes: number[] = [];
  for (const [key] of list) {
    const a = Math.floor(key / hw), b = key % hw;
    boxes.push((a % w) / w, Math.floor(a / w) / h, ((b % w) + 1) / w, (Math.floor(b / w) + 1) / h);
  }
  return { boxes, scores: list.map((p) => sig(p[1])) };
}

test('pruned best-first pairing equals brute force on random maps', () => {
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const w = 13, h = 11;
    const l = Float32Array.from({ length: 4 * w * h }, () => -4 + 3 * (rng.next() + rng.next() - 1));
    for (const k of [1, 16, 100]) {
      const ref = bruteForce(l, w, h, 0.01, k);
      const got = cornerSearch(l, w, h, { ...opts, count: k });
      assertClose(Array.from(got.boxes), ref.boxes, 1e-7, 0, `seed ${seed} k ${k} boxes`);
      assertClose(Array.from(got.scores), ref.scores, 1e-6, 1e-5, `seed ${seed} k ${k} scores`);
    }
  }
});

test('RoI clustering: no kept pair overlaps above ω, and each dropped box overlaps a better kept one', () => {
  const rng = new Rng(9);
  const w = 10, h = 10;
  const l = Float32Array.from({ length: 4 * w * h }, () => -3 + 2 * rng.next());
  const all = cornerSearch(l, w, h, { ...opts, count: 100000 });
  const omega = 0.5;
  const kept = cornerSearch(l, w, h, { ...opts, count: 30, roiCluster: omega });
  assert.equal(kept.count, 30);
  for (let i = 0; i < kept.count; i++) for (let j = 0; j < i; j++) assert.ok(iouAt(kept.boxes, i, kept.boxes, j) <= omega);
  // Greedy over the full ranked list gives the same first 30.
  const greedy: number[] = [];
  for (let i = 0; i < all.count && greedy.length < 30; i++) if (greedy.every((j) => iouAt(all.boxes, i, all.boxes, j) <= omega)) greedy.push(i);
  assertClose(Array.from(kept.boxes), greedy.flatMap((i) => Array.from(all.boxes.subarray(i * 4, i * 4 + 4))), 0);
});

test('tensor corner selection equals the typed-array one', () => {
  const rng = new Rng(4);
  const w = 9, h = 7;
  const l = Float32Array.from({ length: 2 * 4 * w * h }, () => -4 + 4 * rng.next());
  for (const cluster of [0, 1, 2]) {
    const o = { threshold: 0.05, maxCorners: 20, cluster };
    const t = candidatesOf(selectCornersTensor(tensor(l, { shape: [2, 4, h, w] }).to('float64'), o));
    for (let b = 0; b < 2; b++) {
      const ref = selectCorners(l.subarray(b * 4 * w * h, (b + 1) * 4 * w * h), w, h, o);
      for (let k = 0; k < 4; k++) assert.deepEqual(Array.from(t[b]![k]!), Array.from(ref[k]), `image ${b} type ${k} cluster ${cluster}`);
    }
  }
});

test('bounded selection: the M best cells above τ (ties by cell index), whatever M', () => {
  const w = 12, h = 10;
  for (const seed of [5, 6]) {
    const rng = new Rng(seed);
    // Half-step logits: many exact ties, as on a map sitting at its prior.
    const l = Float32Array.from({ length: 4 * w * h }, () => Math.round(-6 + 8 * rng.next()) / 2);
    for (const m of [1, 5, 17, 64, 1000]) {
      const got = selectCorners(l, w, h, { threshold: 0.1, maxCorners: m, cluster: 0 });
      for (let k = 0; k < 4; k++) {
        // Reference: every cell above the threshold, fully sorted, cut at M.
        const all = Array.from({ length: w * h }, (_, i) => i).filter((i) => l[k * w * h + i]! > Math.log(0.1 / 0.9));
        all.sort((a, b) => l[k * w * h + b]! - l[k * w * h + a]! || a - b);
        assert.deepEqual(Array.from(got[k]), all.slice(0, m), `seed ${seed} M ${m} type ${k}`);
      }
    }
  }
});

test('tensor-op search equals the typed-array search on random maps (boxes, order, clustering, caps, ties)', () => {
  const w = 13, h = 11, b = 2;
  for (const seed of [1, 2]) for (const ties of [false, true]) {
    const rng = new Rng(seed);
    const l = Float32Array.from({ length: b * 4 * w * h }, () => {
      const v = -4 + 3 * (rng.next() + rng.next() - 1);
      return ties ? Math.round(v * 2) / 2 : v;
    });
    for (const cluster of [0, 1]) for (const roiCluster of [1, 0.6]) for (const maxCorners of [7, 40]) {
      const o = { threshold: 0.01, maxCorners, cluster, count: 30, roiCluster };
      const n = assertSameSearch(l, b, w, h, o, `seed ${seed} ties ${ties} m ${cluster} ω ${roiCluster} M ${maxCorners}`);
      assert.ok(n > 0);
    }
  }
});

test('tensor-op search on a map at its prior (every cell a candidate): same boxes; fewer than asked are left to padding', () => {
  const w = 16, h = 16;
  const rng = new Rng(8);
  const prior = Math.log(0.01 / 0.99);
  const l = Float32Array.from({ length: 4 * w * h }, () => Math.fround(prior + 0.01 + 0.001 * rng.next()));
  assert.equal(assertSameSearch(l, 1, w, h, { threshold: 0.01, maxCorners: 16, cluster: 0, count: 100, roiCluster: 1 }, 'prior'), 100);
  // Two candidates per type: at most 2·2² pairs, fewer valid ones.
  const few = assertSameSearch(l, 1, w, h, { threshold: 0.01, maxCorners: 2, cluster: 0, count: 100, roiCluster: 1 }, 'M = 2');
  assert.ok(few < 8);
});

test('an empty corner map gives no boxes (the layer pads them)', () => {
  const r = searchBoxes(new Float32Array(4 * 16).fill(-20), [new Int32Array(0), new Int32Array(0), new Int32Array(0), new Int32Array(0)], 4, 4, { count: 9, roiCluster: 1 });
  assert.equal(r.count, 0);
});
