/** End-to-end: model-train / denet train / model-predict / model-train-multi on tiny real files. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeNpy } from '../../src/data/npy.js';
import { readSafetensors } from '../../src/torch/index.js';
import { readEventFile } from '../helpers/tensorboard.js';
import { cli, pngClassFolders, tmp } from './helpers.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const README_DESC = ['C[128,3]', 'BN', 'A', 'P[2]', 'C[256,3]', 'BN', 'A', 'P[2]', 'C[512,3]', 'BN', 'A', 'P.A', 'R'];
const SMALL_DESC = ['C[8,3]', 'BN', 'A', 'P[2]', 'C[16,3]', 'BN', 'A', 'P.A', 'R'];
let TRAIN = '';
let TEST = '';

before(async () => {
  const root = tmp('pngset');
  TRAIN = await pngClassFolders(join(root, 'train'), 3, 8, 8, 1);
  TEST = await pngClassFolders(join(root, 'test'), 3, 4, 8, 2);
});

function sameTensors(a: string, b: string): void {
  const x = readSafetensors(a).tensors;
  const y = readSafetensors(b).tensors;
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort());
  for (const k of Object.keys(x)) assert.ok(x[k]!.equal(y[k]!), `${k} differs`);
}

test('the original README command runs as written (GPU=0 without CUDA warns and uses the CPU)', () => {
  const out = tmp('readme');
  const r = cli('model-train', ['--border-mode', 'half', '--activation', 'relu', '--model-desc', ...README_DESC, '--learn-rate', '0.1', '--solver', 'sgd', '--epochs', '1', '--train', TRAIN, '--test', TEST, '--extension', 'png', '--output-prefix', out], { GPU: '0' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /GPU=0 but CUDA is not available; running on the CPU|cuda:0/);
  assert.match(r.stdout, /epoch 1\/1 {2}loss class \d+\.\d{4} {2}lr 0\.1000 .*top1 error \d+\.\d\d%/);
  const files = readdirSync(out);
  for (const f of ['model_epoch001.safetensors', 'model.safetensors', 'checkpoint.safetensors', 'results.csv', 'results.png', 'args.json', 'train.log', 'tensorboard']) assert.ok(files.includes(f), `${f} missing`);
  const args = JSON.parse(readFileSync(join(out, 'args.json'), 'utf8'));
  assert.equal(args.command[0], 'model-train');
  assert.equal(args.options.solver, 'sgd');
  assert.deepEqual(args.options.inputShape, [3, 8, 8]);
  const meta = readSafetensors(join(out, 'model.safetensors')).metadata;
  assert.equal(meta.description, README_DESC.join(' '));
  const tb = readEventFile(join(out, 'tensorboard', readdirSync(join(out, 'tensorboard'))[0]!));
  assert.ok(tb.scalars.some((s) => s.tag === 'test/top1_error' && s.step === 1));
});

test('denet train: 2 epochs straight equals 1 epoch + --resume, and model-predict evaluates the result', () => {
  const common = ['--model-desc', ...SMALL_DESC, '--train', TRAIN, '--test', TEST, '--extension', 'png', '--solver', 'adam', '--learn-rate', '0.01', '--batch-size', '8', '--seed', '4', '--augment-mirror'];
  const a = tmp('straight');
  const b = tmp('interrupted');
  assert.equal(cli('denet', ['train', ...common, '--epochs', '2', '--output-prefix', a]).status, 0);
  assert.equal(cli('denet', ['train', ...common, '--epochs', '1', '--output-prefix', b]).status, 0);
  const r = cli('denet', ['train', ...common, '--epochs', '2', '--output-prefix', b, '--resume']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming .* at epoch 2/);
  sameTensors(join(a, 'model.safetensors'), join(b, 'model.safetensors'));
  assert.equal(readFileSync(join(b, 'results.csv'), 'utf8').trim().split('\n').length, 3);

  const p = cli('model-predict', ['--model', join(a, 'model.safetensors'), '--input', TEST, '--extension', 'png', '--predict-mode', 'classify', '--results', join(a, 'pred')]);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /top-1 error \d+\.\d\d% {2}top-5 error 0\.00% {2}\(12 images/);
  const rep = JSON.parse(readFileSync(join(a, 'pred.json'), 'utf8'));
  assert.equal(rep.count, 12);
  assert.deepEqual(rep.class_names, ['class0', 'class1', 'class2']);
  assert.equal(rep.confusion_matrix.flat().reduce((s: number, v: number) => s + v, 0), 12);
  assert.equal(rep.per_class.length, 3);
  assert.ok(typeof rep.top1_error === 'number' && typeof rep.top5_error === 'number');
  assert.ok(existsSync(join(a, 'pred_confusion.png')));
  // denet predict is the same program.
  assert.equal(cli('denet', ['predict', '--model', join(a, 'model.safetensors'), '--input', TEST, '--results', join(a, 'pred2')]).status, 0);
});

test('model-train with SPLIT markers (split execution) trains exactly like the same network without them', () => {
  const run = (desc: string[]) => {
    const out = tmp('split');
    const r = cli('model-train', ['--model-desc', ...desc, '--train', TRAIN, '--extension', 'png', '--epochs', '2', '--batch-size', '8', '--learn-rate', '0.05', '--output-prefix', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(/split execution in 3 segments/.test(r.stdout), desc.includes('SPLIT'));
    return readFileSync(join(out, 'results.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 2).join(','));
  };
  const split = ['C[8,3]', 'BN', 'A', 'SPLIT', 'P[2]', 'C[16,3]', 'BN', 'A', 'SPLIT', 'P.A', 'R'];
  assert.deepEqual(run(split), run(split.filter((t) => t !== 'SPLIT')));
});

test('model-train-multi --gpus cpu cpu: both ranks end with the same parameters', () => {
  const out = tmp('multi');
  const r = cli('model-train-multi', ['--gpus', 'cpu', 'cpu', '--model-desc', ...SMALL_DESC, '--train', TRAIN, '--test', TEST, '--extension', 'png', '--batch-size', '8', '--epochs', '2', '--learn-rate', '0.05', '--output-prefix', out], { DENET_DIST_SAVE_ALL_RANKS: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /×2/);
  assert.match(r.stdout, /epoch 2\/2/);
  sameTensors(join(out, 'model.safetensors'), join(out, 'rank1', 'model.safetensors'));
});

test('bad input: one clear line and a non-zero exit', () => {
  const base = ['--model-desc', ...SMALL_DESC, '--extension', 'png', '--epochs', '1', '--output-prefix', tmp('bad')];
  const cases: [string[], RegExp][] = [
    [[...base, '--train', '/nonexistent/train'], /^error: \/nonexistent\/train: no such folder$/],
    [[...base, '--train', TRAIN, '--solver', 'rmsprop'], /^error: Expected one of sgd, nesterov, adam for --solver but received "rmsprop"$/],
    [[...base, '--train', TRAIN, '--learn-rate', 'fast'], /^error: .*Expected a positive number for --lr but received "fast"$/],
    [[...base, '--train', TRAIN, '--batch-size', '0'], /^error: .*Expected a positive integer for --batch-size but received "0"$/],
    [[...base], /^error: --train PATH is required$/],
    [['--train', TRAIN], /^error: give --model-desc TOKENS… \(a new model\) or --model FILE$/],
    [[...base, '--train', TRAIN, '--bogus'], /^error: unknown option '--bogus'/],
    [[...base, '--train', TRAIN, '--precision', 'half'], /^error: Expected one of fp32, bf16, fp16 for --precision but received "half"$/],
    [[...base, '--train', TRAIN, '--precision', 'fp16'], /^error: --precision fp16 needs a CUDA device \(libtorch autocasts to fp16 on CUDA only\); use bf16 on the CPU$/],
  ];
  for (const [args, re] of cases) {
    const r = cli('model-train', args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
  }
});

test('bad input: labels out of range for the model, and a truncated model file', () => {
  const dir = tmp('labels');
  // An npy set with 5 classes against a 3-class model.
  const n = 10;
  writeNpy(join(dir, 'x_data.npy'), { dtype: 'float32', shape: [n, 3, 8, 8], data: new Float32Array(n * 192).fill(0.5) });
  writeNpy(join(dir, 'x_labels.npy'), { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 5) });
  const model = tmp('m');
  assert.equal(cli('model-train', ['--model-desc', ...SMALL_DESC, '--train', TRAIN, '--epochs', '1', '--output-prefix', model]).status, 0);
  const r = cli('model-train', ['--model', join(model, 'model.safetensors'), '--train', join(dir, 'x'), '--extension', 'npy', '--epochs', '1', '--output-prefix', tmp('x')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^error: --train .*labels out of range: the data has 5 classes but the model has 3$/);

  const bytes = readFileSync(join(model, 'model.safetensors'));
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  const t = cli('model-predict', ['--model', cut, '--input', TEST]);
  assert.equal(t.status, 2);
  assert.equal(t.stderr.trim().split('\n').length, 1);
  assert.match(t.stderr, /cut\.safetensors.*truncated/);
});

test('model-train --precision bf16 trains and tests under autocast; model-predict --precision bf16 scores the model', () => {
  const out = tmp('bf16');
  const r = cli('model-train', ['--model-desc', ...SMALL_DESC, '--train', TRAIN, '--test', TEST, '--extension', 'png', '--epochs', '1', '--batch-size', '8', '--precision', 'bf16', '--output-prefix', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'args.json'), 'utf8')).options.precision, 'bf16');
  const results = join(out, 'pred');
  const p = cli('model-predict', ['--model', join(out, 'model.safetensors'), '--input', TEST, '--extension', 'png', '--precision', 'bf16', '--results', results, '--no-progress']);
  assert.equal(p.status, 0, p.stderr);
  const report = JSON.parse(readFileSync(`${results}.json`, 'utf8'));
  assert.ok(report.top1_error >= 0 && report.top1_error <= 1 && report.count > 0);
});
