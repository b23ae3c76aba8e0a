/**
 * denet/runtime imports and runs in a process where the libtorch addon cannot load: a module hook
 * makes every import of src/torch fail there (test/runtime/block-addon.mjs), and the child still
 * loads an exported classifier and detector, classifies (probabilities equal libtorch's softmax
 * to 1e-4) and detects.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { exportOnnx } from '../../src/export/export.js';
import { Model } from '../../src/model/index.js';
import { tensor } from '../../src/torch/index.js';
import { tmp } from '../cli/helpers.js';
import { assertRelClose, randomizeBatchNorms, torchOutput } from '../export/helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));

test('the runtime works where src/torch cannot be imported', async () => {
  const dir = tmp('no-addon');
  const c = randomizeBatchNorms(Model.create('C[4,3] BN A P[2] R', { inputShape: [3, 8, 8], classNames: ['a', 'b', 'c'], seed: 2 }));
  const d = randomizeBatchNorms(Model.create('C[8,3,2] BN A DNC[4,1] DNS[2,3] C[8] BN A DND', { inputShape: [3, 32, 32], classNames: ['a', 'b'], seed: 2 }));
  writeFileSync(join(dir, 'c.onnx'), exportOnnx(c, { softmax: true }).bytes);
  writeFileSync(join(dir, 'd.onnx'), exportOnnx(d).bytes);
  const x = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i));
  const logits = torchOutput(c, tensor(x, { shape: [1, 3, 8, 8] }));
  const z = logits.reduce((a, v) => a + Math.exp(v), 0);
  c.dispose();
  d.dispose();
  const png = join(dir, 'im.png');
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 90, g: 160, b: 40 } } }).png().toFile(png);

  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'no-addon-child.ts'), join(dir, 'c.onnx'), join(dir, 'd.onnx'), png], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.match(out.blocked, /^blocked: .*\/src\/torch\//, 'src/torch is really unavailable in the child');
  assertRelClose(out.probs, Array.from(logits, (v) => Math.exp(v) / z), 'probabilities');
  assert.ok(out.detections > 0, 'an untrained detector gives detections (uniform class probabilities ≥ 0.01)');
});
