/**
 * CUDA subset, detector: a tiny DeNet trained on the GPU (pinned loader batches, non-blocking
 * copies) reaches the CPU test's AP50 bar; its detections on the GPU equal those of the same
 * weights on the CPU; the device-side corner search on the GPU's corner maps gives exactly the
 * typed-array search's RoIs on the same logits; a model saved from the GPU loads on the CPU.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLoader } from '../../src/data/loader.js';
import { SparseLayer, detect, type Detection } from '../../src/detect/index.js';
import { evaluateDetector } from '../../src/detect/evaluate.js';
import { iouAt } from '../../src/runtime/boxes.js';
import { Model } from '../../src/model/index.js';
import { tensor } from '../../src/torch/index.js';
import { LearnSchedule } from '../../src/train/schedule.js';
import { createSolver } from '../../src/train/solvers/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { DEVICE, NO_CUDA, withoutTF32 } from '../helpers/cuda.js';
import { RECT_SIZE as S, rectangles } from '../helpers/rectangles.js';
import { assertSameSearch, cornerLogits } from '../helpers/search.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const DESC = 'C.B[16,3,2] BN A C.B[32,3,2] BN A C.B[32,3] BN A DNC[8,100] DNS[3,6,0.01,0.1,1,1] C.B[64] BN A DND.JB[0.5,1,0.125]';

/**
 * Every detection scoring ≥ 0.05 in `a` has one in `b` of the same class at IoU ≥ 0.99 whose score
 * differs by ≤ 1e-3. (Detections are compared as matches, not position by position: corner
 * scores differing in the last float bits may swap the order of two nearly equal RoIs.)
 */
function covered(a: Detection[][], b: Detection[][], what: string): number {
  let n = 0;
  a.forEach((img, i) => {
    for (const d of img) {
      if (d.score < 0.05) continue;
      n++;
      const hit = b[i]!.some((e) => e.cls === d.cls && iouAt(e.box, 0, d.box, 0) >= 0.99 && Math.abs(e.score - d.score) <= 1e-3);
      assert.ok(hit, `${what}: image ${i}: ${JSON.stringify(d)} has no match`);
    }
  });
  return n;
}

test('CUDA subset: a DeNet trained on the GPU detects; GPU and CPU detections and RoIs agree; saved on the GPU, loaded on the CPU', { skip: NO_CUDA, timeout: 600_000 }, async () => {
  const train = rectangles(512, 1);
  const held = rectangles(64, 2);
  const model = Model.create(DESC, { inputShape: [3, S, S], classNames: train.classNames, seed: 3 }).to(DEVICE);
  const solver = createSolver('adam', model.namedParameters(), { weightDecay: 1e-4, momentum: [0.9, 0.999] });
  const trainLoader = createLoader(train, { batchSize: 16, seed: 1, train: true, pinMemory: true });
  const trainer = new Trainer({ model, solver, schedule: new LearnSchedule({ rate: 0.003, anneal: 0.1, annealEpochs: [10] }), epochs: 12, seed: 1, train: trainLoader, device: DEVICE });
  await trainer.run();
  const r = await evaluateDetector(model, createLoader(held, { batchSize: 32, pinMemory: true }), { device: DEVICE });
  console.log(`GPU-trained: held-out AP ${r.report.stats.AP.toFixed(3)} AP50 ${r.report.stats.AP50.toFixed(3)}`);
  assert.ok(r.report.stats.AP50 > 0.6, `AP50 ${r.report.stats.AP50}`);

  // Save on the GPU, load on the CPU: the same tensors.
  const file = join(mkdtempSync(join(tmpdir(), 'denet-cuda-detect-')), 'model.safetensors');
  model.save(file);
  const cpuModel = Model.load(file);
  const gpuState = model.stateDict();
  for (const [k, t] of Object.entries(cpuModel.stateDict())) {
    assert.equal(t.device, 'cpu');
    assert.ok(gpuState[k]!.cpu().equal(t), `${k} after save on ${DEVICE} and load on the CPU`);
  }

  const images = tensor(Float32Array.from({ length: 32 * 3 * S * S }, (_, i) => held.pixels!(Math.floor(i / (3 * S * S))).data[i % (3 * S * S)]!), { shape: [32, 3, S, S] });
  const gpuImages = images.to(DEVICE);
  withoutTF32(() => {
    // The search on the device (the default on CUDA) against the typed-array search on the same logits.
    const maps = cornerLogits(model, gpuImages);
    const dns = model.layers.find((l) => l instanceof SparseLayer) as SparseLayer;
    const [, h, w] = dns.inShape as [number, number, number];
    for (const roiCluster of [1, 0.7]) assertSameSearch(maps, 32, w, h, { threshold: dns.threshold, maxCorners: dns.maxCorners, cluster: dns.cornerCluster, count: dns.rois, roiCluster }, `GPU corner maps, ω ${roiCluster}`);
    const onGpu = detect(model, gpuImages);
    const onCpu = detect(cpuModel, images);
    assert.ok(covered(onCpu, onGpu, 'CPU → GPU') > 32);
    covered(onGpu, onCpu, 'GPU → CPU');
  });
  for (const t of [images, gpuImages]) t.dispose();
  cpuModel.dispose();
  model.dispose();
});

test('CUDA subset: pinned loader batches on the GPU machine; the same values as unpinned ones', { skip: NO_CUDA }, async () => {
  const data = rectangles(8, 3);
  const plain = createLoader(data, { batchSize: 4 });
  const pinned = createLoader(data, { batchSize: 4, pinMemory: true });
  const a = [], b = [];
  for await (const x of plain.epoch(0)) a.push(x);
  for await (const x of pinned.epoch(0)) b.push(x);
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.equal(b[i]!.images.isPinned, DEVICE !== 'cpu', 'pinned where CUDA is present');
    assert.ok(a[i]!.images.equal(b[i]!.images));
    const onDevice = b[i]!.images.to({ device: DEVICE, nonBlocking: true });
    assert.ok(onDevice.cpu().equal(a[i]!.images));
    onDevice.dispose();
  }
  for (const x of [...a, ...b]) x.images.dispose();
});
