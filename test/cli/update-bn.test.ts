/** model-update-bn: running statistics become the average of the per-batch statistics. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNpy } from '../../src/data/npy.js';
import { Model } from '../../src/model/index.js';
import { readSafetensors } from '../../src/torch/index.js';
import { cli, tmp } from './helpers.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

test('model-update-bn re-estimates BN statistics as the average over batches', () => {
  const dir = tmp('ubn');
  const n = 12, C = 2, H = 4, W = 4;
  const data = new Float32Array(n * C * H * W);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 2 + (Math.floor(i / (H * W)) % C === 1 ? 3 : -1);
  writeNpy(join(dir, 'd_data.npy'), { dtype: 'float32', shape: [n, C, H, W], data });
  writeNpy(join(dir, 'd_labels.npy'), { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 2) });
  const model = Model.create(['BN', 'C[4,3]', 'A', 'P.A', 'R'], { inputShape: [C, H, W], classNames: ['0', '1'], seed: 1 });
  const file = join(dir, 'm.safetensors');
  model.save(file);
  model.dispose();
  const out = join(dir, 'm2.safetensors');
  const r = cli('model-update-bn', ['--model', file, '--train', join(dir, 'd'), '--extension', 'npy', '--batch-size', '4', '--output', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /updated 1 batch-norm layer\(s\) from 3 batch\(es\)/);
  // Expected: the mean over the 3 batches of each batch's channel mean and unbiased variance.
  const expMean = [0, 0], expVar = [0, 0];
  for (let b = 0; b < 3; b++) {
    for (let c = 0; c < C; c++) {
      const v: number[] = [];
      for (let i = b * 4; i < b * 4 + 4; i++) for (let k = 0; k < H * W; k++) v.push(data[(i * C + c) * H * W + k]!);
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      expMean[c]! += m / 3;
      expVar[c]! += v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1) / 3;
    }
  }
  const t = readSafetensors(out).tensors;
  const key = (s: string) => Object.keys(t).find((k) => k.endsWith(s))!;
  const mean = Array.from(t[key('running_mean')]!.toFloat32Array());
  const vr = Array.from(t[key('running_var')]!.toFloat32Array());
  for (let c = 0; c < C; c++) {
    assert.ok(Math.abs(mean[c]! - expMean[c]!) < 1e-4, `mean[${c}] ${mean[c]} vs ${expMean[c]}`);
    assert.ok(Math.abs(vr[c]! - expVar[c]!) < 1e-4 * Math.max(1, expVar[c]!), `var[${c}] ${vr[c]} vs ${expVar[c]}`);
  }
});
