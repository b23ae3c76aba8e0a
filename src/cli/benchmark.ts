/**
 * `denet benchmark`: how fast a model runs, Ultralytics' `benchmark` for this toolkit. For each
 * engine × precision × batch size it warms up, times `--runs` batches of random images and prints
 * the median latency as ms per image and images per second; with `--data` it also scores each
 * engine × precision on that data (top-1 accuracy for a classifier, COCO AP for a detector).
 *
 *   denet benchmark --model model.safetensors --batch 1,8 --precision fp32,bf16
 *   denet benchmark --model det.safetensors --data data/test --extension voc,2007-test --json
 *
 * What is timed is the inference path of model-predict: on libtorch a fused copy of the model
 * (batch norms folded into the convolutions) under libtorch's inference mode; on onnx the graph
 * `denet export` writes (dynamic batch, fp32) on onnxruntime-node with the same thread count, as
 * `model-predict --engine onnx` and `denet/runtime` run it. For a detector the whole detection
 * (network, corner search, sampling, classifier, decoding and NMS), for a classifier the forward
 * pass with its class scores read back to the host.
 */
import { statSync } from 'node:fs';
import { exportOnnx } from '../export/export.js';
import type { OnnxModel } from '../runtime/model.js';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { disposeBatch } from '../data/to-tensor.js';
import { detect } from '../detect/detect.js';
import { evaluateDetector } from '../detect/evaluate.js';
import { checkDetectionClasses } from '../detect/predict.js';
import { Model, setImageSize } from '../model/index.js';
import { PRECISIONS, buildInfo, checkPrecision, getNumThreads, manualSeed, rand, scope, setNumThreads, type Precision } from '../torch/index.js';
import { defaultThreads, inferenceChannelsLast, probeInputShape, resolveDevice } from '../train/session.js';
import { stageClock } from '../detect/state.js';
import { predictAll, topErrors } from '../train/classify.js';
import { UserError } from '../util/errors.js';
import { flag, oneOf, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';
import { PREDICT_OPTIONS } from './predict.js';

export const ENGINES = ['libtorch', 'onnx'] as const;
type Engine = (typeof ENGINES)[number];

/** Why `engine` cannot run `precision` on `device` (undefined: it can). */
function unavailable(engine: Engine, precision: Precision, device: string): string | undefined {
  if (engine !== 'onnx') return undefined;
  if (precision !== 'fp32') return 'not available: the exported graph runs in fp32';
  if (device !== 'cpu') return 'not available: onnxruntime-node runs on the CPU in this build';
  return undefined;
}

export interface BenchmarkRow {
  engine: Engine;
  precision: Precision;
  batch: number;
  /** 'ok', or why the configuration did not run. */
  status: string;
  /** Size of what the engine loads: the .safetensors file, or the exported .onnx bytes. */
  size_mb: number | null;
  /** Median milliseconds per batch, per image, and images per second. */
  ms_per_batch: number | null;
  ms_per_image: number | null;
  images_per_s: number | null;
  /** Accuracy on --data (top1_accuracy or coco_ap), null without --data. */
  metric: number | null;
}

export interface BenchmarkReport {
  model: string;
  kind: 'classifier' | 'detector';
  input: [number, number, number];
  device: string;
  layout: 'NCHW' | 'channels-last';
  threads: number;
  libtorch: string;
  metric_name: 'top1_accuracy' | 'coco_ap' | null;
  data: string | null;
  warmup: number;
  runs: number;
  rows: BenchmarkRow[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of `runs` calls of `step` after `warmup` calls. */
async function timeSteps(step: () => void | Promise<void>, warmup: number, runs: number, device: string): Promise<number> {
  const clock = stageClock(device);
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = clock();
    await step();
    times.push(clock() - t0);
  }
  return median(times);
}

/** Median ms per batch of `batch` random images through `net`, the results on the host as model-predict uses them. */
async function timeLibtorch(net: Model, batch: number, precision: Precision, device: string, warmup: number, runs: number): Promise<number> {
  manualSeed(0);
  const images = rand([batch, ...net.inputShape], { device });
  const step = net.isDetector
    ? () => void detect(net, images, { precision })
    : () => {
        const { output } = net.infer(images, { precision });
        output.data();
        output.dispose();
      };
  try {
    return await timeSteps(step, warmup, runs, device);
  } finally {
    images.dispose();
  }
}

/** The same on onnxruntime (fp32, CPU). */
async function timeOnnx(model: OnnxModel, batch: number, warmup: number, runs: number): Promise<number> {
  const [c, h, w] = model.inputShape;
  const images = Array.from({ length: batch }, (_, b) => Float32Array.from({ length: c * h * w }, (_, i) => ((i * 7919 + b * 104729) % 1000) / 1000));
  const step = model.info.kind === 'detector' ? async () => void (await model.detectNormalised(images)) : async () => void (await model.classify(images));
  return timeSteps(step, warmup, runs, 'cpu');
}

/** The exported graph of `net` (dynamic batch) on onnxruntime-node, and its size in bytes. */
async function onnxModel(net: Model, threads: number): Promise<{ model: OnnxModel; bytes: number }> {
  const { bytes } = exportOnnx(net, { batch: 'dynamic' });
  const { loadModel } = await import('../runtime/index.js');
  return { model: await loadModel(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 }), bytes: bytes.length };
}

async function accuracy(net: Model | OnnxModel, data: string, extension: string, batch: number, threads: number, device: string, precision: Precision): Promise<number> {
  const opened = openDataset(data, extension);
  const { dataset, spec } = opened;
  const shape = await probeInputShape(opened, net.inputShape[0]);
  if (shape.join() !== net.inputShape.join()) throw new UserError(`${dataset.source}: images are ${shape.join('×')} (C×H×W) but the model takes ${net.inputShape.join('×')}; use --extension …,scale=…,crop=… or --image-size`);
  const loader = createLoader(dataset, { batchSize: batch, threads, train: false, image: spec.options, channels: net.inputShape[0] });
  const detector = net instanceof Model ? net.isDetector : net.info.kind === 'detector';
  if (detector) {
    checkDetectionClasses(net, dataset, '--data');
    return (await evaluateDetector(net, loader, { device, precision })).report.stats.AP;
  }
  if (dataset.kind !== 'classification') throw new UserError(`${dataset.source}: a classifier is scored on a classification dataset`);
  if (!(net instanceof Model)) return onnxTop1(net, loader);
  const r = await predictAll(net, loader, device, undefined, precision);
  if (!r.predictions) throw new UserError(`${dataset.source}: the model does not output class scores`);
  return 1 - topErrors(r.predictions).top1_error;
}

/** Top-1 accuracy of an exported classifier over every batch of `loader`. */
async function onnxTop1(model: OnnxModel, loader: ReturnType<typeof createLoader>): Promise<number> {
  let right = 0, seen = 0;
  for await (const batch of loader.epoch(0)) {
    try {
      const x = batch.images.toFloat32Array();
      const size = x.length / batch.meta.length;
      const probs = await model.classify(batch.meta.map((_, i) => x.subarray(i * size, (i + 1) * size)));
      const labels = scope(() => batch.labels!.to('int32').data() as Int32Array);
      probs.forEach((p, i) => {
        const best = p.reduce((bi, v, j) => (v > p[bi]! ? j : bi), 0);
        if (best === labels[i]) right++;
        seen++;
      });
    } finally {
      disposeBatch(batch);
    }
  }
  return seen ? right / seen : 0;
}

export function formatTable(r: BenchmarkReport): string {
  const metric = r.metric_name === 'coco_ap' ? 'COCO AP' : r.metric_name === 'top1_accuracy' ? 'top-1 acc' : 'metric';
  const head = ['Engine', 'Precision', 'Batch', 'Status', 'Size (MB)', metric, 'ms/img', 'img/s'];
  const rows = r.rows.map((x) => [
    x.engine, x.precision, String(x.batch), x.status === 'ok' ? 'ok' : 'no', x.size_mb === null ? '-' : x.size_mb.toFixed(x.size_mb < 10 ? 2 : 1),
    x.metric === null ? '-' : x.metric.toFixed(4), x.ms_per_image === null ? '-' : x.ms_per_image.toFixed(2), x.images_per_s === null ? '-' : x.images_per_s.toFixed(1),
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  const notes = r.rows.filter((x) => x.status !== 'ok').map((x) => `  ${x.engine}: ${x.status}`);
  const title = `${r.model}: ${r.kind}, input ${r.input.join('×')}, ${r.layout}, ${r.device}, ${r.threads} thread(s), libtorch ${r.libtorch}; median of ${r.runs} runs after ${r.warmup} warm-up${r.data ? `; accuracy on ${r.data}` : ''}`;
  return [title, '', line(head), ...rows.map(line), ...(notes.length ? ['', ...new Set(notes)] : [])].join('\n');
}

export const BENCHMARK_OPTIONS = {
  model: option({ flag: 'model', value: '<file>', help: 'trained model (.safetensors)', required: true }),
  data: option({ flag: 'data', value: '<path>', help: 'score accuracy on this data (see --extension): top-1 accuracy or COCO AP' }),
  extension: option({ flag: 'extension', value: '<spec>', help: 'data format of --data (as model-predict)', default: 'png' }),
  imageSize: option({ flag: 'image-size', value: '<s>', help: 'square input size (default: the model\'s own)', parse: positiveInt('image-size') }),
  batch: option({ flag: 'batch', value: '<list>', help: 'batch sizes, comma list', parse: commaList('batch', positiveInt('batch')), default: [1, 8] }),
  precision: option({ flag: 'precision', value: '<list>', help: `comma list of ${PRECISIONS.join(', ')}`, parse: commaList('precision', oneOf('precision', PRECISIONS)), default: ['fp32'] as Precision[] }),
  engines: option({ flag: 'engines', value: '<list>', help: `comma list of ${ENGINES.join(', ')}`, parse: commaList('engines', oneOf('engines', ENGINES)), default: ['libtorch'] as Engine[] }),
  warmup: option({ flag: 'warmup', value: '<n>', help: 'untimed batches first', parse: positiveInt('warmup'), default: 3 }),
  runs: option({ flag: 'runs', value: '<n>', help: 'timed batches (the median is reported)', parse: positiveInt('runs'), default: 10 }),
  device: option({ flag: 'device', value: '<device>', help: 'cpu or cuda:N (default: GPU=N from the environment, else cpu)' }),
  threads: option({ flag: 'threads', value: '<n>', help: 'libtorch intra-op threads (default: DENET_THREADS, else all cores)', parse: positiveInt('threads') }),
  threadNum: option({ flag: 'workers', value: '<n>', aliases: ['thread-num'], help: 'data-loader workers for --data', parse: positiveInt('workers'), default: 4 }),
  layout: PREDICT_OPTIONS.layout,
  fuseBn: flag('no-fuse-bn', 'time the saved layers as they are (batch norms not folded)'),
  json: flag('json', 'print the report as JSON'),
  verbose: flag('verbose', 'stack traces on errors'),
};

/** A comma list, each item through `one`. */
function commaList<T>(name: string, one: (text: string) => T) {
  return (text: string): T[] => {
    const items = text.split(',').map((x) => x.trim()).filter(Boolean);
    if (!items.length) throw new UserError(`Expected a comma list for --${name} but received ${JSON.stringify(text)}`);
    return items.map(one);
  };
}

export async function main(argv: string[], name = 'denet benchmark'): Promise<number> {
  const program = buildProgram(name, 'latency and throughput of a model per engine, precision and batch size (and accuracy with --data), as one table', BENCHMARK_OPTIONS);
  const o = parseOptions(program, BENCHMARK_OPTIONS, argv);
  if (!o) return 0;
  const batches = o.batch;
  const engines = o.engines;
  setNumThreads(o.threads ?? defaultThreads());
  const device = resolveDevice(o.device);
  const precisions = o.precision.map((x) => checkPrecision(x, device));

  let saved = Model.load(o.model);
  if (o.imageSize && (saved.inputShape[1] !== o.imageSize || saved.inputShape[2] !== o.imageSize)) {
    const resized = setImageSize(saved, o.imageSize, o.imageSize);
    saved.dispose();
    saved = resized;
  }
  if (device !== 'cpu') saved.to(device);
  const net = o.fuseBn ? saved.fuse() : saved;
  if (net !== saved) saved.dispose();
  net.channelsLast = inferenceChannelsLast(o.layout, device);
  const report: BenchmarkReport = {
    model: o.model, kind: net.isDetector ? 'detector' : 'classifier', input: [...net.inputShape],
    device, layout: net.channelsLast ? 'channels-last' : 'NCHW', threads: getNumThreads(), libtorch: buildInfo().torchVersion, metric_name: o.data ? (net.isDetector ? 'coco_ap' : 'top1_accuracy') : null,
    data: o.data ?? null, warmup: o.warmup, runs: o.runs, rows: [],
  };
  const runners: Partial<Record<Engine, { model: Model | OnnxModel; sizeMb: number; time: (batch: number, precision: Precision) => Promise<number> }>> = {};
  let exported: OnnxModel | undefined;
  try {
    for (const engine of engines) {
      for (const precision of precisions) {
        let why = unavailable(engine, precision, device);
        if (!why && !runners[engine]) {
          if (engine === 'libtorch') runners.libtorch = { model: net, sizeMb: statSync(o.model).size / 2 ** 20, time: (batch, p) => timeLibtorch(net, batch, p, device, o.warmup, o.runs) };
          else {
            try {
              const { model, bytes } = await onnxModel(net, report.threads);
              exported = model;
              runners.onnx = { model, sizeMb: bytes / 2 ** 20, time: (batch) => timeOnnx(model, batch, o.warmup, o.runs) };
            } catch (e) {
              if (!(e instanceof UserError)) throw e;
              why = `not available: ${e.message}`;
            }
          }
        }
        const runner = why ? undefined : runners[engine]!;
        const metric = runner && o.data ? await accuracy(runner.model, o.data, o.extension, Math.max(...batches), o.threadNum, device, precision) : null;
        for (const batch of batches) {
          const row: BenchmarkRow = { engine, precision, batch, status: why ?? 'ok', size_mb: runner?.sizeMb ?? null, ms_per_batch: null, ms_per_image: null, images_per_s: null, metric };
          if (runner) {
            const ms = await runner.time(batch, precision);
            Object.assign(row, { ms_per_batch: ms, ms_per_image: ms / batch, images_per_s: (1000 * batch) / ms });
          }
          report.rows.push(row);
        }
      }
    }
  } finally {
    await exported?.release();
    net.dispose();
  }
  console.log(o.json ? JSON.stringify(report, null, 2) : formatTable(report));
  return 0;
}
