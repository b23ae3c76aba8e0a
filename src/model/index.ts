/** Models: build, run, save, load, summarise and modify. */
export * from './model.js';
export * from './summary.js';
export * from './torchvision.js';
export * from './modify.js';
export { fuseBatchNorm, hasFoldableBatchNorm } from './fuse.js';
export * from './fold-bn.js';
