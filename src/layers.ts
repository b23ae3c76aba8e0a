/**
 * Every layer type of the model description language, in one table (SPEC.md "Model description
 * language"). The registry in src/desc starts empty; `registerLayers()` fills it from this table.
 * The library entry (src/index.ts) and every program (src/cli/run.ts) call it; so do tests and
 * benches that build models from descriptions.
 */
import { registerLayerTypes } from './desc/registry.js';
import { cornerSpec } from './detect/corner-layer.js';
import { headSpec } from './detect/head-layer.js';
import { sparseSpec } from './detect/sparse-layer.js';
import type { LayerSpec } from './nn/layer.js';
import { classifierSpec, convSpec, deconvSpec } from './nn/conv.js';
import { activationSpec, batchNormActSpec, batchNormSpec, dropoutSpec } from './nn/norm.js';
import { borderSpec, cropMirrorSpec, poolSpec, upsampleSpec } from './nn/pool.js';
import { bottleneckSpec, bottleneckStackSpec, residualSpec, residualStackSpec } from './nn/residual.js';
import { skipSourceSpec, skipSpec, splitSpec } from './nn/skip.js';

export const LAYER_TYPES: readonly LayerSpec[] = [
  // src/nn: convolutions, pooling, normalisation, residual blocks, skips
  convSpec, deconvSpec, classifierSpec,
  poolSpec, upsampleSpec, borderSpec, cropMirrorSpec,
  batchNormSpec, batchNormActSpec, activationSpec, dropoutSpec,
  residualSpec, residualStackSpec, bottleneckSpec, bottleneckStackSpec,
  skipSourceSpec, skipSpec, splitSpec,
  // src/detect: the DeNet corner distribution, sparse sampling and detection head
  cornerSpec, sparseSpec, headSpec,
];

/** Registers every layer type (idempotent). */
export function registerLayers(): void {
  registerLayerTypes(LAYER_TYPES);
}
