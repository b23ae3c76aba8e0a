/**
 * DeNet losses as tensor ops (DETECTOR.md §3, §5). Each returns a scalar; weights are applied by
 * the caller. Targets are constants.
 */
import { binaryCrossEntropyWithLogits, smoothL1Loss, stack, zerosLike, type Tensor } from '../torch/index.js';
import { decodeCentreTensor, encodeDeltasTensor, toCentreForm } from './box-ops.js';

/** Corner loss: binary cross-entropy of logits [B, 4, H, W] against 0/1 targets, averaged over all cells and types. */
export function cornerLoss(logits: Tensor, targets: Tensor): Tensor {
  return binaryCrossEntropyWithLogits(logits, targets);
}

/**
 * Soft-target softmax cross-entropy: logits [B, R, K], target distributions [B, R, K], weight
 * [B, R] → Σ w·(−Σ_k t_k ln softmax_k) / max(1, Σ w) (averaged over the weighted RoIs).
 */
export function softCrossEntropy(logits: Tensor, target: Tensor, weight: Tensor): Tensor {
  const per = logits.logSoftmax(-1).mul(target).sum(-1).neg();
  return per.mul(weight).sum().div(weight.sum().clamp(1));
}

/**
 * Hard-target cross-entropy: logits [B, R, K], int64 classes [B, R], weight [B, R], averaged over
 * the weighted RoIs.
 */
export function weightedCrossEntropy(logits: Tensor, target: Tensor, weight: Tensor): Tensor {
  const per = logits.logSoftmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1).neg();
  return per.mul(weight).sum().div(weight.sum().clamp(1));
}

/**
 * v1 box loss: smooth-L1 (β = 1) between predicted deltas [B, R, 4] and the deltas of the target
 * boxes relative to the RoIs ([B, R, 4] each), summed over the 4 deltas, over RoIs with mask 1,
 * divided by the number of RoIs (B·R). Zero when no RoI has a target.
 */
export function deltaBoxLoss(deltas: Tensor, rois: Tensor, targetBoxes: Tensor, mask: Tensor): Tensor {
  const t = encodeDeltasTensor(rois, targetBoxes);
  const per = smoothL1Loss(deltas, t, { reduction: 'none' }).sum(-1);
  return per.mul(mask).sum().div(Math.max(1, mask.numel));
}

export interface BoundedIouOptions {
  /** Smooth-L1 transition τ (β): cost = 2·smoothL1_β(1 − IoU_B); β = 1 gives (1 − IoU_B)². */
  beta?: number;
  /** Use the exact 1-D IoU of a shifted box, (w_t − |Δx|)/(w_t + |Δx|), for the position terms. */
  exact?: boolean;
}

/**
 * Bounded IoU costs per parameter: prediction and target in centre form [..., 4] (x, y, w, h) →
 * [..., 4]: position IoU_B(x) = max(0, (w_t − 2|Δx|)/(w_t + 2|Δx|)) (exact: |Δx| instead of 2|Δx|),
 * size IoU_B(w) = min(w/w_t, w_t/w); cost = 2·smoothL1_β(1 − IoU_B).
 */
export function boundedIouCost(pred: Tensor, target: Tensor, o: BoundedIouOptions = {}): Tensor {
  const beta = o.beta ?? 1;
  const k = o.exact ? 1 : 2;
  const [x, y, w, h] = pred.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const [xt, yt, wt, ht] = target.unbind(-1) as [Tensor, Tensor, Tensor, Tensor];
  const pos = (d: Tensor, size: Tensor): Tensor => {
    const a = d.abs().mul(k);
    return size.sub(a).div(size.add(a)).clamp(0);
  };
  const scale = (v: Tensor, vt: Tensor): Tensor => v.div(vt).minimum(vt.div(v));
  const iou = stack([pos(x.sub(xt), wt), pos(y.sub(yt), ht), scale(w, wt), scale(h, ht)], -1);
  const d = iou.rsub(1);
  return smoothL1Loss(d, zerosLike(d), { beta, reduction: 'none' }).mul(2);
}

/**
 * v2 box loss (`.B`): Bounded IoU costs of the boxes decoded from deltas [B, R, 4] against the
 * target boxes, summed over the 4 parameters, over RoIs with mask 1, divided by B·R.
 */
export function boundedIouBoxLoss(deltas: Tensor, rois: Tensor, targetBoxes: Tensor, mask: Tensor, o: BoundedIouOptions = {}): Tensor {
  const pred = decodeCentreTensor(rois, deltas);
  const per = boundedIouCost(pred, toCentreForm(targetBoxes), o).sum(-1);
  return per.mul(mask).sum().div(Math.max(1, mask.numel));
}
