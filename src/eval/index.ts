/**
 * Evaluation: classification metrics, COCO bbox AP (equal to pycocotools), Pascal VOC AP, result
 * writers and pictures (detections, PR curves, confusion matrix, line plots).
 */
export * from './coco/index.js';
export * from './voc/index.js';
export { classificationMetrics, type ClassificationMetrics, type ScoreInput, type TopKInput } from './classification.js';
export { linePlotPng, linePlotSvg, niceTicks, plotFragment, svgToPng, type PlotOptions, type Series } from './plot.js';
export { cocoPrCurves, prCurvesPng, prGridPng, vocPrCurves, type PrCurve } from './pr-curve.js';
export { confusionMatrixPng } from './confusion-png.js';
export { detectionsSvg, drawDetections, type DrawnDetection, type DrawOptions } from './draw.js';
export { classColor } from './color.js';
