/** Pascal VOC detection evaluation: annotations, comp4 files, AP rules. */
export { loadVocGroundTruth, parseImageSet, parseVocXml, VOC_CLASSES, vocYearDir, type VocAnnotation, type VocGroundTruth, type VocObject } from './annotations.js';
export { evaluateVocClass, vocApFromCurve, vocIou, VOC07_THRESHOLDS, type VocClassResult, type VocMetric } from './ap.js';
export { comp4FileName, formatComp4, parseComp4, writeVocResults, type VocDetection } from './results.js';
export { evaluateVocDetections, evaluateVocFiles, findComp4, type VocReport } from './evaluate.js';
