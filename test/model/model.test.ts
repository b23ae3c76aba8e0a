/** Model contract: build, shapes, parameter counts, gradients, save/load, no leaks. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Model } from '../../src/model/index.js';
import { manualSeed, memoryStats, randn, tensor, noGrad } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';
import { needsPyTorch, pytorch } from '../helpers/pytorch.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const README = 'C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A P.A R';
const classes = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
const dir = mkdtempSync(join(tmpdir(), 'denet-model-'));

test('README model: output shapes and hand-computed parameter count', () => {
  const m = Model.create(README, { inputShape: [3, 32, 32], classNames: classes(10), borderMode: 'half', activation: 'relu' });
  const shapes = m.summary().rows.map((r) => r.outputShape.join('x'));
  assert.deepEqual(shapes, [
    '128x32x32', '128x32x32', '128x32x32', '128x16x16',
    '256x16x16', '256x16x16', '256x16x16', '256x8x8',
    '512x8x8', '512x8x8', '512x8x8', '512x1x1', '10x1x1',
  ]);
  const conv = (cin: number, cout: number, k: number) => cout * cin * k * k + cout;
  const expected = conv(3, 128, 3) + 2 * 128 + conv(128, 256, 3) + 2 * 256 + conv(256, 512, 3) + 2 * 512 + conv(512, 10, 1);
  assert.equal(expected, 1_485_834);
  assert.equal(m.parameterCount(), expected);
  assert.equal(m.summary().totalParams, expected);
  // BN buffers: running_mean, running_var (C each) and num_batches_tracked.
  assert.deepEqual(m.namedBuffers().map((b) => b.name), [1, 5, 9].flatMap((i) => ['running_mean', 'running_var', 'num_batches_tracked'].map((n) => `layers.${i}.${n}`)));
  m.dispose();
});

test('forward: logits [B, classes], class loss, gradients reach every parameter, nothing leaks', () => {
  manualSeed(0);
  const m = Model.create(README, { inputShape: [3, 16, 16], classNames: classes(5), seed: 3 });
  const x = randn([4, 3, 16, 16]);
  const y = tensor([0, 1, 2, 4], { dtype: 'int64' });
  const before = memoryStats().liveTensors;
  const { output, losses } = m.forward(x, { training: true, labels: y });
  assert.equal(memoryStats().liveTensors, before + 2);
  assert.deepEqual(output.shape, [4, 5]);
  assert.deepEqual(Object.keys(losses), ['class']);
  assert.ok(losses.class!.item() > 0);
  losses.class!.backward();
  for (const p of m.namedParameters()) {
    const g = p.tensor.grad;
    assert.ok(g, `${p.name} has a gradient`);
    assert.ok(g.abs().sum().item() > 0, `${p.name} has a non-zero gradient`);
    g.dispose();
  }
  assert.deepEqual(m.namedParameters().filter((p) => p.decay).map((p) => p.name), ['layers.0.weight', 'layers.4.weight', 'layers.8.weight', 'layers.12.weight']);
  output.dispose();
  losses.class!.dispose();
  // Eval without labels: no losses.
  const ev = m.forward(x, { training: false });
  assert.deepEqual(Object.keys(ev.losses), []);
  ev.output.dispose();
  m.dispose();
});

test('forward rejects a wrong input shape with a UserError', () => {
  const m = Model.create('C[4,3] R', { inputShape: [3, 8, 8], classNames: classes(2) });
  assert.throws(() => m.forward(randn([1, 3, 9, 8]), { training: false }), (e: Error) => e instanceof UserError && /\[B, 3, 8, 8\]/.test(e.message));
  m.dispose();
});

test('BN running statistics update only in training', () => {
  const m = Model.create('C[4,3] BN A R', { inputShape: [3, 8, 8], classNames: classes(2) });
  const rm = () => m.namedBuffers().find((b) => b.name === 'layers.1.running_mean')!.tensor.toArray() as number[];
  const x = randn([2, 3, 8, 8]).add(3);
  const r0 = rm();
  m.forward(x, { training: false });
  assert.deepEqual(rm(), r0);
  m.forward(x, { training: true });
  assert.notDeepEqual(rm(), r0);
  assert.equal(m.namedBuffers().find((b) => b.name === 'layers.1.num_batches_tracked')!.tensor.item(), 1);
  m.dispose();
});

test('save and load round trip: same tensors, same outputs, metadata kept', () => {
  const m = Model.create('C.B[8,3] BN A P[2] 2RSN[8] SKIPSRC[0] C[8,3] SKIP[0] P.A R', { inputShape: [3, 16, 16], classNames: ['cat', 'dog', 'eel'], activation: 'elu', borderMode: 'same' });
  m.forward(randn([2, 3, 16, 16]), { training: true }); // move the BN statistics off their initial values
  const path = join(dir, 'm.safetensors');
  m.save(path, { training_state: JSON.stringify({ epoch: 3 }) });
  const m2 = Model.load(path);
  assert.equal(m2.description(), m.description());
  assert.deepEqual(m2.classNames, ['cat', 'dog', 'eel']);
  assert.deepEqual(m2.inputShape, [3, 16, 16]);
  assert.equal(m2.env.activation, 'elu');
  assert.equal(m2.env.borderMode, 'same');
  assert.deepEqual(JSON.parse(m2.metadata.training_state!), { epoch: 3 });
  const a = m.stateDict();
  const b = m2.stateDict();
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const k of Object.keys(a)) assert.ok(a[k]!.equal(b[k]!), k);
  const x = randn([2, 3, 16, 16]);
  assert.ok(m.forward(x, { training: false }).output.equal(m2.forward(x, { training: false }).output));
  m.dispose();
  m2.dispose();
});

test('load: one-line UserErrors for truncated, non-safetensors and non-model files', () => {
  const m = Model.create('C[4,3] R', { inputShape: [3, 8, 8], classNames: classes(2) });
  const path = join(dir, 'ok.safetensors');
  m.save(path);
  const bytes = readFileSync(path);
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  const junk = join(dir, 'junk.safetensors');
  writeFileSync(junk, 'this is not a model at all, just text');
  for (const p of [cut, junk, join(dir, 'missing.safetensors')]) {
    assert.throws(() => Model.load(p), (e: Error) => e instanceof UserError && !e.message.includes('\n'), p);
  }
  assert.throws(() => m.save(path, { description: 'x' }), /reserved/);
  m.dispose();
});

test('model file header parsed by hand in Python (json + struct): names, shapes, dtypes', needsPyTorch(), () => {
  const m = Model.create('C.B[4,3] BN A R', { inputShape: [3, 8, 8], classNames: classes(3) });
  const path = join(dir, 'py.safetensors');
  m.save(path, { note: 'hi' });
  const out = pytorch<{ header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>; size: number }>(
    `import struct
with open(inp, 'rb') as f: data = f.read()
n, = struct.unpack('<Q', data[:8])
header = json.loads(data[8:8 + n])
out = {'header': header, 'size': len(data) - 8 - n}`,
    path,
  );
  const h = out.header;
  const meta = h.__metadata__ as unknown as Record<string, string>;
  assert.equal(meta.description, 'C.B[4,3] BN A R');
  assert.equal(meta.note, 'hi');
  assert.deepEqual(JSON.parse(meta.class_names!), classes(3));
  delete h.__metadata__;
  const summary = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, `${v.dtype}[${v.shape}]`]));
  assert.deepEqual(summary, {
    'layers.0.weight': 'F32[4,3,3,3]',
    'layers.1.weight': 'F32[4]',
    'layers.1.bias': 'F32[4]',
    'layers.1.running_mean': 'F32[4]',
    'layers.1.running_var': 'F32[4]',
    'layers.1.num_batches_tracked': 'I64[]',
    'layers.3.weight': 'F32[3,4,1,1]',
    'layers.3.bias': 'F32[3]',
  });
  assert.equal(out.size, Math.max(...Object.values(h).map((v) => v.data_offsets[1]!)));
  m.dispose();
});

test('seed makes initialisation repeatable', () => {
  const a = Model.create('C[4,3] R', { inputShape: [3, 8, 8], classNames: classes(2), seed: 7 });
  const b = Model.create('C[4,3] R', { inputShape: [3, 8, 8], classNames: classes(2), seed: 7 });
  noGrad(() => assert.ok(a.namedParameters()[0]!.tensor.equal(b.namedParameters()[0]!.tensor)));
  a.dispose();
  b.dispose();
});
