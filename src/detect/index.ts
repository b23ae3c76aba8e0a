/**
 * DeNet detection (DETECTOR.md): the layers DNC / DNS / DND, box utilities, target assignment,
 * losses, corner search, RoI sampling, NMS and inference.
 *
 * Layers (listed with the others in src/layers.ts):
 *
 *   DNC[features, loss_weight=1]                corner logits + sampling map; loss `corner`
 *   DNS.GL[grid=7, sample_num=24, corner_threshold=0.01, random_fraction=0.1,
 *          corner_cluster=0, roi_cluster=1]     N² RoIs → [B, g²F+2, N, N]
 *   DND.JIBE[match_iou=0.5, class_weight=1, box_weight=1, fitness_weight=0.1, box_beta=1]
 *                                               class/box outputs; losses `class`, `box`, `fitness`
 *
 * A detector is `backbone … DNC DNS (1×1 C/BN/A layers) DND` with DND last, and the model's class
 * names are the detection classes (no background entry). Tags are written together: `DND.JB`.
 *
 * Training (the trainer's contract is Model.forward's):
 *
 * ```ts
 * const model = Model.create(DENET_CPU_SMALL, { inputShape: [3, 128, 128], classNames, seed: 1 });
 * const { losses } = model.forward(batch.images, { training: true, targets: batch.targets });
 * // losses.corner, losses.class, losses.box (and losses.fitness with DND.I) are separate scalars;
 * // the total loss is their sum. targets: DetectionTargets[] (src/data/types.ts), one per image,
 * // boxes normalised to [0,1] of the network input. Images without boxes are fine.
 * ```
 *
 * Inference:
 *
 * ```ts
 * const dets = detect(model, images, { scoreThreshold: 0.01, nmsIoU: 0.5, maxDetections: 100, nms: 'greedy' });
 * // dets[i]: Detection[] of image i, best first: { box: [x0, y0, x1, y1] in [0,1] of the network
 * // input, cls: class index into model.classNames, score }.
 * // Back to original pixels: toOriginalBox(d.box, meta.transform) (src/runtime/geometry.ts).
 * const { detections, timing } = detectTimed(model, images); // timing: StageTiming in ms
 * ```
 *
 * On a dataset (COCO AP against its ground truth, boxes in original pixels; evaluate.ts):
 *
 * ```ts
 * const { report, results } = await evaluateDetector(model, loader, { detect: { nms: 'greedy' } });
 * // report.stats: the 12 COCO numbers (AP, AP50, AP75, …); results: COCO results.json entries.
 * ```
 *
 * The raw DND output ([B, channels, N, N], layout in head-layout.ts) carries the RoIs too, so
 * `decodeDetections(headProbabilities(output, head.layout), head.layout, options)` decodes a
 * plain `model.forward(images, { training: false }).output` the same way.
 */
export { detect, detectTimed, detectorHead, decodeDetections, headProbabilities, type Detection, type DetectOptions, type HeadProbabilities } from './detect.js';
export { CornerLayer, CORNER_PRIOR } from './corner-layer.js';
export { SparseLayer, type CornerSearchMode, type SparseArgs } from './sparse-layer.js';
export { HeadLayer, type HeadArgs } from './head-layer.js';
export { headLayout, fitnessBucket, bucketIou, FITNESS_BUCKETS, type HeadLayout, type FitnessMode } from '../runtime/head-layout.js';
export * from '../runtime/boxes.js';
export * from './box-ops.js';
export { CORNER_TYPES, cornerCells, cornerTargets } from './corners.js';
export { DEFAULT_MAX_CORNERS, cornerSearch, searchBoxes, selectCorners, type BoxSearchOptions, type CornerCandidates, type CornerSelectOptions, type SearchedBoxes } from '../runtime/corner-search.js';
export { candidatesOf, cornerSearchTensor, selectCornersTensor, type TensorCorners, type TensorSearchResult } from './corner-search-tensor.js';
export { sampleGrid, sampleRoiFeatures, type SamplingMode } from './sampling.js';
export { assignTargets, type RoiTargets } from './targets.js';
export { cornerLoss, softCrossEntropy, weightedCrossEntropy, deltaBoxLoss, boundedIouCost, boundedIouBoxLoss, type BoundedIouOptions } from './losses.js';
export { greedyNms, allPairsNms, softNms, rankByScore, type NmsMethod, type SoftNmsOptions } from '../runtime/nms.js';
export { detectorState, type DetectorState, type StageTiming } from './state.js';
export * from './networks.js';
export { cocoResults, detectionGroundTruth, evaluateDetector, runDetector, type DetectionGroundTruth, type DetectionMetrics, type ImageDetections, type PixelDetection, type RunDetectorOptions } from './evaluate.js';
export { checkDetectionClasses, predictDetections, vocDetections, vocGroundTruth, writeDetectionPictures, type PredictDetectOptions, type PredictDetectReport } from './predict.js';
