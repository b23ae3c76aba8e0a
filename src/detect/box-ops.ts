/**
 * Box operations as tensor ops (any device, differentiable where it makes sense). Boxes are
 * `(x0, y0, x1, y1)` in the last dimension. The typed-array forms are in boxes.ts.
 */
import { stack, type Tensor } from '../torch/index.js';
import { MAX_LOG_SCALE, MIN_SIZE } from '../runtime/boxes.js';

const parts = (b: Tensor): [Tensor, Tensor, Tensor, Tensor] => b.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];

/** Areas of boxes [..., 4] → [...]. */
export function boxAreaTensor(b: Tensor): Tensor {
  const [x0, y0, x1, y1] = parts(b);
  return x1.sub(x0).clamp(0).mul(y1.sub(y0).clamp(0));
}

/** Pairwise IoU: a [N, 4], b [M, 4] → [N, M] (torchvision.ops.box_iou). */
export function boxIouTensor(a: Tensor, b: Tensor): Tensor {
  const lt = a.unsqueeze(1).narrow(2, 0, 2).maximum(b.unsqueeze(0).narrow(2, 0, 2));
  const rb = a.unsqueeze(1).narrow(2, 2, 2).minimum(b.unsqueeze(0).narrow(2, 2, 2));
  const wh = rb.sub(lt).clamp(0);
  const inter = wh.select(2, 0).mul(wh.select(2, 1));
  const union = boxAreaTensor(a).unsqueeze(1).add(boxAreaTensor(b).unsqueeze(0)).sub(inter);
  return inter.div(union.clamp(1e-12));
}

/** Element-wise IoU: a, b [..., 4] (same shape) → [...]. */
export function boxIouPairsTensor(a: Tensor, b: Tensor): Tensor {
  const lt = a.narrow(-1, 0, 2).maximum(b.narrow(-1, 0, 2));
  const rb = a.narrow(-1, 2, 2).minimum(b.narrow(-1, 2, 2));
  const wh = rb.sub(lt).clamp(0);
  const inter = wh.select(-1, 0).mul(wh.select(-1, 1));
  return inter.div(boxAreaTensor(a).add(boxAreaTensor(b)).sub(inter).clamp(1e-12));
}

/** Boxes [..., 4] → centre form [..., 4] (cx, cy, w, h); w, h at least MIN_SIZE. */
export function toCentreForm(b: Tensor): Tensor {
  const [x0, y0, x1, y1] = parts(b);
  return stack([x0.add(x1).mul(0.5), y0.add(y1).mul(0.5), x1.sub(x0).clamp(MIN_SIZE), y1.sub(y0).clamp(MIN_SIZE)], -1);
}

/** R-CNN deltas [..., 4] (tx, ty, tw, th) of `target` relative to `rois` (both [..., 4]). */
export function encodeDeltasTensor(rois: Tensor, target: Tensor): Tensor {
  const [sx, sy, sw, sh] = parts(toCentreForm(rois));
  const [tx, ty, tw, th] = parts(toCentreForm(target));
  return stack([tx.sub(sx).div(sw), ty.sub(sy).div(sh), tw.div(sw).log(), th.div(sh).log()], -1);
}

/**
 * Boxes in centre form [..., 4] (cx, cy, w, h) from `rois` [..., 4] and deltas [..., 4]
 * (tw, th capped at MAX_LOG_SCALE). Differentiable in the deltas.
 */
export function decodeCentreTensor(rois: Tensor, deltas: Tensor): Tensor {
  const [sx, sy, sw, sh] = parts(toCentreForm(rois));
  const [dx, dy, dw, dh] = parts(deltas);
  return stack([sx.add(dx.mul(sw)), sy.add(dy.mul(sh)), sw.mul(dw.clamp(null, MAX_LOG_SCALE).exp()), sh.mul(dh.clamp(null, MAX_LOG_SCALE).exp())], -1);
}

/** Boxes [..., 4] (x0, y0, x1, y1) from `rois` and deltas: the inverse of encodeDeltasTensor. */
export function decodeDeltasTensor(rois: Tensor, deltas: Tensor): Tensor {
  const [cx, cy, w, h] = parts(decodeCentreTensor(rois, deltas));
  return stack([cx.sub(w.mul(0.5)), cy.sub(h.mul(0.5)), cx.add(w.mul(0.5)), cy.add(h.mul(0.5))], -1);
}

/** Boxes clipped to [lo, hi] (default the unit square). */
export function clipBoxesTensor(b: Tensor, lo = 0, hi = 1): Tensor {
  return b.clamp(lo, hi);
}
