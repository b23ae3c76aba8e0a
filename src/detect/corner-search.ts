/**
 * Corner selection as tensor ops (on the model's device), the alternative to the typed-array
 * search in src/runtime/corner-search.ts (which holds the method; see its module comment).
 */
import { F, noGrad, scope, where, type Tensor } from '../torch/index.js';
import { cornerLogit, type CornerCandidates, type CornerSelectOptions } from '../runtime/corner-search.js';

/**
 * Step 1 as tensor ops on a batch: logits [B, 4, H, W] → per image the candidates (threshold,
 * clustering by a (2m+1)² max-pool, top-M per type). Gives the same cells as selectCorners (the
 * order of exactly equal logits may differ). Kept to compare against the typed-array form.
 */
export function selectCornersTensor(logits: Tensor, o: CornerSelectOptions): CornerCandidates[] {
  const [b, , h, w] = logits.shape as [number, number, number, number];
  const k = Math.min(o.maxCorners, h * w);
  const { values, indices } = noGrad(() =>
    scope(() => {
      let keep = logits.gt(cornerLogit(o.threshold));
      if (o.cluster > 0) keep = keep.logicalAnd(logits.ge(F.maxPool2d(logits, 2 * o.cluster + 1, { stride: 1, padding: o.cluster })));
      const masked = where(keep, logits, -Infinity).reshape([b, 4, h * w]);
      const top = masked.topk(k, -1, true, true);
      return { values: top.values.cpu().toFloat32Array(), indices: top.indices.cpu().to('int32').data() as Int32Array };
    }),
  );
  const out: CornerCandidates[] = [];
  for (let i = 0; i < b; i++) {
    const per: Int32Array[] = [];
    for (let t = 0; t < 4; t++) {
      const off = (i * 4 + t) * k;
      let n = 0;
      while (n < k && values[off + n]! > -Infinity) n++;
      per.push(indices.slice(off, off + n));
    }
    out.push(per as CornerCandidates);
  }
  return out;
}

