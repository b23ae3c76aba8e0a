/** `denet export` bad input: one line, non-zero exit, no .onnx (or temporary file) left behind. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { registerLayerTypes } from '../../src/desc/registry.js';
import { exportOnnx } from '../../src/export/export.js';
import { Model } from '../../src/model/index.js';
import { Layer, defineLayer, type Shape } from '../../src/nn/layer.js';
import type { Tensor } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';
import { cli, tmp } from '../cli/helpers.js';
import './helpers.js'; // registers the layer types

const dir = tmp('export-errors');
const modelFile = join(dir, 'net.safetensors');
const detectorFile = join(dir, 'det.safetensors');
{
  const m = Model.create('C[4,3] BN A R', { inputShape: [3, 8, 8], classNames: ['a', 'b'], seed: 1 });
  m.save(modelFile);
  m.dispose();
  const d = Model.create('C[8,3] BN A DNC[4,1] DNS.L[2,3] DND', { inputShape: [3, 16, 16], classNames: ['a', 'b'], seed: 1 });
  d.save(detectorFile);
  d.dispose();
}

function fails(args: string[], message: RegExp): void {
  const r = cli('denet', ['export', ...args]);
  assert.equal(r.status, 2, `exit status for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, message);
}

const leftovers = (d: string) => readdirSync(d).filter((f) => f.endsWith('.onnx') || f.endsWith('.tmp'));

test('unknown --format', () => {
  const out = join(dir, 'fmt.onnx');
  fails(['--model', modelFile, '--format', 'tflite', '--output', out], /^error: unknown --format "tflite" \(expected onnx\)$/);
  assert.ok(!existsSync(out));
});

test('an output path that cannot be written', () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  fails(['--model', modelFile, '--output', join(file, 'm.onnx')], /^error: cannot write .*plain-file\/m\.onnx: (ENOTDIR|EEXIST)$/);
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  fails(['--model', modelFile, '--output', sub], /^error: cannot write .*a-directory: it is a directory$/);
  assert.deepEqual(leftovers(dir), []);
});

test('a model file that is not ours', () => {
  const bogus = join(dir, 'bogus.safetensors');
  writeFileSync(bogus, 'not a safetensors file at all');
  const out = join(dir, 'bogus.onnx');
  fails(['--model', bogus, '--output', out], /^error: .*bogus\.safetensors/);
  assert.ok(!existsSync(out));
});

test('an --opset the graph cannot meet names the token', () => {
  const out = join(dir, 'det13.onnx');
  fails(['--model', detectorFile, '--output', out, '--opset', '13'], /^error: --opset 13: the graph needs opset 16 or later for token 4 "DNS\.L" \(GridSample\)$/);
  fails(['--model', modelFile, '--output', out, '--opset', '9'], /^error: --opset 9: this exporter writes opsets 11 to 21$/);
  fails(['--model', modelFile, '--output', out, '--batch', 'zero'], /^error: Expected a positive integer or "dynamic" for --batch but received "zero"$/);
  assert.ok(!existsSync(out));
  assert.equal(cli('denet', ['export', '--model', detectorFile, '--output', out, '--opset', '16']).status, 0);
  assert.ok(existsSync(out));
});

test('a layer type with no export fails with one line naming the token', () => {
  // A user-registered layer (the registry is open) that the exporter has no operators for.
  class Twice extends Layer {
    readonly outShape: Shape;
    constructor(token: ConstructorParameters<typeof Layer>[0], ctx: ConstructorParameters<typeof Layer>[1]) {
      super(token, ctx);
      this.outShape = [...ctx.inShape];
    }
    forward(x: Tensor): Tensor {
      return x.mul(2);
    }
  }
  registerLayerTypes([defineLayer({ type: 'TWICE', about: 'doubles (test only)', args: [], tags: {}, example: 'TWICE', build: (t, _a, ctx) => new Twice(t, ctx) })]);
  const m = Model.create('C[4,3] A TWICE R', { inputShape: [3, 8, 8], classNames: ['a', 'b'] });
  try {
    assert.throws(() => exportOnnx(m), (e: Error) => e instanceof UserError && e.message === 'token 2 "TWICE": the layer type TWICE cannot be exported to ONNX');
  } finally {
    m.dispose();
  }
});

test('model-predict --engine onnx refuses a reduced --precision (the exported graph is fp32)', () => {
  const r = cli('model-predict', ['--model', join(dir, 'det.onnx'), '--engine', 'onnx', '--input', dir, '--predict-mode', 'detect', '--precision', 'bf16']);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim(), 'error: --precision bf16: --engine onnx runs the exported graph in fp32; --precision applies to --engine libtorch');
});
