/**
 * End-to-end detection through the real programs on a tiny generated dataset: model-train with
 * per-epoch COCO AP, model-predict detect,mscoco,voc,image, and the bad inputs (DND class count
 * vs data, images without boxes, a NaN loss).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeSyntheticDataset } from '../../src/data/synthetic-writer.js';
import { cli, tmp } from './helpers.js';

const DESC = ['C.B[8,3,2]', 'BN', 'A', 'C.B[16,3,2]', 'BN', 'A', 'DNC[8,100]', 'DNS[3,4,0.01,0.1,1,1]', 'C.B[32]', 'BN', 'A', 'DND.JB[0.5,1,0.125]'];
const CLASSES = ['t-shirt', 'trouser', 'dress', 'sandal', 'sneaker', 'bag'];
let DATA = '';
/** The detector every test uses, trained once before them (so no test depends on another's order). */
let MODEL = '';
let TRAINED: { out: string; run: ReturnType<typeof cli> };
const ENV = { DENET_THREADS: '1' };

const train = (out: string, extra: string[] = []) =>
  cli('model-train', ['--model-desc', ...DESC, '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train,mirror', '--test', join(DATA, 'coco'), '--test-extension', 'mscoco,2026-test',
    '--solver', 'adam', '--learn-rate', '0.005', '--batch-size', '8', '--epochs', '2', '--threads', '1', '--output-prefix', out, ...extra], ENV);

before(async () => {
  DATA = tmp('detect-data');
  await writeSyntheticDataset(DATA, { seed: 1, counts: { train: 32, val: 0, test: 8 }, size: 64 });
  const out = tmp('detect-train');
  TRAINED = { out, run: train(out) };
  MODEL = join(out, 'model.safetensors');
});

test('model-train on mscoco data: every loss term and COCO AP per epoch; model-predict detect,mscoco,voc,image', () => {
  const { out, run: r } = TRAINED;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch 1\/2 {2}loss corner \d+\.\d{4} class \d+\.\d{4} box \d+\.\d{4} {2}lr .* AP \d\.\d{3} AP50 \d\.\d{3} AP75 \d\.\d{3}/);
  const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
  const cols = csv[0]!.split(',');
  for (const c of ['train_corner', 'train_class', 'train_box', 'test_corner', 'AP', 'AP50', 'AP75']) assert.ok(cols.includes(c), `results.csv has ${c}: ${csv[0]}`);
  assert.equal(csv.length, 3);
  const row = (i: number) => Object.fromEntries(cols.map((c, j) => [c, Number(csv[i]!.split(',')[j])]));
  const loss = (i: number) => row(i).train_corner! + row(i).train_class! + row(i).train_box!;
  assert.ok(Number.isFinite(loss(1)) && Number.isFinite(loss(2)), 'finite losses');
  assert.ok(loss(2) < loss(1), `the loss falls: ${loss(1)} → ${loss(2)}`);
  assert.ok(row(2).AP50! >= 0 && row(2).AP50! <= 1);

  // Predict on the VOC layout of the held-out split: COCO numbers, results.json, comp4 files, VOC mAP, pictures.
  const res = join(out, 'predict');
  const p = cli('model-predict', ['--model', MODEL, '--input', DATA, '--extension', 'voc,2026-test', '--predict-mode', 'detect,mscoco,voc,image', '--results', res,
    '--score-threshold', '0.02', '--nms-iou', '0.6', '--max-detections', '50', '--nms', 'soft', '--soft-sigma', '0.4', '--max-pictures', '5', '--threads', '1'], ENV);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout.match(/^ Average (Precision|Recall) +\(A[PR]\) @\[ IoU=.* \] = -?\d\.\d{3}$/gm)?.length, 12, p.stdout);
  assert.match(p.stdout, /VOC mAP \(all-point, IoU 0\.5\): \d\.\d{4}/);
  const results = JSON.parse(readFileSync(join(res, 'results.json'), 'utf8')) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
  assert.ok(results.every((d) => d.category_id >= 1 && d.category_id <= 6 && d.bbox.length === 4 && d.score >= 0.02 * 0.001));
  const perImage = new Map<number, number>();
  for (const d of results) perImage.set(d.image_id, (perImage.get(d.image_id) ?? 0) + 1);
  assert.ok([...perImage.values()].every((n) => n <= 50));
  assert.ok(existsSync(join(res, 'ground_truth.json')), 'VOC data: the COCO-format ground truth it was scored against');
  for (const c of CLASSES) assert.ok(existsSync(join(res, `comp4_det_test_${c}.txt`)), `comp4 file of ${c}`);
  const pics = readdirSync(join(res, 'images'));
  assert.equal(pics.length, 5, '--max-pictures 5');
  assert.ok(pics.every((f) => f.endsWith('.png')));
  // denet eval coco on the files written reproduces the printed AP.
  const e = cli('denet', ['eval', 'coco', '--gt', join(res, 'ground_truth.json'), '--dt', join(res, 'results.json')]);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stdout.split('\n')[0], p.stdout.split('\n').find((l) => l.startsWith(' Average Precision'))!);

  // Continue training from the model file (--model FILE) for one more epoch, on channels-last images.
  const cont = tmp('detect-continue');
  const more = cli('model-train', ['--model', MODEL, '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train', '--epochs', '1', '--batch-size', '8', '--threads', '1', '--channels-last', '--output-prefix', cont], ENV);
  assert.equal(more.status, 0, more.stderr);
  assert.match(more.stdout, /epoch 1\/1 {2}loss corner/);
  assert.equal(JSON.parse(readFileSync(join(cont, 'args.json'), 'utf8')).options.channelsLast, true);
});

test('bad input: DND class count vs the data is a one-line error', () => {
  const bad = ['C.B[8,3,2]', 'BN', 'A', 'DNC[4,10]', 'DNS[2,3]', 'DND[0.5]'];
  // A detector for 3 classes (built on 3-class VOC data) continued on the 6-class COCO data.
  const voc3 = tmp('voc3');
  const r0 = cli('model-modify', ['--input', MODEL, '--output', join(voc3, 'm3.safetensors'), '--class-num', '3']);
  assert.equal(r0.status, 0, r0.stderr);
  const r = cli('model-train', ['--model', join(voc3, 'm3.safetensors'), '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train', '--epochs', '1', '--output-prefix', tmp('bad-classes')], ENV);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^error: --train .*: the data has 6 classes \(t-shirt, trouser, dress, sandal, sneaker, …\) but the model's DND head has 3; /);
  const p = cli('model-predict', ['--model', join(voc3, 'm3.safetensors'), '--input', join(DATA, 'coco'), '--extension', 'mscoco,2026-test', '--predict-mode', 'detect'], ENV);
  assert.equal(p.status, 2);
  assert.match(p.stderr, /the data has 6 classes .* but the model's DND head has 3/);
  // Detection outputs need a detector.
  const cls = cli('model-train', ['--model-desc', ...bad.slice(0, 3), 'R', '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train', '--epochs', '1', '--output-prefix', tmp('bad-r')], ENV);
  assert.equal(cls.status, 2);
  assert.match(cls.stderr, /detection data needs a detector/);
});

test('images without boxes are valid training data; a NaN loss stops training naming the term', () => {
  // A copy of the COCO layout whose annotation file drops the boxes of half the images.
  const copy = tmp('noboxes');
  const src = JSON.parse(readFileSync(join(DATA, 'coco', 'annotations', 'instances_train2026.json'), 'utf8'));
  const keep = new Set(src.images.slice(0, 16).map((im: { id: number }) => im.id));
  src.annotations = src.annotations.filter((a: { image_id: number }) => keep.has(a.image_id));
  mkdirSync(join(copy, 'annotations'));
  writeFileSync(join(copy, 'annotations', 'instances_train2026.json'), JSON.stringify(src));
  symlinkSync(join(DATA, 'coco', 'train2026'), join(copy, 'train2026'));
  const r = cli('model-train', ['--model-desc', ...DESC, '--train', copy, '--extension', 'mscoco,2026-train', '--epochs', '1', '--batch-size', '8', '--threads', '1', '--output-prefix', join(copy, 'run')], ENV);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch 1\/1 {2}loss corner \d+\.\d{4} class \d+\.\d{4} box \d+\.\d{4}/);

  // An absurd learning rate: the weights overflow after the first step and the next loss is not finite.
  const out = tmp('nan');
  const n = cli('model-train', ['--model-desc', ...DESC, '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train', '--solver', 'sgd', '--learn-rate', '1e30', '--epochs', '2', '--batch-size', '8', '--threads', '1', '--output-prefix', out], ENV);
  assert.equal(n.status, 2, n.stderr);
  assert.match(n.stderr, /^error: loss "(corner|class|box)" is (NaN|Infinity|-Infinity) at epoch 1 batch \d+; training stopped; no snapshot was written \(try a lower --lr\)/);
  assert.ok(!existsSync(join(out, 'model.safetensors')));
});
