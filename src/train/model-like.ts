/**
 * What the trainer needs from a model (src/model's `Model` satisfies it). Kept structural so the
 * trainer can be tested with a tiny hand-written model.
 */
import type { Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

export interface TrainableModel {
  forward(images: Tensor, o: { training: boolean; labels?: Tensor; targets?: unknown }): { output: Tensor; losses: Record<string, Tensor> };
  namedParameters(): (NamedTensor & { decay: boolean })[];
  namedBuffers(): NamedTensor[];
  save(path: string, metadata?: Record<string, string>): void;
}

/** Throws when a training forward pass gave no loss terms: the description has no loss head. */
export function checkHasLosses(names: readonly string[]): void {
  if (names.length === 0) throw new UserError('the model returned no loss terms in training: end the description in a classifier (R) or a DeNet head (DND)');
}
