/**
 * The pretrained recipe of `denet demo`, step by step through the programs: one-object images
 * (`make-dataset --task classify`), the backbone trained as a classifier, `model-modify` into the
 * detector (backbone weights kept), and detection training from it.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DENET_CPU_SMALL_CLASSIFIER, DENET_CPU_SMALL_HEAD } from '../../src/detect/networks.js';
import { registerLayers } from '../../src/layers.js';
import { Model } from '../../src/model/index.js';
import { cli, tmp } from './helpers.js';

registerLayers();

test('pretrained recipe: classifier on one-object images → model-modify into the detector (backbone kept) → detection training', () => {
  const dir = tmp('recipe');
  const objects = join(dir, 'objects');
  let r = cli('denet', ['make-dataset', '--task', 'classify', '--out', objects, '--train', '36', '--test', '12', '--size', '32']);
  assert.equal(r.status, 0, r.stderr);
  const classes = readdirSync(join(objects, 'train')).sort();
  assert.equal(classes.length, 6);
  // Classes in turn: each class folder of each split holds a sixth of its images.
  const counts = (split: string) => classes.map((c) => readdirSync(join(objects, split, c)).length);
  assert.deepEqual([counts('train'), counts('test')], [[6, 6, 6, 6, 6, 6], [2, 2, 2, 2, 2, 2]]);

  r = cli('model-train', ['--model-desc', ...DENET_CPU_SMALL_CLASSIFIER.split(' '), '--train', join(objects, 'train'), '--test', join(objects, 'test'),
    '--extension', 'jpg', '--epochs', '1', '--batch-size', '12', '--solver', 'adam', '--learn-rate', '0.002', '--output-prefix', join(dir, 'pretrain')]);
  assert.equal(r.status, 0, r.stderr);

  const names = join(dir, 'classes.txt');
  const detectionClasses = ['t-shirt', 'trouser', 'dress', 'sandal', 'sneaker', 'bag'];
  writeFileSync(names, detectionClasses.join('\n') + '\n');
  const classifierPath = join(dir, 'pretrain', 'model.safetensors');
  const detectorPath = join(dir, 'detector.safetensors');
  r = cli('model-modify', ['--input', classifierPath, '--output', detectorPath, '--layer-remove', '1', '--layer-append', ...DENET_CPU_SMALL_HEAD.split(' '),
    '--class-names', names, '--image-size', '64', '64']);
  assert.equal(r.status, 0, r.stderr);
  // Counted by hand from the description: 11 backbone layers (C.B, BN, C.B, BN, three residual
  // blocks) hold 60 tensors; R's weight and bias go; the neck and head bring 32 new ones.
  assert.match(r.stdout, /tensors kept from the input: 60, 709,298 values \(layers 0–1, 3–4, 7, 9–10\)/);
  assert.match(r.stdout, /tensors created \(new or reshaped layers, freshly initialised\): 32, /);
  assert.match(r.stdout, /tensors of the input dropped: 2 \(layers 11\)/);

  const classifier = Model.load(classifierPath);
  const detector = Model.load(detectorPath);
  try {
    assert.deepEqual(detector.classNames, detectionClasses);
    assert.deepEqual(detector.inputShape, [3, 64, 64]);
    assert.equal(detector.tokens[11]!.type, 'PI');
    const before = classifier.stateDict(), after = detector.stateDict();
    const backbone = Object.keys(before).filter((n) => Number(n.split('.')[1]) <= 10);
    assert.equal(backbone.length, 60);
    for (const n of backbone) assert.deepEqual(after[n]!.toFloat32Array(), before[n]!.toFloat32Array(), n);
  } finally {
    classifier.dispose();
    detector.dispose();
  }

  const gen = join(dir, 'gen');
  r = cli('denet', ['make-dataset', '--out', gen, '--train', '8', '--val', '0', '--test', '0', '--size', '64']);
  assert.equal(r.status, 0, r.stderr);
  r = cli('model-train', ['--model', detectorPath, '--train', join(gen, 'coco'), '--extension', 'mscoco,2026-train', '--epochs', '1', '--batch-size', '4',
    '--solver', 'adam', '--learn-rate', '0.002', '--output-prefix', join(dir, 'detect')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /6 classes, 8 training images/);
});

test('model-modify --class-names: one line for a duplicate name or a clash with --num-classes (alias --class-num)', () => {
  const dir = tmp('names');
  const model = Model.create('C[4,3] R', { inputShape: [1, 8, 8], classNames: ['a', 'b'], seed: 1 });
  const file = join(dir, 'm.safetensors');
  model.save(file);
  model.dispose();
  let r = cli('model-modify', ['--input', file, '--class-names', 'x,y,x']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: --class-names: "x" is named twice');
  r = cli('model-modify', ['--input', file, '--class-names', 'x', 'y', '--class-num', '2']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: --num-classes and --class-names both set the class count: give one');
  r = cli('model-modify', ['--input', file, '--class-names', 'x', 'y', 'z']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 classes/);
  // C keeps its weight (4·1·3·3) and bias (4); R's weight and bias change shape (2 → 3 classes):
  // made anew (3·4 + 3 values), and the input's two are dropped.
  assert.match(r.stdout, /tensors kept from the input: 2, 40 values \(layers 0\)/);
  assert.match(r.stdout, /tensors created \(new or reshaped layers, freshly initialised\): 2, 15 values \(layers 1\)/);
  assert.match(r.stdout, /tensors of the input dropped: 2 \(layers 1\)/);
});
