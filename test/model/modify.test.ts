/** model-modify operations and the summary / modify CLIs. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  Model, appendLayers, convertBnActivation, insertLayers, mergeSplits, modifyBatchNorm, modifyLayers,
  removeLastLayers, setClassCount, setImageSize,
} from '../../src/model/index.js';
import { main as modifyMain } from '../../src/cli/modify.js';
import { main as summaryMain } from '../../src/cli/summary.js';
import { noGrad, randn, type Tensor } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const dir = mkdtempSync(join(tmpdir(), 'denet-modify-'));
const base = () => Model.create('C[4,3] BN A SPLIT C[4,3] BN A P.A R', { inputShape: [3, 8, 8], classNames: ['a', 'b', 'c'], seed: 2 });
const get = (m: Model, name: string): Tensor => m.stateDict()[name]!;
const same = (a: Model, an: string, b: Model, bn: string) => assert.ok(get(a, an).equal(get(b, bn)), `${an} → ${bn}`);

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('image size keeps every weight and re-infers shapes', () => {
  const m = base();
  const n = setImageSize(m, 12, 10);
  assert.deepEqual(n.inputShape, [3, 10, 12]);
  for (const k of Object.keys(m.stateDict())) same(m, k, n, k);
  assert.deepEqual(noGrad(() => n.forward(randn([1, 3, 10, 12]), { training: false }).output.shape), [1, 3]);
});

test('modify-layer sets named arguments (aliases allowed) and validates them', () => {
  const m = base();
  const n = modifyLayers(m, 'batchnorm', { eps: 0.001 });
  assert.equal(n.description(), 'C[4,3] BN[0.9,0.001] A SPLIT C[4,3] BN[0.9,0.001] A P.A R');
  same(m, 'layers.1.running_var', n, 'layers.1.running_var');
  assert.throws(() => modifyLayers(m, 'BN', { speed: 1 }), /BN has no argument "speed"/);
  assert.throws(() => modifyLayers(m, 'D', { rate: 0.1 }), /no D layer/);
  assert.throws(() => modifyLayers(m, 'BN', { momentum: 2 }), (e: Error) => e instanceof UserError && /momentum must be at most 1/.test(e.message));
  assert.equal(modifyLayers(m, 'P', { pad: 0 }).description(), 'C[4,3] BN A SPLIT C[4,3] BN A P.A[8,8,0] R');
});

test('remove, insert, append keep the surviving layers\' tensors', () => {
  const m = base();
  const r = removeLastLayers(m, 2);
  assert.equal(r.description(), 'C[4,3] BN A SPLIT C[4,3] BN A');
  const i = insertLayers(m, 3, 'D[0.2] C[4,1]');
  assert.equal(i.description(), 'C[4,3] BN A D[0.2] C[4,1] SPLIT C[4,3] BN A P.A R');
  same(m, 'layers.4.weight', i, 'layers.6.weight');
  same(m, 'layers.8.weight', i, 'layers.10.weight');
  const a = appendLayers(r, ['P[2]', 'R']);
  assert.equal(a.description(), 'C[4,3] BN A SPLIT C[4,3] BN A P[2] R');
  same(m, 'layers.0.weight', a, 'layers.0.weight');
  assert.throws(() => insertLayers(m, 99, 'A'), /outside/);
  assert.throws(() => insertLayers(m, 1, 'Q'), /token 1 "Q": unknown layer type/);
  assert.throws(() => removeLastLayers(m, 20), /cannot remove/);
});

test('class count, BN settings, BN+A → BNA, merge', () => {
  const m = base();
  const c = setClassCount(m, 5);
  assert.deepEqual(c.classNames, ['a', 'b', 'c', 'class3', 'class4']);
  assert.deepEqual(get(c, 'layers.8.weight').shape, [5, 4, 1, 1]);
  same(m, 'layers.4.weight', c, 'layers.4.weight');
  const b = modifyBatchNorm(modifyLayers(m, 'BN', { momentum: 0.5 }), 0.99, 0.01);
  assert.equal(b.description(), m.description());
  assert.equal(b.env.bnMomentum, 0.99);
  const f = convertBnActivation(m);
  assert.equal(f.description(), 'C[4,3] BNA SPLIT C[4,3] BNA P.A R');
  same(m, 'layers.5.running_mean', f, 'layers.4.running_mean');
  const x = randn([2, 3, 8, 8]);
  const out = (model: Model) => noGrad(() => model.forward(x, { training: false }).output);
  assert.ok(out(f).allclose(out(m), 1e-5, 1e-6), 'fusing BN and A keeps the function');
  const g = mergeSplits(f);
  assert.equal(g.description(), 'C[4,3] BNA C[4,3] BNA P.A R');
  assert.ok(out(g).allclose(out(m), 1e-5, 1e-6));
});

test('denet summary prints the table; bad tokens are UserErrors', async () => {
  const { code, out } = await capture(() => summaryMain(['--border-mode', 'half', '--model-desc', 'C[128,3]', 'BN', 'A', 'P[2]', 'C[256,3]', 'BN', 'A', 'P[2]', 'C[512,3]', 'BN', 'A', 'P.A', 'R', '--input-shape', '3x32x32', '--classes', '10']));
  assert.equal(code, 0);
  assert.match(out, /total parameters: 1,485,834/);
  assert.match(out, /12 {2}R {9}10×1×1/);
  await assert.rejects(() => summaryMain(['--model-desc', 'C[8,3]', 'P[2,2,9]']), /token 1 "P\[2,2,9\]": pad 9 is larger than half the window 2/);
  await assert.rejects(() => summaryMain(['--model-desc', 'C[8]', '--input-shape', '3x32']), /CxHxW/);
});

test('model-modify: flags from the SPEC, applied in order, output reloadable', async () => {
  const m = base();
  const input = join(dir, 'in.safetensors');
  const output = join(dir, 'out.safetensors');
  m.save(input, { run: 'r1' });
  const { code, out } = await capture(() => modifyMain([
    '--input', input, '--output', output, '--image-size', '16', '16', '--modify-layer', 'BN', 'eps=0.001', '--layer-remove', '1',
    '--layer-insert', '3:D[0.1]', '--layer-append', 'R', '--class-num', '4', '--modify-bn', '0.95', '0.0001', '--convert-bn-relu', '--merge',
  ]));
  assert.equal(code, 0);
  assert.match(out, /total parameters/);
  const n = Model.load(output);
  assert.equal(n.description(), 'C[4,3] BNA D[0.1] C[4,3] BNA P.A R');
  assert.deepEqual(n.inputShape, [3, 16, 16]);
  assert.equal(n.classNames.length, 4);
  assert.equal(n.env.bnEps, 0.0001);
  assert.equal(n.metadata.run, 'r1');
  same(m, 'layers.4.weight', n, 'layers.3.weight');
  await assert.rejects(() => modifyMain(['--input', input, '--modify-layer', 'eps=1']), /needs a layer type/);
  await assert.rejects(() => modifyMain(['--input', join(dir, 'nope.safetensors')]), /cannot open model file/);
});

test('model-modify --fuse-bn writes the fused inference model: BN folded, same eval outputs, metadata kept', async () => {
  const m = Model.create('C.B[4,3] BN A RSN.O[4] C[4,3] P[2] BN R', { inputShape: [3, 8, 8], classNames: ['a', 'b', 'c'], seed: 3 });
  noGrad(() => {
    for (const b of m.namedBuffers()) if (b.name.endsWith('running_var')) b.tensor.fill_(2.5);
    for (const b of m.namedBuffers()) if (b.name.endsWith('running_mean')) b.tensor.fill_(0.3);
  });
  const input = join(dir, 'unfused.safetensors');
  const output = join(dir, 'fused.safetensors');
  m.save(input, { run: 'r2' });
  const { code } = await capture(() => modifyMain(['--input', input, '--output', output, '--fuse-bn']));
  assert.equal(code, 0);
  const f = Model.load(output);
  // The BN after pooling cannot fold (a max between), the other two do.
  assert.equal(f.description(), 'C[4,3] A RSN.OF[4] C[4,3] P[2] BN R');
  assert.equal(f.metadata.run, 'r2');
  const x = randn([2, 3, 8, 8]);
  const a = m.infer(x).output, b = f.infer(x).output;
  assert.ok(a.sub(b).abs().max().item() <= 1e-5 * a.abs().max().item());
  const { out } = await capture(() => modifyMain(['--input', output, '--fuse-bn']));
  assert.match(out, /nothing to fold/);
});
