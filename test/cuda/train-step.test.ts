/**
 * CUDA subset: one training step (forward, every loss term, backward) of a network holding every
 * layer type, on the GPU and on the CPU from the same weights and inputs: losses agree to 1e-4,
 * each gradient to 1e-3 relative (‖Δg‖ / ‖g‖), BN running statistics to 1e-4. TF32 off.
 *
 * Random parts draw from the CPU generator on both devices (CM's crops, DNS's random boxes), so
 * both runs see the same ones; D runs at rate 0 (a GPU draws other dropout masks than the CPU).
 * The detector's corner threshold (0.5, above the corner prior) keeps the search out of this
 * comparison (its RoIs are the ground truth and random boxes); cuda-detect.test.ts covers it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DetectionTargets } from '../../src/data/types.js';
import { layerSpecs } from '../../src/desc/index.js';
import { Model } from '../../src/model/index.js';
import { manualSeed, rand, randint, type Tensor } from '../../src/torch/index.js';
import { DEVICE, NO_CUDA, relativeError, withoutTF32 } from '../helpers/cuda.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

/** A classifier on 3×32×32 holding every non-detection layer type (CM crops to 28). */
const CLASSIFIER =
  'CM[28,0.5] C[8,3] BN A SKIPSRC[1] C.B[8,3] BNA D[0] RSN[8] SPLIT nRSN.O[2,16,3,2] DC[32,3] PI[2] SKIP[1] ' +
  'PI[2] P[2] B[1] BRSN.O[16,3,2] nBRSN[2,16] P.A R';
/** A DeNet on 3×32×32 with every detection layer type (bilinear sampling, joint fitness, Bounded IoU). */
const DETECTOR = 'C[8,3,2] BN A DNC[4,10] DNS.L[2,3,0.5,0.25,1,0.9] C.B[16] BN A DND.JB[0.5,1,0.125]';

function target(boxes: number[], classes: number[]): DetectionTargets {
  const n = classes.length;
  return { boxes: Float32Array.from(boxes), classes: Int32Array.from(classes), ignore: new Uint8Array(n), difficult: new Uint8Array(n) };
}

/** Losses, gradients and buffers after one training step of `model` on `device`. */
function step(model: Model, images: Tensor, extra: { labels?: Tensor; targets?: DetectionTargets[] }, device: string) {
  manualSeed(7);
  const x = images.to(device);
  const labels = extra.labels?.to(device);
  const { losses } = model.forward(x, { training: true, labels, targets: extra.targets });
  const names = Object.keys(losses).sort();
  let total = losses[names[0]!]!;
  for (const n of names.slice(1)) total = total.add(losses[n]!);
  total.backward();
  const values = Object.fromEntries(names.map((n) => [n, losses[n]!.item()]));
  const grads = Object.fromEntries(model.namedParameters().map((p) => [p.name, p.tensor.grad ? (p.tensor.grad.cpu().toFloat32Array() as Float32Array) : new Float32Array(0)]));
  const buffers = Object.fromEntries(model.namedBuffers().map((b) => [b.name, b.tensor.to({ dtype: 'float32', device: 'cpu' }).toFloat32Array() as Float32Array]));
  x.dispose();
  labels?.dispose();
  return { values, grads, buffers };
}

function compare(desc: string, inputShape: [number, number, number], images: Tensor, extra: { labels?: Tensor; targets?: DetectionTargets[] }, classNames: string[]): void {
  const file = join(mkdtempSync(join(tmpdir(), 'denet-cuda-step-')), 'model.safetensors');
  const cpuModel = Model.create(desc, { inputShape, classNames, seed: 3 });
  cpuModel.save(file);
  const gpuModel = Model.load(file).to(DEVICE);
  const cpu = withoutTF32(() => step(cpuModel, images, extra, 'cpu'));
  const gpu = withoutTF32(() => step(gpuModel, images, extra, DEVICE));
  assert.deepEqual(Object.keys(gpu.values), Object.keys(cpu.values));
  for (const [k, v] of Object.entries(cpu.values)) assert.ok(Math.abs(gpu.values[k]! - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${desc}: loss ${k} ${gpu.values[k]} on the GPU, ${v} on the CPU`);
  for (const [k, g] of Object.entries(cpu.grads)) {
    assert.equal(gpu.grads[k]!.length, g.length, `${k}: gradient present on both`);
    const e = relativeError(gpu.grads[k]!, g);
    assert.ok(e <= 1e-3, `${desc}: gradient ${k} differs by ${e.toExponential(2)} (relative)`);
  }
  for (const [k, b] of Object.entries(cpu.buffers)) assert.ok(relativeError(gpu.buffers[k]!, b) <= 1e-4, `${desc}: buffer ${k}`);
  cpuModel.dispose();
  gpuModel.dispose();
}

test('CUDA subset: the networks cover every layer type', () => {
  const used = new Set([...CLASSIFIER.split(' '), ...DETECTOR.split(' ')].map((t) => t.replace(/[.[].*$/, '')));
  assert.ok(layerSpecs().length >= 19, 'the registry is populated');
  assert.deepEqual(layerSpecs().map((s) => s.type).filter((t) => !used.has(t)), []);
});

test('CUDA subset: a training step of a classifier with every layer type equals the CPU (losses 1e-4, gradients 1e-3)', { skip: NO_CUDA }, () => {
  manualSeed(11);
  const images = rand([4, 3, 32, 32]);
  const labels = randint(0, 3, [4]);
  compare(CLASSIFIER, [3, 32, 32], images, { labels }, ['a', 'b', 'c']);
  images.dispose();
  labels.dispose();
});

test('CUDA subset: a training step of a DeNet (DNC, DNS.L, DND.JB) equals the CPU', { skip: NO_CUDA }, () => {
  manualSeed(12);
  const images = rand([2, 3, 32, 32]);
  const targets = [target([0.1, 0.1, 0.5, 0.6, 0.4, 0.3, 0.9, 0.8], [0, 1]), target([0.2, 0.5, 0.7, 0.95], [1])];
  compare(DETECTOR, [3, 32, 32], images, { targets }, ['a', 'b']);
  images.dispose();
});
