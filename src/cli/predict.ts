/**
 * `model-predict` / `denet predict`: runs a trained model over a dataset or over unlabelled images
 * (src/data/predict-input.ts decides which). `--predict-mode classify` prints the top-1/top-5 error
 * and writes `<results>.json` (errors, per-class error, confusion matrix) and
 * `<results>_confusion.png`; on unlabelled images the top-5 per file (src/train/classify-images.ts).
 * Detection: src/detect/predict.ts (datasets) and src/detect/predict-images.ts (unlabelled images).
 */
import type { Command } from 'commander';
import { confusionMatrixPng } from '../eval/confusion-png.js';
import { classificationMetrics } from '../eval/classification.js';
import { createLoader } from '../data/loader.js';
import { openPredictInput } from '../data/predict-input.js';
import { openDataset, type OpenedDataset } from '../data/open.js';
import type { Loader } from '../data/types.js';
import { Model } from '../model/index.js';
import { PRECISIONS, checkPrecision, setNumThreads, type Precision } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { progressBar } from '../train/progress.js';
import { LAYOUTS, checkImageShape, defaultThreads, inferenceChannelsLast, resolveDevice, type Layout } from '../train/session.js';
import { predictDetections } from '../detect/predict.js';
import { detectImages } from '../detect/predict-images.js';
import { predictTestDev } from '../detect/predict-test-dev.js';
import { classifyImages } from '../train/classify-images.js';
import { predictAll } from '../train/classify.js';
import { flag, fraction, oneOf, option, positiveInt } from '../util/options.js';
import type { NmsMethod } from '../runtime/nms.js';
import { buildProgram, parseOptions } from './options.js';

const MODES = ['classify', 'detect', 'mscoco', 'voc', 'image', 'json'];

const NMS_METHODS = ['greedy', 'soft', 'all-pairs'] as const;
const ENGINES = ['libtorch', 'onnx'] as const;
type Engine = (typeof ENGINES)[number];

export const PREDICT_OPTIONS = {
  model: option({ flag: 'model', value: '<file>', help: 'trained model (.safetensors; .onnx from denet export with --engine onnx)', required: true }),
  engine: option<Engine>({ flag: 'engine', value: '<name>', help: 'libtorch, or onnx: a detector exported by denet export, on onnxruntime-node', parse: oneOf('engine', ENGINES), default: 'libtorch' }),
  input: option({ flag: 'input', value: '<path>', help: 'data to predict (see --extension)', required: true }),
  extension: option({ flag: 'extension', value: '<spec>', aliases: ['ext'], help: 'data format: images[,scale=…] (unlabelled: a folder, an image or a list file), png|jpg|… (class folders), npy, imagenet,…, mscoco,…, voc,… (docs/data.md; default: images, or class folders of PNGs for a classifier when the folder holds sub-folders named after its classes)' }),
  batchSize: option({ flag: 'batch-size', value: '<n>', help: 'images per batch', parse: positiveInt('batch-size'), default: 64 }),
  threadNum: option({ flag: 'workers', value: '<n>', aliases: ['thread-num'], help: 'data-loader workers: decodes in flight, and threads converting images to float', parse: positiveInt('workers'), default: 4 }),
  predictMode: option({ flag: 'predict-mode', value: '<modes>', help: `comma list: ${MODES.join(', ')}`, default: 'classify' }),
  results: option({ flag: 'output', value: '<path>', aliases: ['results'], help: 'classify writes <path>.json and <path>_confusion.png; detection writes into the folder <path>', default: 'results' }),
  scoreThreshold: option({ flag: 'score-threshold', value: '<t>', help: 'detection: minimum class probability of a detection', parse: fraction('score-threshold'), default: 0.01 }),
  nmsIou: option({ flag: 'nms-iou', value: '<t>', help: 'detection: NMS IoU threshold', parse: fraction('nms-iou'), default: 0.5 }),
  maxDetections: option({ flag: 'max-detections', value: '<n>', help: 'detection: per image, over all classes', parse: positiveInt('max-detections'), default: 100 }),
  nms: option<NmsMethod>({ flag: 'nms', value: '<method>', help: 'detection: greedy, soft (Gaussian Soft-NMS) or all-pairs', parse: oneOf('nms', NMS_METHODS), default: 'greedy' }),
  softSigma: option({ flag: 'soft-sigma', value: '<s>', help: 'detection: Soft-NMS σ (with --nms soft)', parse: fraction('soft-sigma'), default: 0.5 }),
  fitness: flag('no-fitness', 'detection: rank by the class probability instead of the fitness score (.J/.I heads)'),
  drawThreshold: option({ flag: 'draw-threshold', value: '<t>', help: 'image mode, and the per-image lines on unlabelled images: show detections scoring at least this', parse: fraction('draw-threshold'), default: 0.3 }),
  maxPictures: option({ flag: 'max-pictures', value: '<n>', help: 'image mode: draw at most this many images (default: all)', parse: positiveInt('max-pictures') }),
  device: option({ flag: 'device', value: '<device>', help: 'cpu or cuda:N (default: GPU=N from the environment, else cpu)' }),
  threads: option({ flag: 'threads', value: '<n>', help: 'libtorch intra-op threads (default: DENET_THREADS, else all cores)', parse: positiveInt('threads') }),
  layout: option<Layout>({ flag: 'layout', value: '<l>', help: 'auto (channels-last on the CPU, NCHW on CUDA), nchw or channels-last (NHWC, as torch.channels_last)', parse: oneOf('layout', LAYOUTS), default: 'auto' }),
  precision: option<Precision>({ flag: 'precision', value: '<p>', help: 'fp32, bf16 (autocast; CPU or CUDA) or fp16 (CUDA autocast)', parse: oneOf('precision', PRECISIONS), default: 'fp32' }),
  fuseBn: flag('no-fuse-bn', 'run the saved layers as they are instead of a copy with batch norms folded into the convolutions'),
  progress: flag('no-progress', 'no progress bar'),
  verbose: flag('verbose', 'stack traces on errors'),
};

export function predictProgram(name = 'denet predict'): Command {
  return buildProgram(name, 'classify or detect images (a folder, an image, a list file) or a dataset with a trained model; evaluates when labels exist', PREDICT_OPTIONS);
}

/** Detection through predictDetections with a progress bar, and the closing line. */
async function detectAndReport(model: Parameters<typeof predictDetections>[0], opened: OpenedDataset, loader: Loader, o: Record<string, any>, modes: string[], device?: string, precision?: Precision): Promise<void> {
  const bar = progressBar('detect', loader.samplesInEpoch(0), o.progress !== false && process.stderr.isTTY === true);
  const t0 = performance.now();
  try {
    const r = await predictDetections(model, opened, loader, {
      results: o.results, modes: new Set(modes), device, precision, drawThreshold: o.drawThreshold, maxPictures: o.maxPictures,
      detect: { scoreThreshold: o.scoreThreshold, nmsIoU: o.nmsIou, maxDetections: o.maxDetections, nms: o.nms, softSigma: o.softSigma, fitness: o.fitness !== false },
      onBatch: (done) => bar.update(done, { rate: done / ((performance.now() - t0) / 1000), loss: '-' }),
      log: (line) => { bar.stop(); console.log(line); },
    });
    console.log(`${r.images} images, ${r.detections} detections (${(r.images / ((performance.now() - t0) / 1000)).toFixed(1)} img/s)${r.files.length ? `; wrote ${r.files.length} file(s) into ${o.results}` : ''}`);
  } finally {
    bar.stop();
  }
}

/**
 * `--engine onnx`: an exported detector on onnxruntime-node (the runtime's OnnxModel), over the
 * same data loader and outputs as the libtorch path. A graph exported with a fixed batch size
 * sets the batch size.
 */
async function predictOnnx(o: Record<string, any>, modes: string[]): Promise<number> {
  const { loadModel } = await import('../runtime/index.js');
  const threads = o.threads ?? defaultThreads();
  const model = await loadModel(o.model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  try {
    if (model.info.kind !== 'detector') throw new UserError(`--engine onnx: ${o.model} is a ${model.info.kind}; model-predict runs exported detectors (classify with the denet/runtime API)`);
    if (!modes.length || modes.includes('classify')) throw new UserError(`--predict-mode ${modes.join(',')}: the model is a DeNet detector; use --predict-mode detect[,mscoco][,voc][,image]`);
    const opened = openDataset(o.input, o.extension);
    const { dataset, spec } = opened;
    if (dataset.kind === 'detection') await checkImageShape(opened, model);
    const batchSize = model.info.batch === 'dynamic' ? o.batchSize : model.info.batch;
    const loader = createLoader(dataset, { batchSize, threads: o.threadNum, train: false, image: spec.options, channels: model.inputShape[0] });
    await detectAndReport(model, opened, loader, o, modes);
    return 0;
  } finally {
    await model.release();
  }
}

export interface ClassifyReport {
  model: string;
  input: string;
  count: number;
  top1_error: number;
  top5_error: number | null;
  class_names: string[];
  per_class: { class: string; count: number; error: number | null }[];
  /** confusion_matrix[true][predicted] counts. */
  confusion_matrix: number[][];
}

export async function main(argv: string[], name = 'denet predict'): Promise<number> {
  const o = parseOptions(predictProgram(name), PREDICT_OPTIONS, argv);
  if (!o) return 0;
  const modes = String(o.predictMode).split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of modes) if (!MODES.includes(m)) throw new UserError(`unknown --predict-mode "${m}" (expected ${MODES.join(', ')})`);
  const detecting = modes.some((m) => m !== 'classify');
  if (detecting && modes.includes('classify')) throw new UserError(`--predict-mode ${modes.join(',')}: classify and detection modes do not mix`);

  if (o.engine === 'onnx') {
    if (o.precision !== 'fp32') throw new UserError(`--precision ${o.precision}: --engine onnx runs the exported graph in fp32; --precision applies to --engine libtorch`);
    return predictOnnx(o, modes);
  }
  setNumThreads(o.threads ?? defaultThreads());
  const device = resolveDevice(o.device);
  const precision = checkPrecision(o.precision, device);
  const saved = Model.load(o.model);
  // Inference runs on a copy with the batch norms folded into the convolutions (same outputs).
  const model = o.fuseBn ? saved.fuse() : saved;
  if (model !== saved) saved.dispose();
  model.channelsLast = inferenceChannelsLast(o.layout, device);
  try {
    const opened = openPredictInput(o.input, o.extension, { detector: model.isDetector, classNames: model.classNames, inputShape: model.inputShape });
    const { dataset } = opened;
    // Every image is predicted: images_per_subset (training's chunking) does not apply.
    const spec = { ...opened.spec, options: { ...opened.spec.options, imagesPerSubset: undefined } };
    const showBar = o.progress && process.stderr.isTTY === true;
    const t0 = performance.now();
    const rate = (done: number) => ({ rate: done / ((performance.now() - t0) / 1000), loss: '-' });
    // Lines printed while the bar is drawn: clear the bar's line first (it redraws on its next update).
    const say = (line: string) => {
      if (showBar) process.stderr.write('\r\x1b[K');
      console.log(line);
    };
    const detect = { scoreThreshold: o.scoreThreshold, nmsIoU: o.nmsIou, maxDetections: o.maxDetections, nms: o.nms, softSigma: o.softSigma, fitness: o.fitness };
    if (detecting || model.isDetector) {
      if (!model.isDetector) throw new UserError(`--predict-mode ${modes.join(',')}: the model is not a DeNet detector (its last layer is ${model.tokens.at(-1)?.type}); use --predict-mode classify`);
      if (!detecting) throw new UserError('--predict-mode classify: the model is a DeNet detector; use --predict-mode detect[,mscoco][,voc][,image][,json]');
      if (dataset.kind === 'detection' && !opened.images) {
        await checkImageShape({ dataset, spec }, model);
      }
      if (device !== 'cpu') model.to(device);
      const loader = createLoader(dataset, { batchSize: o.batchSize, threads: o.threadNum, train: false, image: spec.options, channels: model.inputShape[0], pinMemory: device !== 'cpu' });
      const bar = progressBar('detect', loader.samplesInEpoch(0), showBar);
      try {
        const common = { results: o.results, modes: new Set(modes), device, precision, maxPictures: o.maxPictures, detect, onBatch: (done: number) => bar.update(done, rate(done)) };
        const r = opened.images
          ? await detectImages(model, opened.images, loader, { ...common, showThreshold: o.drawThreshold, log: say })
          : dataset.unlabelled
            ? await predictTestDev(model, dataset, loader, { ...common, drawThreshold: o.drawThreshold, modelPath: o.model, subsets: spec.subsets })
            : await predictDetections(model, { dataset, spec }, loader, { ...common, drawThreshold: o.drawThreshold, log: (line) => { bar.stop(); console.log(line); } });
        bar.stop();
        const skipped = 'skipped' in r && r.skipped ? `, ${r.skipped} unreadable skipped` : '';
        console.log(`${r.images} images${skipped}, ${r.detections} detections (${(r.images / ((performance.now() - t0) / 1000)).toFixed(1)} img/s)${r.files.length ? `; wrote ${r.files.length} file(s) into ${o.results}` : ''}`);
      } finally {
        bar.stop();
      }
      return 0;
    }
    if (dataset.kind !== 'classification') throw new UserError(`${dataset.source}: classify needs a classification dataset`);
    if (dataset.classNames.length > model.classNames.length) {
      throw new UserError(`${dataset.source}: labels out of range: the data has ${dataset.classNames.length} classes but the model has ${model.classNames.length}`);
    }
    if (device !== 'cpu') model.to(device);
    const loader = createLoader(dataset, { batchSize: o.batchSize, threads: o.threadNum, train: false, image: spec.options, channels: model.inputShape[0], pinMemory: device !== 'cpu' });
    const bar = progressBar('predict', loader.samplesInEpoch(0), showBar);
    const base = String(o.results).replace(/\.json$/, '');
    if (opened.images) {
      let r: Awaited<ReturnType<typeof classifyImages>>;
      try {
        r = await classifyImages(model, opened.images, loader, { device, precision, base, modelPath: o.model, input: o.input, onBatch: (done) => bar.update(done, rate(done)), log: say });
      } finally {
        bar.stop();
      }
      console.log(`${r.count} images${r.skipped ? `, ${r.skipped} unreadable skipped` : ''} (${(r.count / ((performance.now() - t0) / 1000)).toFixed(0)} img/s); wrote ${base}.json`);
      return 0;
    }
    let r: Awaited<ReturnType<typeof predictAll>>;
    try {
      r = await predictAll(model, loader, device, (done) => bar.update(done, rate(done)), precision);
    } finally {
      bar.stop();
    }
    if (!r.predictions) throw new UserError(`${dataset.source}: the model does not output class scores`);
    const pr = r.predictions;
    const m = classificationMetrics({ scores: pr.scores, labels: pr.labels, numClasses: pr.classes });
    const C = pr.classes;
    const report: ClassifyReport = {
      model: o.model,
      input: o.input,
      count: m.count,
      top1_error: m.top1Error,
      top5_error: m.top5Error,
      class_names: model.classNames,
      per_class: model.classNames.map((c, i) => ({ class: c, count: m.perClassCount[i]!, error: Number.isNaN(m.perClassError[i]!) ? null : m.perClassError[i]! })),
      confusion_matrix: Array.from({ length: C }, (_, i) => Array.from(m.confusion.subarray(i * C, (i + 1) * C))),
    };
    writeFileAtomic(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
    writeFileAtomic(`${base}_confusion.png`, await confusionMatrixPng(m.confusion, model.classNames, { title: `${model.classNames.length}-class confusion (${m.count} images)` }));
    const secs = (performance.now() - t0) / 1000;
    console.log(`top-1 error ${(m.top1Error * 100).toFixed(2)}%  top-5 error ${m.top5Error === null ? '-' : (m.top5Error * 100).toFixed(2) + '%'}  (${m.count} images, ${(m.count / secs).toFixed(0)} img/s)`);
    console.log(`wrote ${base}.json and ${base}_confusion.png`);
    return 0;
  } finally {
    model.dispose();
  }
}
