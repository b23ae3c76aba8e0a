/**
 * Exported classifiers against libtorch: the ONNX graph run by onnxruntime-node gives the scores
 * of Model.forward (eval mode) to 1e-4 relative, at batch 1 and batch > 1 (fixed and dynamic
 * batch graphs). Batch norms get random statistics first so folding is exercised.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/export/export.js';
import { Model } from '../../src/model/index.js';
import { TORCHVISION_RESNETS } from '../../src/model/torchvision.js';
import { ACTIVATION_NAMES } from '../../src/nn/index.js';
import { randn } from '../../src/torch/index.js';
import { cli, tmp } from '../cli/helpers.js';
import { assertRelClose, randomizeBatchNorms, torchOutput } from './helpers.js';

const classes = (n: number) => Array.from({ length: n }, (_, i) => `class${i}`);

async function compare(m: Model, bytes: Uint8Array, batch: number, what: string, output = 'scores'): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  const x = randn([batch, ...m.inputShape]);
  const expected = torchOutput(m, x);
  const r = await session.run({ images: new ort.Tensor('float32', x.toFloat32Array(), [batch, ...m.inputShape]) });
  x.dispose();
  assertRelClose(r[output]!.data as Float32Array, expected, `${what} batch ${batch}`);
}

test('ResNet-18 (TORCHVISION_RESNETS) at 224², batch 1 and 3 (fixed), 2 (dynamic)', async () => {
  const m = randomizeBatchNorms(Model.create(TORCHVISION_RESNETS.resnet18!, { inputShape: [3, 224, 224], classNames: classes(1000), seed: 3 }));
  try {
    const one = exportOnnx(m, { batch: 1 });
    assert.equal(one.info.kind, 'classifier');
    await compare(m, one.bytes, 1, 'resnet18');
    await compare(m, exportOnnx(m, { batch: 3 }).bytes, 3, 'resnet18');
    await compare(m, exportOnnx(m, { batch: 'dynamic' }).bytes, 2, 'resnet18 dynamic');
  } finally {
    m.dispose();
  }
});

test('the README CIFAR network through `denet export` (saved model → CLI → onnxruntime)', async () => {
  const dir = tmp('export-cifar');
  const m = randomizeBatchNorms(Model.create('C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A P.A R', { inputShape: [3, 32, 32], classNames: classes(10), seed: 4 }));
  try {
    const file = join(dir, 'cifar.safetensors');
    m.save(file);
    const out = join(dir, 'cifar.onnx');
    const r = cli('denet', ['export', '--model', file, '--format', 'onnx', '--output', out, '--batch', 'dynamic']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*cifar\.onnx .*classifier, logits/);
    const bytes = readFileSync(out);
    await compare(m, bytes, 1, 'cifar');
    await compare(m, bytes, 5, 'cifar');
    // --softmax ends in probabilities: rows sum to 1.
    const soft = join(dir, 'soft.onnx');
    assert.equal(cli('denet', ['export', '--model', file, '--output', soft, '--batch', '2', '--softmax']).status, 0);
    const s = await ort.InferenceSession.create(readFileSync(soft));
    const x = randn([2, 3, 32, 32]);
    const logits = torchOutput(m, x);
    const p = (await s.run({ images: new ort.Tensor('float32', x.toFloat32Array(), [2, 3, 32, 32]) })).scores!.data as Float32Array;
    for (let b = 0; b < 2; b++) {
      const row = logits.subarray(b * 10, b * 10 + 10);
      const mx = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
      assertRelClose(p.subarray(b * 10, b * 10 + 10), Array.from(row, (v) => Math.exp(v - mx) / z), 'softmax');
    }
    x.dispose();
  } finally {
    m.dispose();
  }
});

/**
 * Every exportable non-detector token (the detector's DNC/DNS/DND are in detector.test.ts): BN
 * folded into C and DC, BN alone (after a pool), BNA, SKIPSRC/SKIP, B, CM (centre crop), D,
 * SPLIT, P (max, mean with padding), PI, pre- and post-activation basic and bottleneck blocks
 * with projection shortcuts, R.
 */
export const EVERY_TOKEN = 'C[8,3] BN A SKIPSRC[1] B[2] CM[20] C.B[8,3] BNA D[0.3] SPLIT SKIP[1] P[2] BN PI[2] DC[6,2,2] BN P.A[3,2,1] RSN[8] nRSN.O[2,8,3,2] BRSN[16] nBRSN.O[2,16,3,2] A R';

test('a network with every exportable token, batch 1 and 4', async () => {
  const m = randomizeBatchNorms(Model.create(EVERY_TOKEN, { inputShape: [3, 20, 20], classNames: classes(5), seed: 5 }));
  try {
    const { bytes } = exportOnnx(m, { batch: 'dynamic' });
    await compare(m, bytes, 1, 'every token');
    await compare(m, bytes, 4, 'every token');
  } finally {
    m.dispose();
  }
});

test('every activation, and the lowest and highest opset', async () => {
  for (const activation of ACTIVATION_NAMES) {
    const m = randomizeBatchNorms(Model.create('C[6,3] BN A P[2] C[6,3] A RSN.O[6] R', { inputShape: [3, 12, 12], classNames: classes(4), activation, seed: 6 }));
    try {
      for (const opset of [11, 21]) await compare(m, exportOnnx(m, { batch: 2, opset }).bytes, 2, `${activation} opset ${opset}`);
    } finally {
      m.dispose();
    }
  }
});

test('a feature network (no classifier) outputs its last map', async () => {
  const m = randomizeBatchNorms(Model.create('C[4,3,2] BN A PI[2]', { inputShape: [3, 8, 8], classNames: [], seed: 7 }));
  try {
    const { bytes, info } = exportOnnx(m, { batch: 2 });
    assert.equal(info.kind, 'network');
    await compare(m, bytes, 2, 'features', 'output');
  } finally {
    m.dispose();
  }
});
