/** What both runtime entries (Node and web) export: the engine-independent API. */
export { OnnxModel, type OrtModule, type SessionOptions } from './model.js';
export { prepareImage, type Pixels, type PreparedImage } from './preprocess.js';
export { cocoDetections, type CocoDetection, type Detection, type DetectOptions, type PixelDetection } from './detections.js';
export { ModelFileError } from './onnx-file.js';
export type { DetectorInfo, ModelInfo } from './model-info.js';
