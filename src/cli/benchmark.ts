/**
 * `denet benchmark`: how fast a model runs, Ultralytics' `benchmark` for this toolkit. For each
 * engine × precision × batch size it warms up, times `--runs` batches of random images and prints
 * the median latency as ms per image and images per second; with `--data` it also scores each
 * engine × precision on that data (top-1 accuracy for a classifier, COCO AP for a detector).
 *
 *   denet benchmark --model model.safetensors --batch 1,8 --precision fp32,bf16
 *   denet benchmark --model det.safetensors --data data/test --extension voc,2007-test --json
 *
 * What is timed is the inference path of model-predict: a fused copy of the model (batch norms
 * folded into the convolutions) under libtorch's inference mode; for a detector the whole
 * detection (network, corner search, sampling, classifier, decoding and NMS), for a classifier
 * the forward pass with its class scores read back to the host.
 */
import { statSync } from 'node:fs';
import { Command } from 'commander';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { detect } from '../detect/detect.js';
import { evaluateDetector } from '../detect/evaluate.js';
import { checkDetectionClasses } from '../detect/predict.js';
import { Model, setImageSize } from '../model/index.js';
import { PRECISIONS, buildInfo, checkPrecision, getNumThreads, manualSeed, rand, setNumThreads, type Precision, type Tensor } from '../torch/index.js';
import { defaultThreads, probeInputShape, resolveDevice } from '../train/session.js';
import { stageClock } from '../detect/state.js';
import { predictAll, topErrors } from '../train/classify.js';
import { UserError } from '../util/errors.js';
import { parseProgram } from './run.js';

export const ENGINES = ['libtorch', 'onnx'] as const;
type Engine = (typeof ENGINES)[number];

/** Why an engine cannot run here (absent: it can). */
const UNAVAILABLE: Partial<Record<Engine, string>> = {
  onnx: 'not available: this build has no ONNX export and runtime yet',
};

export interface BenchmarkRow {
  engine: Engine;
  precision: Precision;
  batch: number;
  /** 'ok', or why the configuration did not run. */
  status: string;
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
  size_mb: number;
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

function list<T extends string>(flag: string, v: string, allowed?: readonly T[]): T[] {
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UserError(`Expected a comma list for ${flag} but received "${v}"`);
  for (const s of items) if (allowed && !allowed.includes(s as T)) throw new UserError(`unknown ${flag} value "${s}" (expected ${allowed.join(', ')})`);
  return items as T[];
}

function positive(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < 1) throw new UserError(`Expected a positive integer for ${flag} but received "${v}"`);
    return n;
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of `runs` calls of `step` after `warmup` calls. */
function timeSteps(step: () => void, warmup: number, runs: number, device: string): number {
  const clock = stageClock(device);
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = clock();
    step();
    times.push(clock() - t0);
  }
  return median(times);
}

/** One timed inference of `net` on `images`, with the results on the host as model-predict uses them. */
function inferenceStep(net: Model, images: Tensor, precision: Precision): () => void {
  if (net.isDetector) return () => void detect(net, images, { precision });
  return () => {
    const { output } = net.infer(images, { precision });
    output.data();
    output.dispose();
  };
}

async function accuracy(net: Model, data: string, extension: string, batch: number, threads: number, device: string, precision: Precision): Promise<number> {
  const opened = openDataset(data, extension);
  const { dataset, spec } = opened;
  const shape = await probeInputShape(opened, net.inputShape[0]);
  if (shape.join() !== net.inputShape.join()) throw new UserError(`${dataset.source}: images are ${shape.join('×')} (C×H×W) but the model takes ${net.inputShape.join('×')}; use --extension …,scale=…,crop=… or --image-size`);
  const loader = createLoader(dataset, { batchSize: batch, threads, train: false, image: spec.options, channels: net.inputShape[0] });
  if (net.isDetector) {
    checkDetectionClasses(net, dataset, '--data');
    return (await evaluateDetector(net, loader, { device, precision })).report.stats.AP;
  }
  if (dataset.kind !== 'classification') throw new UserError(`${dataset.source}: a classifier is scored on a classification dataset`);
  const r = await predictAll(net, loader, device, undefined, precision);
  if (!r.predictions) throw new UserError(`${dataset.source}: the model does not output class scores`);
  return 1 - topErrors(r.predictions).top1_error;
}

export function formatTable(r: BenchmarkReport): string {
  const metric = r.metric_name === 'coco_ap' ? 'COCO AP' : r.metric_name === 'top1_accuracy' ? 'top-1 acc' : 'metric';
  const head = ['Engine', 'Precision', 'Batch', 'Status', 'Size (MB)', metric, 'ms/img', 'img/s'];
  const rows = r.rows.map((x) => [
    x.engine, x.precision, String(x.batch), x.status === 'ok' ? 'ok' : 'no', r.size_mb.toFixed(r.size_mb < 10 ? 2 : 1),
    x.metric === null ? '-' : x.metric.toFixed(4), x.ms_per_image === null ? '-' : x.ms_per_image.toFixed(2), x.images_per_s === null ? '-' : x.images_per_s.toFixed(1),
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  const notes = r.rows.filter((x) => x.status !== 'ok').map((x) => `  ${x.engine}: ${x.status}`);
  const title = `${r.model}: ${r.kind}, input ${r.input.join('×')}, ${r.layout}, ${r.device}, ${r.threads} thread(s), libtorch ${r.libtorch}; median of ${r.runs} runs after ${r.warmup} warm-up${r.data ? `; accuracy on ${r.data}` : ''}`;
  return [title, '', line(head), ...rows.map(line), ...(notes.length ? ['', ...new Set(notes)] : [])].join('\n');
}

export async function main(argv: string[], name = 'denet benchmark'): Promise<number> {
  const p = new Command(name)
    .description('latency and throughput of a model per engine, precision and batch size (and accuracy with --data), as one table')
    .option('--model <file>', 'trained model (.safetensors)')
    .option('--data <path>', 'score accuracy on this data (see --extension): top-1 accuracy or COCO AP')
    .option('--extension <spec>', 'data format of --data (as model-predict)', 'png')
    .option('--image-size <s>', 'square input size (default: the model\'s own)', positive('--image-size'))
    .option('--batch <list>', 'batch sizes, comma list', '1,8')
    .option('--precision <list>', `comma list of ${PRECISIONS.join(', ')}`, 'fp32')
    .option('--engines <list>', `comma list of ${ENGINES.join(', ')}`, 'libtorch')
    .option('--warmup <n>', 'untimed batches first', positive('--warmup'), 3)
    .option('--runs <n>', 'timed batches (the median is reported)', positive('--runs'), 10)
    .option('--device <device>', 'cpu or cuda:N (default: GPU=N from the environment, else cpu)')
    .option('--threads <n>', 'libtorch intra-op threads (default: DENET_THREADS, else all cores)', positive('--threads'))
    .option('--thread-num <n>', 'data-loader threads for --data', positive('--thread-num'), 4)
    .option('--channels-last', 'run the layers on channels-last (NHWC) images, as model-predict --channels-last')
    .option('--no-fuse-bn', 'time the saved layers as they are (batch norms not folded)')
    .option('--json', 'print the report as JSON')
    .option('--verbose', 'stack traces on errors')
    .allowExcessArguments(false);
  if (!parseProgram(p, argv)) return 0;
  const o = p.opts();
  if (!o.model) throw new UserError('--model FILE is required');
  const batches = list('--batch', o.batch).map((b) => positive('--batch')(b));
  const engines = list('--engines', o.engines, ENGINES);
  setNumThreads(o.threads ?? defaultThreads());
  const device = resolveDevice(o.device);
  const precisions = list('--precision', o.precision, PRECISIONS).map((x) => checkPrecision(x, device));

  let saved = Model.load(o.model);
  if (o.imageSize && (saved.inputShape[1] !== o.imageSize || saved.inputShape[2] !== o.imageSize)) {
    const resized = setImageSize(saved, o.imageSize, o.imageSize);
    saved.dispose();
    saved = resized;
  }
  if (device !== 'cpu') saved.to(device);
  const net = o.fuseBn === false ? saved : saved.fuse();
  if (net !== saved) saved.dispose();
  net.channelsLast = !!o.channelsLast;
  const report: BenchmarkReport = {
    model: o.model, kind: net.isDetector ? 'detector' : 'classifier', input: [...net.inputShape], size_mb: statSync(o.model).size / 2 ** 20,
    device, layout: net.channelsLast ? 'channels-last' : 'NCHW', threads: getNumThreads(), libtorch: buildInfo().torchVersion, metric_name: o.data ? (net.isDetector ? 'coco_ap' : 'top1_accuracy') : null,
    data: o.data ?? null, warmup: o.warmup, runs: o.runs, rows: [],
  };
  try {
    for (const engine of engines) {
      for (const precision of precisions) {
        const why = UNAVAILABLE[engine];
        const metric = !why && o.data ? await accuracy(net, o.data, o.extension, Math.max(...batches), o.threadNum, device, precision) : null;
        for (const batch of batches) {
          const row: BenchmarkRow = { engine, precision, batch, status: why ?? 'ok', ms_per_batch: null, ms_per_image: null, images_per_s: null, metric };
          if (!why) {
            manualSeed(0);
            const images = rand([batch, ...net.inputShape], { device });
            try {
              const ms = timeSteps(inferenceStep(net, images, precision), o.warmup, o.runs, device);
              Object.assign(row, { ms_per_batch: ms, ms_per_image: ms / batch, images_per_s: (1000 * batch) / ms });
            } finally {
              images.dispose();
            }
          }
          report.rows.push(row);
        }
      }
    }
  } finally {
    net.dispose();
  }
  console.log(o.json ? JSON.stringify(report, null, 2) : formatTable(report));
  return 0;
}
