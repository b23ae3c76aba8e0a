/** Layers (src/layers.ts lists the types the description language knows). */
export * from './layer.js';
export * from './module.js';
export * from './init.js';
export { ACTIVATION_NAMES, activation } from './activation.js';
export { Conv2d, BatchNorm2d } from './primitives.js';
export { ConvLayer, ClassifierLayer } from './conv.js';
export { PoolLayer, UpsampleLayer, BorderLayer, CropMirrorLayer } from './pool.js';
export { BatchNormLayer, ActivationLayer, DropoutLayer } from './norm.js';
export { ResidualBlock, ResidualLayer } from './residual.js';
export { SkipSourceLayer, SkipLayer, SplitLayer } from './skip.js';
