/**
 * `denet benchmark` end to end: the table, `--json` (rows per engine × precision × batch, timings
 * consistent with each other), accuracy on `--data` equal to what model-predict reports for the
 * same model and data, the ONNX engine (the exported graph on onnxruntime-node: fp32 only, its
 * accuracy equal to libtorch's), a detector timed whole on both engines, and one-line errors for
 * bad flags.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Model } from '../../src/model/index.js';
import { registerLayers } from '../../src/layers.js';
import { cli, pngClassFolders, tmp } from './helpers.js';

registerLayers();
const dir = tmp('benchmark');

test('denet benchmark: table, --json, accuracy matches model-predict, onnx in fp32', async () => {
  const data = await pngClassFolders(join(dir, 'data'), 3, 6, 8);
  const model = join(dir, 'tiny.safetensors');
  const m = Model.create('C.B[8,3] BN A P[2] C[8,3] BN A P.A R', { inputShape: [3, 8, 8], classNames: ['class0', 'class1', 'class2'], seed: 4 });
  m.save(model);
  m.dispose();

  const table = cli('denet', ['benchmark', '--model', model, '--batch', '1,4', '--runs', '3', '--warmup', '1']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /Engine\s+Precision\s+Batch\s+Status\s+Size \(MB\)\s+metric\s+ms\/img\s+img\/s/);
  assert.match(table.stdout, /libtorch\s+fp32\s+1\s+ok/);
  assert.match(table.stdout, /libtorch\s+fp32\s+4\s+ok/);

  const r = cli('denet', ['benchmark', '--model', model, '--data', data, '--extension', 'png', '--batch', '1,4', '--precision', 'fp32,bf16', '--engines', 'libtorch,onnx', '--runs', '3', '--warmup', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.kind, 'classifier');
  assert.deepEqual(report.input, [3, 8, 8]);
  assert.equal(report.metric_name, 'top1_accuracy');
  assert.deepEqual(report.rows.map((x: { engine: string; precision: string; batch: number }) => `${x.engine}/${x.precision}/${x.batch}`),
    ['libtorch/fp32/1', 'libtorch/fp32/4', 'libtorch/bf16/1', 'libtorch/bf16/4', 'onnx/fp32/1', 'onnx/fp32/4', 'onnx/bf16/1', 'onnx/bf16/4']);
  for (const row of report.rows) {
    if (row.engine === 'onnx' && row.precision === 'bf16') {
      assert.equal(row.status, 'not available: the exported graph runs in fp32');
      assert.equal(row.ms_per_image, null);
      assert.equal(row.size_mb, null);
      continue;
    }
    assert.equal(row.status, 'ok');
    assert.ok(row.size_mb > 0);
    assert.ok(row.ms_per_batch > 0);
    assert.ok(Math.abs(row.ms_per_image - row.ms_per_batch / row.batch) < 1e-9);
    assert.ok(Math.abs(row.images_per_s - (1000 * row.batch) / row.ms_per_batch) < 1e-6);
  }
  // The fp32 accuracy is model-predict's (1 − top-1 error) on the same data.
  const results = join(dir, 'pred');
  const pred = cli('model-predict', ['--model', model, '--input', data, '--extension', 'png', '--results', results, '--no-progress']);
  assert.equal(pred.status, 0, pred.stderr);
  const top1Error = JSON.parse(readFileSync(`${results}.json`, 'utf8')).top1_error;
  assert.equal(report.rows[0].metric, 1 - top1Error);
  assert.ok(Math.abs(report.rows[2].metric - report.rows[0].metric) <= 1 / 18 + 1e-9, 'bf16 accuracy within one image of fp32');
  assert.equal(report.rows[4].metric, report.rows[0].metric, 'onnxruntime classifies the 18 images as libtorch does');
  // Sizes: the .safetensors file for libtorch; the exported graph (no BN tensors, a protobuf) for onnx.
  assert.equal(report.rows[0].size_mb, statSync(model).size / 2 ** 20);
  assert.notEqual(report.rows[4].size_mb, report.rows[0].size_mb);
});

test('denet benchmark times a detector whole; bad flags are one-line errors', () => {
  const model = join(dir, 'det.safetensors');
  const m = Model.create('C.B[8,3,2] BN A C.B[16,3,2] BN A DNC[4,1] DNS[2,3] C.B[16] BN A DND.JB[0.5,1,0.125]', { inputShape: [3, 32, 32], classNames: ['a', 'b'], seed: 2 });
  m.save(model);
  m.dispose();
  const r = cli('denet', ['benchmark', '--model', model, '--batch', '2', '--runs', '2', '--warmup', '1', '--engines', 'libtorch,onnx', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.kind, 'detector');
  assert.equal(report.layout, 'channels-last', '--layout auto is channels-last on the CPU');
  assert.deepEqual(report.rows.map((x: { engine: string; status: string }) => `${x.engine} ${x.status}`), ['libtorch ok', 'onnx ok']);
  for (const row of report.rows) assert.ok(row.ms_per_batch > 0);

  const fp16 = cli('denet', ['benchmark', '--model', model, '--precision', 'fp16']);
  assert.equal(fp16.status, 2);
  assert.equal(fp16.stderr.trim(), 'error: --precision fp16 needs a CUDA device (libtorch autocasts to fp16 on CUDA only); use bf16 on the CPU');
  const nchw = JSON.parse(cli('denet', ['benchmark', '--model', model, '--batch', '2', '--runs', '1', '--warmup', '1', '--layout', 'nchw', '--json']).stdout);
  assert.equal(nchw.layout, 'NCHW');
  const layout = cli('denet', ['benchmark', '--model', model, '--layout', 'nhwc']);
  assert.equal(layout.stderr.trim(), 'error: Expected one of auto, nchw, channels-last for --layout but received "nhwc"');
  const batch = cli('denet', ['benchmark', '--model', model, '--batch', '1,0']);
  assert.equal(batch.status, 2);
  assert.match(batch.stderr.trim(), /^error: Expected a positive integer for --batch but received "0"$/);
  const engine = cli('denet', ['benchmark', '--model', model, '--engines', 'tensorrt']);
  assert.match(engine.stderr.trim(), /^error: Expected one of libtorch, onnx for --engines but received "tensorrt"$/);
});
