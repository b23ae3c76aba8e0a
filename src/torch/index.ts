/** The typed tensor API over libtorch. */
export { Tensor, type Dims, type NestedArray } from './tensor.js';
export { type DType, type TypedArray, isFloating, ELEMENT_SIZE } from './dtype.js';
export * from './creation.js';
export * from './ops.js';
export { scope, keep, scopeDepth } from './scope.js';
export { noGrad, enableGrad, isGradEnabled, grad, inferenceMode, isInferenceMode } from './autograd.js';
export { autocast, autocastState, checkPrecision, fullPrecision, PRECISIONS, type Precision } from './autocast.js';
export { manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, loadedBlas, cuda, toDevice, memoryStats, mallocTrim, buildInfo, type BuildInfo } from './runtime.js';
export * as F from './functional.js';
export * from './losses.js';
export * as distributed from './distributed.js';
export { readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors } from './safetensors.js';
