/**
 * The moving average of the weights (`--ema`): values worked out from the formula, the swap that
 * tests and saves see, and a resumed run that continues exactly (the checkpoint keeps the live
 * weights; the snapshot holds the averaged ones).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { manualSeed, readSafetensors, setNumThreads, tensor } from '../../src/torch/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { WeightAverage } from '../../src/train/ema.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { LearnSchedule } from '../../src/train/schedule.js';
import { createSolver } from '../../src/train/solvers/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { MemLoader, syntheticSet, TinyModel } from './helpers.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

setNumThreads(1);
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `denet-${p}-`));

test('the weight average follows avg ← d·avg + (1 − d)·live with d = decay·(1 − exp(−t/ramp))', async () => {
  const w = tensor([2, -4], { shape: [2] });
  const n = tensor([7], { shape: [1], dtype: 'int64' }); // not averaged (not floating point)
  const ema = new WeightAverage([{ name: 'w', tensor: w }, { name: 'n', tensor: n }], 0.9, 2);
  let expect = [2, -4];
  for (const [t, live] of [[1, [4, 0]], [2, [0, 8]], [3, [1, 1]]] as const) {
    w.copy_(tensor([...live], { shape: [2] }));
    const d = 0.9 * (1 - Math.exp(-t / 2));
    assert.ok(Math.abs(ema.rate - (1 - d)) < 1e-12);
    ema.update();
    expect = expect.map((a, i) => d * a + (1 - d) * live[i]!);
  }
  assert.equal(ema.updates, 3);
  assert.deepEqual(Object.keys(ema.liveTensors()), ['w']);
  const inside = await ema.withAverage(() => [...(w.data() as Float32Array)]);
  inside.forEach((v, i) => assert.ok(Math.abs(v - expect[i]!) < 1e-5, `average ${i}: ${v} vs ${expect[i]}`));
  assert.deepEqual([...(w.data() as Float32Array)], [1, 1], 'the live weights come back after withAverage');
  await assert.rejects(ema.withAverage(() => Promise.reject(new Error('boom'))), /boom/);
  assert.deepEqual([...(w.data() as Float32Array)], [1, 1], 'and after a failure inside it');
  ema.dispose();
  w.dispose();
  n.dispose();
});

test('with --ema, snapshots hold the average and 1 epoch + resume equals 2 epochs exactly', async () => {
  const data = syntheticSet(96, 4);
  const make = (dir: string, model: TinyModel, epochs: number) => {
    const solver = createSolver('adam', model.namedParameters(), { weightDecay: 1e-3, momentum: [0.9, 0.999] });
    const ema = new WeightAverage([...model.namedParameters(), ...model.namedBuffers()], 0.8, 3);
    const trainer = new Trainer({
      model, solver, schedule: new LearnSchedule({ rate: 0.05, anneal: 0.5 }), train: new MemLoader(data, 16, 3),
      epochs, run: new RunFolder(dir), seed: 3, progress: false, log: () => {}, ema,
    });
    return { trainer, ema };
  };
  manualSeed(5);
  const a = TinyModel.create(16, 4);
  const dirA = tmp('ema-straight');
  const A = make(dirA, a, 2);
  await A.trainer.run();
  const saved = readSafetensors(join(dirA, 'model.safetensors')).tensors;
  const averaged = await A.ema.withAverage(() => a.w.clone());
  assert.ok(saved.w!.equal(averaged), 'the final model file holds the averaged weights');
  assert.ok(!saved.w!.equal(a.w), 'which differ from the live ones');

  manualSeed(5);
  const b = TinyModel.create(16, 4);
  const dirB = tmp('ema-resume');
  const B = make(dirB, b, 1);
  await B.trainer.run();
  B.ema.dispose();
  b.dispose();
  const ck = readCheckpoint(join(dirB, 'checkpoint.safetensors'));
  assert.equal(ck.ema?.updates, 6);
  const c = TinyModel.load(ck.modelPath);
  const C = make(dirB, c, 2);
  C.trainer.restore(ck);
  await C.trainer.run();
  assert.ok(a.w.equal(c.w) && a.b.equal(c.b) && a.mean.equal(c.mean), 'resumed live weights differ from the straight run');
  const resumedFile = readSafetensors(join(dirB, 'model.safetensors')).tensors;
  assert.ok(resumedFile.w!.equal(saved.w!) && resumedFile.mean!.equal(saved.mean!), 'resumed average differs from the straight run');
  for (const t of [...Object.values(saved), ...Object.values(resumedFile), averaged, ...Object.values(ck.ema!.live), ...Object.values(ck.solver.tensors), ck.torchRng]) t.dispose();
  A.ema.dispose();
  C.ema.dispose();
  a.dispose();
  c.dispose();
});
