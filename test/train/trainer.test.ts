import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { manualSeed, memoryStats, setNumThreads } from '../../src/torch/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { LearnSchedule } from '../../src/train/schedule.js';
import { createSolver } from '../../src/train/solvers/index.js';
import { readEventFile } from '../helpers/tensorboard.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { MemLoader, syntheticSet, TinyModel } from './helpers.js';
import { settledRss } from '../helpers/memory.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

// One thread: on a busy shared machine two OpenMP threads run up to 20× slower.
setNumThreads(1);

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `denet-${p}-`));
const DATA = syntheticSet(96, 4);
const TEST = syntheticSet(40, 4, 4, 7);

function makeTrainer(dir: string, model: TinyModel, over: Partial<TrainerOptions> = {}, solverName = 'adam'): Trainer {
  const solver = createSolver(solverName, model.namedParameters(), { weightDecay: 1e-3, momentum: solverName === 'adam' ? [0.9, 0.999] : [0.9] });
  return new Trainer({
    model, solver, schedule: new LearnSchedule({ rate: 0.05, anneal: 0.5 }), train: new MemLoader(DATA, 16, 3), test: new MemLoader(TEST, 16, 0, false),
    epochs: 2, run: new RunFolder(dir), seed: 3, progress: false, log: () => {}, ...over,
  });
}

test('learning-rate schedule: anneal every epoch, or after listed epochs', () => {
  const every = new LearnSchedule({ rate: 0.1, anneal: 0.5 });
  assert.deepEqual([0, 1, 2].map((e) => every.rate(e)), [0.1, 0.05, 0.025]);
  const listed = new LearnSchedule({ rate: 0.1, anneal: 0.1, annealEpochs: [2, 4] });
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((e) => +listed.rate(e).toPrecision(6)), [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
  assert.throws(() => new LearnSchedule({ rate: -1, anneal: 1 }), /Expected a positive number for --lr but received -1/);
});

test('learning-rate schedule: cosine and linear fall every step to the final fraction', () => {
  // Expected values: torch.optim.lr_scheduler.CosineAnnealingLR's closed form
  // eta_min + (eta_max - eta_min)(1 + cos(pi t / T)) / 2 with eta_max 0.1, eta_min 0.001, and the
  // straight line between them.
  const cos = new LearnSchedule({ rate: 0.1, anneal: 1, kind: 'cosine', final: 0.01, epochs: 4 });
  const lin = new LearnSchedule({ rate: 0.1, anneal: 1, kind: 'linear', final: 0.01, epochs: 4 });
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(cos.rate(0), 0.1);
  close(cos.rate(0, 0.5), 0.001 + 0.099 * (1 + Math.cos(Math.PI / 8)) / 2);
  close(cos.rate(1), 0.001 + 0.099 * (1 + Math.cos(Math.PI / 4)) / 2);
  close(cos.rate(2), 0.0505);
  close(cos.rate(4), 0.001);
  close(lin.rate(1), 0.07525);
  close(lin.rate(3, 0.5), 0.1 * (1 - 0.99 * 3.5 / 4));
  assert.throws(() => new LearnSchedule({ rate: 0.1, anneal: 1, kind: 'cosine', final: 2, epochs: 4 }), /Expected a number in \[0, 1\] for --lr-final but received 2/);
  assert.throws(() => new LearnSchedule({ rate: 0.1, anneal: 1, kind: 'sine' as 'cosine', epochs: 4 }), /--lr-schedule/);
});

test('the trainer moves a cosine rate every solver step', async () => {
  manualSeed(5);
  const model = TinyModel.create(16, 4);
  const trainer = makeTrainer(tmp('cosine'), model, { schedule: new LearnSchedule({ rate: 0.05, anneal: 1, kind: 'cosine', final: 0, epochs: 2 }), test: undefined });
  const rates: number[] = [];
  const apply = trainer.applyUpdate.bind(trainer);
  trainer.applyUpdate = (lr: number) => {
    rates.push(lr);
    apply(lr);
  };
  const hist = await trainer.run();
  // 96 images in batches of 16: 6 steps per epoch, 12 in all, at t = step / 12 of the cosine.
  assert.equal(rates.length, 12);
  rates.forEach((r, i) => assert.ok(Math.abs(r - 0.025 * (1 + Math.cos((Math.PI * i) / 12))) < 1e-12, `step ${i}: ${r}`));
  assert.deepEqual(hist.map((h) => h.lr), [0.05, 0.025 * (1 + Math.cos(Math.PI / 2))]);
});

test('training learns, writes the run folder, and 1 epoch + resume equals 2 epochs exactly', async () => {
  // Straight: 2 epochs.
  manualSeed(5);
  const a = TinyModel.create(16, 4);
  const dirA = tmp('straight');
  const hist = await makeTrainer(dirA, a).run();
  assert.equal(hist.length, 2);
  assert.ok(hist[1]!.metrics!.top1_error! < 0.3, `top-1 error ${hist[1]!.metrics!.top1_error}`);
  assert.ok(hist[1]!.lr === 0.025 && hist[0]!.lr === 0.05);

  // Interrupted: 1 epoch, then a new process-like start from the checkpoint.
  manualSeed(5);
  const b = TinyModel.create(16, 4);
  const dirB = tmp('resume');
  await makeTrainer(dirB, b, { epochs: 1 }).run();
  b.dispose();
  const ck = readCheckpoint(join(dirB, 'checkpoint.safetensors'));
  assert.equal(ck.epoch, 1);
  manualSeed(999); // a resumed run must not depend on the seed state before it
  const c = TinyModel.load(ck.modelPath);
  const t = makeTrainer(dirB, c);
  t.restore(ck);
  await t.run();
  assert.ok(a.w.equal(c.w) && a.b.equal(c.b) && a.mean.equal(c.mean), 'resumed parameters differ from the straight run');

  // Run folder contents.
  const files = readdirSync(dirA);
  for (const f of ['model_epoch001.safetensors', 'model_epoch002.safetensors', 'model.safetensors', 'checkpoint.safetensors', 'results.csv', 'results.png', 'train.log']) assert.ok(files.includes(f), f);
  const csv = readFileSync(join(dirA, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'epoch,train_class,lr,test_class,top1_error,top5_error,time_s,images_per_s');
  assert.equal(csv.length, 3);
  assert.equal(readFileSync(join(dirB, 'results.csv'), 'utf8').trim().split('\n').length, 3);
  const tb = readdirSync(join(dirA, 'tensorboard'));
  const ev = readEventFile(join(dirA, 'tensorboard', tb[0]!));
  const losses = ev.scalars.filter((s) => s.tag === 'train/loss/class');
  assert.deepEqual(losses.map((s) => s.step), [1, 2]);
  assert.ok(Math.abs(losses[1]!.value - hist[1]!.trainLoss.class!) < 1e-6);
  assert.ok(ev.scalars.some((s) => s.tag === 'test/top1_error' && s.step === 2));
  assert.match(readFileSync(join(dirA, 'train.log'), 'utf8'), /epoch 2\/2 {2}loss class \d\.\d{4} {2}lr 0\.02500.*top1 error/);
  for (const m of [a, c]) m.dispose();
});

test('gradient accumulation: 2 × 8 images equals one batch of 16', async () => {
  const run = async (batch: number, accumulate: number) => {
    manualSeed(11);
    const m = TinyModel.create(16, 4, 0);
    const t = makeTrainer(tmp('acc'), m, { epochs: 1, accumulate, train: new MemLoader(DATA, batch, 3, false), test: undefined }, 'sgd');
    await t.run();
    const w = m.w.toFloat32Array();
    m.dispose();
    return w;
  };
  const one = await run(16, 1);
  const acc = await run(8, 2);
  for (let i = 0; i < one.length; i++) assert.ok(Math.abs(one[i]! - acc[i]!) < 1e-6, `w[${i}] ${one[i]} vs ${acc[i]}`);
});

test('a NaN loss stops training naming the term and keeps the last good snapshot', async () => {
  manualSeed(1);
  const m = TinyModel.create(16, 4);
  const dir = tmp('nan');
  const t = makeTrainer(dir, m, { epochs: 3, train: new MemLoader(DATA, 16, 3, true, { epoch: 1, batch: 2 }) });
  await assert.rejects(t.run(), /loss "class" is NaN at epoch 2 batch 3; training stopped; kept the last good snapshot .*model_epoch001\.safetensors/);
  assert.ok(existsSync(join(dir, 'model_epoch001.safetensors')));
  assert.ok(!existsSync(join(dir, 'model_epoch002.safetensors')));
  assert.ok(!existsSync(join(dir, 'model.safetensors')));
  assert.ok(Number.isFinite(m.w.sum().item()));
  m.dispose();
});

/**
 * Trains `warm` epochs (solver state, allocator pools), then 150 more (600 steps of 16 of 64
 * images): the live-tensor count must not move and RSS must grow by under 20 MiB.
 */
async function assertFlatTraining(t: Trainer, loader: MemLoader, warm: number): Promise<void> {
  const epoch = async (e: number) => {
    for await (const b of loader.epoch(e)) {
      t.trainBatch(b);
      b.images.dispose();
      b.labels?.dispose();
      t.applyUpdate(0.01);
    }
  };
  for (let e = 0; e < warm; e++) await epoch(e);
  const rss0 = await settledRss(); // collects dead wrappers first, whose finalizers free tensors
  const live0 = memoryStats().liveTensors;
  for (let e = 0; e < 150; e++) {
    await epoch(e);
    assert.equal(memoryStats().liveTensors, live0, `live tensors grew at epoch ${e}`);
  }
  const grown = ((await settledRss()) - rss0) / 2 ** 20;
  assert.ok(grown < 20, `RSS grew ${grown.toFixed(1)} MiB over 600 steps`);
}

test('training steps leave no tensor behind and RSS stays flat', async () => {
  manualSeed(2);
  const big = syntheticSet(64, 4, 32);
  const m = TinyModel.create(32 * 32, 4);
  const t = makeTrainer(tmp('leak'), m, { run: undefined, test: undefined, train: new MemLoader(big, 16, 1) });
  await assertFlatTraining(t, new MemLoader(big, 16, 1), 20);
  m.dispose();
});

test('a real conv + BN model: training steps leave no tensor behind and RSS stays flat', async () => {
  const { Model } = await import('../../src/model/index.js');
  const data = syntheticSet(64, 4, 16);
  const model = Model.create('C[8,3] BN A P[2] C[16,3] BN A P.A R', { inputShape: [1, 16, 16], classNames: ['a', 'b', 'c', 'd'], seed: 3 });
  const t = makeTrainer(tmp('leak2'), model as never, { run: undefined, test: undefined }, 'nesterov');
  await assertFlatTraining(t, new MemLoader(data, 16, 1), 10);
  model.dispose();
});
