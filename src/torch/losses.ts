/** Loss functions (torch.nn.functional names and semantics). */
import { native } from './native.js';
import { Tensor } from './tensor.js';

export type Reduction = 'none' | 'mean' | 'sum';
const RED: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

/**
 * Softmax cross-entropy. logits [N, C, …]; target int64 class indices [N, …] or probabilities
 * with the logits' shape.
 */
export function crossEntropy(logits: Tensor, target: Tensor, o: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number } = {}): Tensor {
  return Tensor.wrap(native.crossEntropy(logits.handle, target.handle, o.weight?.handle ?? null, RED[o.reduction ?? 'mean'], o.ignoreIndex ?? -100, o.labelSmoothing ?? 0));
}
/** Negative log-likelihood of log-probabilities [N, C, …] at int64 targets [N, …]. */
export function nllLoss(logProbs: Tensor, target: Tensor, o: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  return Tensor.wrap(native.nllLoss(logProbs.handle, target.handle, o.weight?.handle ?? null, RED[o.reduction ?? 'mean'], o.ignoreIndex ?? -100));
}
/** Binary cross-entropy on logits (numerically stable). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, o: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {}): Tensor {
  return Tensor.wrap(native.bceWithLogits(logits.handle, target.handle, o.weight?.handle ?? null, o.posWeight?.handle ?? null, RED[o.reduction ?? 'mean']));
}
/** Binary cross-entropy on probabilities in (0, 1). */
export function binaryCrossEntropy(probs: Tensor, target: Tensor, o: { weight?: Tensor; reduction?: Reduction } = {}): Tensor {
  return Tensor.wrap(native.binaryCrossEntropy(probs.handle, target.handle, o.weight?.handle ?? null, RED[o.reduction ?? 'mean']));
}
/** Smooth-L1 (Huber with transition `beta`): 0.5·d²/β for |d| < β, else |d| − 0.5·β. */
export function smoothL1Loss(input: Tensor, target: Tensor, o: { beta?: number; reduction?: Reduction } = {}): Tensor {
  return Tensor.wrap(native.smoothL1Loss(input.handle, target.handle, RED[o.reduction ?? 'mean'], o.beta ?? 1));
}
export function mseLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return Tensor.wrap(native.mseLoss(input.handle, target.handle, RED[o.reduction ?? 'mean']));
}
export function l1Loss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return Tensor.wrap(native.l1Loss(input.handle, target.handle, RED[o.reduction ?? 'mean']));
}
