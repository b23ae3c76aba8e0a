/**
 * DeNet for TypeScript: the library entry. Each area is a namespace; the CLI programs in
 * src/cli are thin layers over these.
 *
 * ```ts
 * import { torch, Model, detect, data } from 'denet';
 * const model = Model.create('C[32,3] BN A P[2] C[64,3] BN A P.A R', { inputShape: [1, 28, 28], classNames });
 * ```
 */
import { registerLayers } from './layers.js';

registerLayers();

export { LAYER_TYPES, registerLayers } from './layers.js';
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as desc from './desc/index.js';
export * as detect from './detect/index.js';
export * as evaluation from './eval/index.js';
export { Model } from './model/index.js';
export * as model from './model/index.js';
export * as data from './data/api.js';
export { Trainer, NonFiniteLossError } from './train/trainer.js';
export { createSolver, SOLVERS } from './train/solvers/index.js';
export { UserError } from './util/errors.js';
