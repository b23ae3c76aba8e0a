/**
 * Silent traps found by trying the CLI, each through the real programs: --test on a split-naming
 * format without --test-extension, GPU=N on a machine without CUDA in model-predict, the original
 * tool's --ext spelling, and the umbrella listing every program. (--augment-mirror on detection
 * data: test/data/predict-input.test.ts.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeNpy } from '../../src/data/npy.js';
import { writeSyntheticDataset } from '../../src/data/synthetic-writer.js';
import { defaultTestSplit } from '../../src/data/validation-split.js';
import { cuda } from '../../src/torch/index.js';
import { cli, tmp } from './helpers.js';

const DESC = ['C.B[8,3,2]', 'BN', 'A', 'DNC[8,100]', 'DNS[3,4,0.01,0.1,1,1]', 'C.B[16]', 'BN', 'A', 'DND[0.5]'];
const ENV = { DENET_THREADS: '1' };
let DATA = '';

before(async () => {
  DATA = tmp('traps');
  await writeSyntheticDataset(DATA, { seed: 2, counts: { train: 8, val: 4, test: 6 }, size: 64 });
});

test('--test without --test-extension tests on the validation split of mscoco/voc/imagenet specs', () => {
  const out = tmp('traps-train');
  const r = cli('model-train', ['--model-desc', ...DESC, '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train,mirror', '--test', join(DATA, 'coco'),
    '--batch-size', '4', '--epochs', '1', '--output-prefix', out, '--no-progress'], ENV);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /note: --test without --test-extension: testing on mscoco,2026-val \(the validation split of --extension mscoco,2026-train,mirror\)/);
  assert.match(r.stdout, /8 training images, 4 test images/); // val has 4 images, test 6, train 8
  // The rules, hand-checked: the spec's options carry over; a training set holding the split is warned about.
  assert.equal(defaultTestSplit('imagenet,scale=256,crop=224').spec, 'imagenet,val,scale=256,crop=224');
  assert.equal(defaultTestSplit('imagenet,scale=256,crop=224').overlap, undefined);
  assert.equal(defaultTestSplit('imagenet,train').spec, 'imagenet,val');
  assert.equal(defaultTestSplit('voc,2007-trainval,2012-trainval,crop=512').spec, 'voc,2007-test,crop=512');
  assert.equal(defaultTestSplit('voc,2012-train').spec, 'voc,2012-val');
  assert.match(defaultTestSplit('voc,2012-trainval').overlap!, /the test split 2012-val is part of the training data/);
  assert.equal(defaultTestSplit('mscoco,2017-train,scale=512').spec, 'mscoco,2017-val,scale=512');
  assert.match(defaultTestSplit('mscoco,2014-train,2014-val').overlap!, /2014-val is part of the training data/);
  assert.deepEqual(defaultTestSplit('png'), { spec: 'png' }); // class folders: --test names its own folder
});

test('model-predict with GPU=0 and no CUDA says it runs on the CPU (not "training")', { skip: cuda.isAvailable() && 'CUDA present' }, () => {
  const out = tmp('traps-gpu');
  const t = cli('model-train', ['--model-desc', ...DESC, '--train', join(DATA, 'coco'), '--extension', 'mscoco,2026-train', '--batch-size', '4', '--epochs', '1', '--output-prefix', out, '--no-progress'], ENV);
  assert.equal(t.status, 0, t.stderr);
  const r = cli('model-predict', ['--model', join(out, 'model.safetensors'), '--input', join(DATA, 'coco', 'test2026'), '--predict-mode', 'detect', '--results', join(out, 'p')], { ...ENV, GPU: '0' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: GPU=0 but CUDA is not available; running on the CPU$/m);
  assert.doesNotMatch(r.stderr + r.stdout, /training/);
});

test('the original tool\'s --ext spelling is --extension (--ext=npy, --ext npy)', () => {
  const dir = tmp('traps-npy');
  const n = 8;
  writeNpy(join(dir, 'train_data.npy'), { dtype: 'float32', shape: [n, 1, 4, 4], data: Float32Array.from({ length: n * 16 }, (_, i) => (i % 16) / 16 + Math.floor(i / 16) % 2) });
  writeNpy(join(dir, 'train_labels.npy'), { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 2) });
  for (const flag of [['--ext=npy'], ['--ext', 'npy']]) {
    const r = cli('model-train', ['--model-desc', 'C[4,3]', 'A', 'R', '--train', join(dir, 'train'), ...flag, '--batch-size', '4', '--epochs', '1', '--output-prefix', tmp('traps-ext'), '--no-progress'], ENV);
    assert.equal(r.status, 0, `${flag.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /8 training images/);
  }
  const bad = cli('model-train', ['--model-desc', 'R', '--train', join(dir, 'train'), '--extn=npy'], ENV);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: unknown option '--extn=npy'/);
});

test('denet lists every program, and each runs under it', () => {
  const r = cli('denet', ['--help']);
  assert.equal(r.status, 0);
  for (const c of ['train', 'train-multi', 'predict', 'modify', 'update-bn', 'info', 'demo', 'eval']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'), c);
  for (const c of ['train-multi', 'update-bn']) {
    const h = cli('denet', [c, '--help']);
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, new RegExp(`^Usage: denet ${c} `, 'm'));
  }
  assert.match(cli('denet', ['train-multi', '--help']).stdout, /--master-addr <host>/);
});
