/** The data layer's public surface (types in ./types.ts; see its header for a usage example). */
export * from './types.js';
export { openDataset, type OpenedDataset } from './open.js';
export { createLoader, type LoaderOptions } from './loader.js';
export { toTensorBatch, disposeBatch } from './to-tensor.js';
export { toOriginalBox } from '../runtime/geometry.js';
export { readNpy, writeNpy } from './npy.js';
