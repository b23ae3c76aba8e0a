/**
 * The corner search of src/runtime/corner-search.ts as tensor ops on a batch, so that it runs where the corner
 * map is (CUDA: no copy of the map to the host, no synchronisation). It gives the same boxes in
 * the same order as the typed-array search: the same cells (logits compared in float64, ties by
 * cell index through stable sorts), the same scores (the four float64 logits summed in the same
 * order), the same ranking (score, then cell key), the same float32 box coordinates (read from a
 * table computed like the typed-array code), and the same greedy RoI clustering.
 *
 *  1. selectCornersTensor: threshold, clustering by a (2m+1)² max-pool, the M best cells per type.
 *  2. Pairing: all M×M top-left × bottom-right and top-right × bottom-left pairs at once
 *     ([B, M, M]; M is capped, see DEFAULT_MAX_CORNERS), scored by gathers; a top-right ×
 *     bottom-left box whose top-left and bottom-right cells are both candidates is the first
 *     pairing's box too and is dropped there.
 *  3. Ranking: a stable sort by key, then a stable sort by score (descending).
 *  4. RoI clustering (ω < 1): greedy suppression over the ranked list, computed as the fixed
 *     point of keep[i] = valid[i] ∧ ¬∃ j < i: keep[j] ∧ IoU(j, i) > ω (the greedy result is the
 *     only fixed point; each round fixes at least one more position). Checking for the fixed
 *     point and widening the prefix read a flag from the device: the only synchronisations, and
 *     only with RoI clustering on.
 */
import { F, arange, cat, noGrad, scope, where, zeros, type Tensor } from '../torch/index.js';
import { BL, BR, TL, TR, logit, type BoxSearchOptions, type CornerCandidates, type CornerSelectOptions } from '../runtime/corner-search.js';

/** Per image and corner type the M best cells: [B, 4, M] int64 cells and their float64 logits (−∞: no cell). */
export interface TensorCorners {
  cells: Tensor;
  values: Tensor;
}

/** Step 1 on a batch of float64 corner logits [B, 4, H, W]. */
export function selectCornersTensor(l64: Tensor, o: CornerSelectOptions): TensorCorners {
  const [b, , h, w] = l64.shape as [number, number, number, number];
  const m = Math.min(o.maxCorners, h * w);
  let keep = l64.gt(logit(o.threshold));
  if (o.cluster > 0) keep = keep.logicalAnd(l64.ge(F.maxPool2d(l64, 2 * o.cluster + 1, { stride: 1, padding: o.cluster })));
  // Stable and descending: equal logits stay in cell order, as in selectCorners.
  const sorted = where(keep, l64, -Infinity).reshape([b, 4, h * w]).sort(-1, true, true);
  return { values: sorted.values.narrow(-1, 0, m), cells: sorted.indices.narrow(-1, 0, m) };
}

/** Selected cells as typed arrays (per image), for comparisons with selectCorners. */
export function candidatesOf(c: TensorCorners): CornerCandidates[] {
  const [b, , m] = c.cells.shape as [number, number, number];
  const cells = c.cells.cpu().to('int32').data() as Int32Array;
  const values = c.values.cpu().data() as Float64Array;
  const out: CornerCandidates[] = [];
  for (let i = 0; i < b; i++) {
    const per: Int32Array[] = [];
    for (let t = 0; t < 4; t++) {
      const off = (i * 4 + t) * m;
      let n = 0;
      while (n < m && values[off + n]! > -Infinity) n++;
      per.push(cells.slice(off, off + n));
    }
    out.push(per as CornerCandidates);
  }
  return out;
}

export interface TensorSearchResult {
  /** [B, count, 4] float32 normalised boxes, best first (zeros after `found`). */
  boxes: Tensor;
  /** [B, count] float32 posteriors, descending (0 after `found`). */
  scores: Tensor;
  /** [B] int64: boxes found per image (≤ count; the caller pads the rest). */
  found: Tensor;
}

/** Both steps on a batch: corner logits [B, 4, H, W] (any float dtype, any device) → the best `count` boxes per image. */
export function cornerSearchTensor(logits: Tensor, o: CornerSelectOptions & BoxSearchOptions): TensorSearchResult {
  return noGrad(() =>
    scope(() => {
      const [b, , h, w] = logits.shape as [number, number, number, number];
      const hw = h * w;
      const l64 = logits.to('float64');
      const sel = selectCornersTensor(l64, o);
      const flat = l64.reshape([b, 4, hw]);
      const a = pairing(flat, sel, TL, BR, true, w);
      const c = pairing(flat, sel, TR, BL, false, w);
      // A TR × BL box is also a TL × BR box when its TL and BR cells are both candidates.
      const member = (t: number) => zeros([b, hw], { dtype: 'float64', device: logits.device }).scatter(1, sel.cells.select(1, t), sel.values.select(1, t).gt(-Infinity).to('float64')).gt(0);
      const dup = member(TL).gather(1, c.tl).logicalAnd(member(BR).gather(1, c.br));
      const score = cat([a.score, where(dup, -Infinity, c.score)], 1);
      const key = cat([a.tl.mul(hw).add(a.br), c.tl.mul(hw).add(c.br)], 1);
      // Rank by score (descending), then key: stable sorts by key, then by score.
      const byKey = key.sort(-1, false, true);
      const s1 = score.gather(1, byKey.indices);
      const byScore = s1.sort(-1, true, true);
      const ranked = { score: byScore.values, key: byKey.values.gather(1, byScore.indices) };
      const picked = o.roiCluster >= 1 ? takeFirst(ranked, o.count) : clusterRois(ranked, o.count, o.roiCluster, w, h);
      const valid = picked.score.gt(-Infinity);
      const boxes = where(valid.unsqueeze(2), keyBoxes(picked.key, w, h), 0);
      return { boxes, scores: where(valid, picked.score.sigmoid(), 0).to('float32'), found: valid.sum(1, false, 'int64') };
    }),
  );
}

interface Ranked {
  /** [B, P] float64, descending, −∞ for no box. */
  score: Tensor;
  /** [B, P] int64 cell keys (y0·W + x0)·H·W + (y1·W + x1). */
  key: Tensor;
}

/**
 * All pairs of corner type `ta` (fixing y0 and x0, or x1 when not `aIsLeft`) with type `tb` (the
 * opposite corner): scores [B, M²] (−∞ for an invalid pair) and the box's TL and BR cells.
 */
function pairing(flat: Tensor, sel: TensorCorners, ta: number, tb: number, aIsLeft: boolean, w: number): { score: Tensor; tl: Tensor; br: Tensor } {
  const [b, , m] = sel.cells.shape as [number, number, number];
  const ca = sel.cells.select(1, ta), cb = sel.cells.select(1, tb);
  const ax = ca.remainder(w).unsqueeze(2), ay = ca.sub(ca.remainder(w)).unsqueeze(2); // ay = y·W
  const bx = cb.remainder(w).unsqueeze(1), by = cb.sub(cb.remainder(w)).unsqueeze(1);
  const valid = sel.values.select(1, ta).gt(-Infinity).unsqueeze(2)
    .logicalAnd(sel.values.select(1, tb).gt(-Infinity).unsqueeze(1))
    .logicalAnd(by.ge(ay))
    .logicalAnd(aIsLeft ? bx.ge(ax) : bx.le(ax));
  const [x0, x1] = aIsLeft ? [ax, bx] : [bx, ax];
  const idx = (row: Tensor, col: Tensor) => row.add(col).expand([b, m, m]).reshape([b, m * m]);
  const tl = idx(ay, x0), tr = idx(ay, x1), bl = idx(by, x0), br = idx(by, x1);
  const at = (t: number, cells: Tensor) => flat.select(1, t).gather(1, cells);
  // Summed in the order of searchBoxes' score(): TL + TR + BL + BR.
  const score = at(TL, tl).add(at(TR, tr)).add(at(BL, bl)).add(at(BR, br));
  return { score: where(valid.reshape([b, m * m]), score, -Infinity), tl, br };
}

/** The first `count` of a ranked list ([B, count]; −∞ scores where the list is shorter). */
function takeFirst(r: Ranked, count: number): Ranked {
  const [b, p] = r.score.shape as [number, number];
  if (p >= count) return { score: r.score.narrow(1, 0, count), key: r.key.narrow(1, 0, count) };
  const dev = r.score.device;
  return {
    score: cat([r.score, zeros([b, count - p], { dtype: 'float64', device: dev }).fill_(-Infinity)], 1),
    key: cat([r.key, zeros([b, count - p], { dtype: 'int64', device: dev })], 1),
  };
}

/** [B, P] keys → [B, P, 4] float32 boxes (x0/W, y0/H, (x1+1)/W, (y1+1)/H), the values searchBoxes writes. */
function keyBoxes(key: Tensor, w: number, h: number): Tensor {
  const hw = w * h;
  const dev = key.device;
  // Coordinate tables i/W and i/H made on the device (no upload, no synchronisation): a float64
  // quotient may be off by one ulp (a division by a scalar can multiply by the reciprocal), but
  // i/W lies at least 2⁻²⁵/W (relative) from any float32 rounding midpoint, far more than one
  // float64 ulp, so rounding to float32 gives what Math.fround(i / W) gives.
  const table = (n: number) => arange(0, n + 1, 1, { dtype: 'float64', device: dev }).div(n).to('float32');
  const tx = table(w), ty = table(h);
  // Exact integer quotients: float64 holds the keys exactly, round() undoes any reciprocal rounding.
  const quot = (t: Tensor, d: number) => t.sub(t.remainder(d)).to('float64').div(d).round().to('int64');
  const a = quot(key, hw), c = key.remainder(hw);
  const x0 = a.remainder(w), y0 = quot(a, w);
  const x1 = c.remainder(w), y1 = quot(c, w);
  const [b, p] = key.shape as [number, number];
  const look = (t: Tensor, i: Tensor) => t.indexSelect(0, i.reshape([b * p])).reshape([b, p, 1]);
  return cat([look(tx, x0), look(ty, y0), look(tx, x1.add(1)), look(ty, y1.add(1))], 2);
}

/** Pairwise IoU [B, P, P] in float64, computed as iouAt does. boxes: [B, P, 4] float32. */
function iouTensor(boxes: Tensor): Tensor {
  const d = boxes.to('float64');
  const [x0, y0, x1, y1] = [0, 1, 2, 3].map((k) => d.select(2, k));
  const row = (t: Tensor) => t.unsqueeze(2), col = (t: Tensor) => t.unsqueeze(1);
  const iw = row(x1!).minimum(col(x1!)).sub(row(x0!).maximum(col(x0!)));
  const ih = row(y1!).minimum(col(y1!)).sub(row(y0!).maximum(col(y0!)));
  const inter = iw.mul(ih);
  const area = x1!.sub(x0!).mul(y1!.sub(y0!));
  const union = row(area).add(col(area)).sub(inter);
  const overlap = iw.gt(0).logicalAnd(ih.gt(0)).logicalAnd(union.gt(0));
  return where(overlap, inter.div(where(overlap, union, 1)), 0);
}

/** Fixed-point rounds between two checks of convergence (each check reads one flag from the device). */
const ROUNDS_PER_CHECK = 4;

/**
 * RoI clustering on a ranked list: the first `count` boxes that overlap no better kept box by IoU
 * > ω. Like searchBoxes, works on a best-first prefix and widens it (×4) until every image has
 * `count` survivors or its whole list was seen.
 */
function clusterRois(r: Ranked, count: number, omega: number, w: number, h: number): Ranked {
  const [b, total] = r.score.shape as [number, number];
  const dev = r.score.device;
  const validAll = r.score.gt(-Infinity).sum(1, false, 'int64');
  for (let p = Math.min(total, Math.max(count * 4, 16)); ; p = Math.min(total, p * 4)) {
    const done = scope(() => {
      const score = r.score.narrow(1, 0, p), key = r.key.narrow(1, 0, p);
      const valid = score.gt(-Infinity);
      // sup[j, i]: box j ranks before box i and overlaps it by more than ω.
      const sup = iouTensor(keyBoxes(key, w, h)).gt(omega).logicalAnd(zeros([p, p], { device: dev }).add(1).triu(1).gt(0)).to('float64');
      let keep = valid;
      for (;;) {
        let next = keep;
        for (let k = 0; k < ROUNDS_PER_CHECK; k++) next = valid.logicalAnd(next.to('float64').unsqueeze(1).bmm(sup).squeeze(1).eq(0));
        const same = next.equal(keep);
        keep = next;
        if (same) break;
      }
      const kept = keep.sum(1, false, 'int64');
      const enough = kept.ge(count).logicalOr(validAll.le(p)).all().item() === 1 || p >= total;
      if (!enough) return undefined;
      // Scatter the survivors to their rank among survivors; the rest go to a spare last slot.
      const rank = keep.to('int64').cumsum(1).sub(1);
      const slot = where(keep.logicalAnd(rank.lt(count)), rank, count);
      const outScore = zeros([b, count + 1], { dtype: 'float64', device: dev }).fill_(-Infinity).scatter(1, slot, where(keep, score, -Infinity));
      const outKey = zeros([b, count + 1], { dtype: 'int64', device: dev }).scatter(1, slot, key);
      return { score: outScore.narrow(1, 0, count), key: outKey.narrow(1, 0, count) };
    });
    if (done) return done;
  }
}
