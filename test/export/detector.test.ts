/**
 * The exported DeNet detector against the libtorch path, on the held-out split of a generated
 * set (`denet make-dataset`) with a detector trained for a few epochs by model-train:
 *  - `model-predict --engine onnx` on the `.onnx` gives the detections of `model-predict` on the
 *    `.safetensors` (boxes within 1e-3 px·relative, same classes, scores within 1e-4) and the same
 *    COCO AP from `denet eval coco` (1e-4), with a dynamic and a fixed batch graph;
 *  - the runtime API (loadModel, readImage, prepareImage, detect, cocoDetections) gives them too;
 *  - untrained detectors with the other head and sampling variants (.I fitness, nearest-cell and
 *    bilinear sampling, corner and RoI clustering, a small `max_corners` cap) match libtorch's detect();
 *  - a corrupt `.onnx` fails with a clear message.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { SparseLayer, detect } from '../../src/detect/index.js';
import { exportOnnx } from '../../src/export/export.js';
import { Model } from '../../src/model/index.js';
import { cocoDetections, loadModel, ModelFileError, prepareImage, readImage, type CocoDetection } from '../../src/runtime/index.js';
import { randn } from '../../src/torch/index.js';
import { cli, tmp } from '../cli/helpers.js';
import { randomizeBatchNorms } from './helpers.js';

const DESC = ['C.B[8,3,2]', 'BN', 'A', 'C.B[16,3,2]', 'BN', 'A', 'DNC[8,100]', 'DNS.L[3,4,0.01,0.1,1,1]', 'C.B[32]', 'BN', 'A', 'DND.JB[0.5,1,0.125]'];
const ENV = { DENET_THREADS: '1' };
let DATA = '';
let MODEL = '';
let DIR = '';

before(() => {
  DIR = tmp('onnx-detector');
  DATA = join(DIR, 'data');
  const m = cli('denet', ['make-dataset', '--out', DATA, '--train', '48', '--val', '0', '--test', '8', '--size', '64']);
  assert.equal(m.status, 0, m.stderr);
  const t = cli('model-train', ['--model-desc', ...DESC, '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train', '--solver', 'adam', '--learn-rate', '0.005',
    '--batch-size', '8', '--epochs', '4', '--threads', '1', '--seed', '3', '--output-prefix', join(DIR, 'run')], ENV);
  assert.equal(t.status, 0, t.stderr);
  MODEL = join(DIR, 'run', 'model.safetensors');
});

type Result = CocoDetection;
const readResults = (dir: string): Result[] => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

/** Same detections: image, class, box within 1e-3 px·relative, score within 1e-4, in the same order. */
function assertSameDetections(actual: Result[], expected: Result[], what: string): void {
  assert.ok(expected.length > 0, `${what}: the libtorch run has detections`);
  assert.equal(actual.length, expected.length, `${what}: detection count`);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    assert.equal(a.image_id, e.image_id, `${what}[${i}] image`);
    assert.equal(a.category_id, e.category_id, `${what}[${i}] class`);
    assert.ok(Math.abs(a.score - e.score) <= 1e-4, `${what}[${i}] score ${a.score} vs ${e.score}`);
    a.bbox.forEach((v, k) => assert.ok(Math.abs(v - e.bbox[k]!) <= 1e-3 * Math.max(1, Math.abs(e.bbox[k]!)), `${what}[${i}] bbox ${a.bbox} vs ${e.bbox}`));
  });
}

const predict = (model: string, results: string, extra: string[] = []) =>
  cli('model-predict', ['--model', model, '--input', join(DATA, 'coco'), '--extension', 'mscoco,2026-test', '--predict-mode', 'detect,mscoco', '--results', results, '--batch-size', '4', '--threads', '1', ...extra], ENV);

const GT = () => join(DATA, 'coco', 'annotations', 'instances_test2026.json');
const apLine = (dir: string): string => {
  const e = cli('denet', ['eval', 'coco', '--gt', GT(), '--dt', join(dir, 'results.json')]);
  assert.equal(e.status, 0, e.stderr);
  return e.stdout.split('\n')[0]!;
};
const apOf = (line: string) => Number(line.split('=').at(-1));

test('model-predict --engine onnx equals model-predict (results.json, COCO AP, pictures)', () => {
  const onnx = join(DIR, 'det.onnx');
  const ex = cli('denet', ['export', '--model', MODEL, '--format', 'onnx', '--output', onnx, '--batch', 'dynamic']);
  assert.equal(ex.status, 0, ex.stderr);
  const ref = join(DIR, 'torch');
  const p0 = predict(MODEL, ref);
  assert.equal(p0.status, 0, p0.stderr);
  const out = join(DIR, 'onnx');
  const p1 = predict(onnx, out, ['--engine', 'onnx', '--predict-mode', 'detect,mscoco,image', '--max-pictures', '3']);
  assert.equal(p1.status, 0, p1.stderr);
  assertSameDetections(readResults(out), readResults(ref), 'dynamic batch');
  // The printed COCO numbers and denet eval coco on the written files agree to 1e-4.
  const line = (s: string) => s.split('\n').find((l) => l.startsWith(' Average Precision'))!;
  assert.ok(Math.abs(apOf(line(p1.stdout)) - apOf(line(p0.stdout))) <= 1e-4, `${line(p1.stdout)} vs ${line(p0.stdout)}`);
  assert.ok(Math.abs(apOf(apLine(out)) - apOf(apLine(ref))) <= 1e-4);
  assert.equal(readdirSync(join(out, 'images')).length, 3);

  // A graph with a fixed batch of 4 (the loader then batches by 4 whatever --batch-size says).
  const fixed = join(DIR, 'det4.onnx');
  assert.equal(cli('denet', ['export', '--model', MODEL, '--output', fixed, '--batch', '4', '--opset', '16']).status, 0);
  const out4 = join(DIR, 'onnx4');
  const p2 = predict(fixed, out4, ['--engine', 'onnx', '--batch-size', '64']);
  assert.equal(p2.status, 0, p2.stderr);
  assertSameDetections(readResults(out4), readResults(ref), 'fixed batch 4');
});

test('the runtime API gives the same COCO detections', async () => {
  const ref = readResults(join(DIR, 'torch'));
  const gt = JSON.parse(readFileSync(GT(), 'utf8')) as { images: { id: number; file_name: string }[] };
  const model = await loadModel(join(DIR, 'det.onnx'));
  try {
    assert.deepEqual(model.inputShape, [3, 64, 64]);
    assert.equal(model.classNames.length, 6);
    const all: CocoDetection[] = [];
    // In chunks of 4, as model-predict batched them: RoI padding depends on the batch position.
    for (let i = 0; i < gt.images.length; i += 4) {
      const part = gt.images.slice(i, i + 4);
      const prepared = await Promise.all(part.map(async (im) => prepareImage(await readImage(join(DATA, 'coco', 'test2026', im.file_name)), model.inputShape)));
      const dets = await model.detect(prepared);
      part.forEach((im, j) => all.push(...cocoDetections(dets[j]!, im.id)));
    }
    assertSameDetections(all, ref, 'runtime API');
  } finally {
    await model.release();
  }
});

test('untrained detector variants match libtorch detect()', async () => {
  const variants = [
    'C[8,3,2] BN A DNC[6,1] DNS[2,3,0.01,0.1,1,0.7] C[16] BNA DND.I',
    'C[8,3,2] BN A DNC[6,1] DNS.L[3,4] C[16] BN A DND',
    // M = 3 corners per type on a 16×16 map near its prior (about half the cells above τ): the
    // runtime must read the cap from the metadata, or it pairs other corners and finds other RoIs.
    'C[8,3,2] BN A DNC[6,1] DNS[2,3,0.01,0.1,0,1,3] C[16] BN A DND',
    // PI is followed by a 3×3 convolution, as in DeNet's up-sampling stages: a corner map with
    // exactly duplicated cells would make the search's order depend on 1-ulp differences.
    'C[8,3,2] BN A SKIPSRC[1] C[8,3] BN A SKIP[1] PI[2] C[8,3] BN A DNC[4,1] DNS[1,3,0.01,0.1,0,1] C[12] BN A DND.JB',
  ];
  for (const desc of variants) {
    const m = randomizeBatchNorms(Model.create(desc, { inputShape: [3, 32, 32], classNames: ['a', 'b', 'c'], seed: 11 }));
    try {
      const x = randn([3, 3, 32, 32]);
      const expected = detect(m, x);
      const model = await loadModel(exportOnnx(m, { batch: 'dynamic' }).bytes);
      assert.equal(model.info.detector?.maxCorners, m.layers.find((l): l is SparseLayer => l instanceof SparseLayer)!.maxCorners, desc);
      const data = x.toFloat32Array();
      const actual = await model.detectNormalised([0, 1, 2].map((i) => data.subarray(i * 3072, (i + 1) * 3072)));
      await model.release();
      x.dispose();
      const flat = (d: typeof expected) => d.flatMap((im, i) => im.map((v) => ({ image_id: i, category_id: v.cls, bbox: v.box.map((c) => c * 32), score: v.score }) as Result));
      assertSameDetections(flat(actual), flat(expected), desc);
    } finally {
      m.dispose();
    }
  }
});

test('a corrupt or foreign .onnx fails with a clear message', async () => {
  const good = readFileSync(join(DIR, 'det.onnx'));
  const truncated = join(DIR, 'truncated.onnx');
  writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
  await assert.rejects(loadModel(truncated), (e: Error) => e instanceof ModelFileError && /truncated\.onnx is not a readable ONNX model \(/.test(e.message));
  const text = join(DIR, 'text.onnx');
  writeFileSync(text, 'hello, this is not a model');
  await assert.rejects(loadModel(text), (e: Error) => e instanceof ModelFileError && /text\.onnx is not a readable ONNX model/.test(e.message));
  await assert.rejects(loadModel(join(DIR, 'missing.onnx')), /cannot read .*missing\.onnx: ENOENT/);
  // Through model-predict: one line, non-zero exit.
  const r = predict(truncated, join(DIR, 'bad'), ['--engine', 'onnx']);
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^error: .*truncated\.onnx is not a readable ONNX model \([^\n]*\)$/);
  assert.ok(!existsSync(join(DIR, 'bad', 'results.json')));
});
