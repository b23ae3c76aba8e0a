/**
 * A tiny DeNet built from a description: training forward with targets (all losses finite,
 * backward reaches every parameter, the loss falls on one fixed batch), detect() output, build
 * errors, images without boxes, and a save/load round trip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DetectionTargets } from '../../src/data/types.js';
import { DENET34_SKIP, DENET34_WIDE_V2, DENET_CPU_SMALL, HeadLayer, SparseLayer, detect, detectTimed, detectorHead } from '../../src/detect/index.js';
import { Model } from '../../src/model/index.js';
import { manualSeed, memoryStats, noGrad, randn, scope, setNumThreads, tensor, zeros, type Tensor } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

// Tiny tensors: one intra-op thread is fastest, and immune to a busy machine's thread contention.
setNumThreads(1);

const DESC = 'C[16,3,2] BN A C[32,3,2] BN A DNC[8,100] DNS[3,4,0.01,0.1,1,1] C[64] BN A DND.JB[0.5,1,0.125,1]';
const classNames = ['red', 'green'];

const target = (boxes: number[], classes: number[]): DetectionTargets => ({
  boxes: Float32Array.from(boxes),
  classes: Int32Array.from(classes),
  ignore: new Uint8Array(classes.length),
  difficult: new Uint8Array(classes.length),
});

/** Three 64×64 images: coloured rectangles (class 0 red, class 1 green) and one empty image. */
function batch(): { images: Tensor; targets: DetectionTargets[] } {
  const targets = [target([0.1, 0.1, 0.5, 0.6, 0.55, 0.5, 0.9, 0.85], [0, 1]), target([0.2, 0.3, 0.7, 0.7], [1]), target([], [])];
  const s = 64;
  const px = new Float32Array(3 * 3 * s * s).fill(-0.5);
  targets.forEach((t, i) => {
    for (let j = 0; j < t.classes.length; j++) {
      const [x0, y0, x1, y1] = Array.from(t.boxes.subarray(j * 4, j * 4 + 4), (v) => Math.round(v * s));
      for (let y = y0!; y < y1!; y++) for (let x = x0!; x < x1!; x++) px[((i * 3 + t.classes[j]!) * s + y) * s + x] = 1;
    }
  });
  return { images: tensor(px, { shape: [3, 3, s, s] }), targets };
}

test('tiny DeNet: losses finite, gradients reach every parameter, the loss falls over 30 steps', () => {
  manualSeed(7);
  const m = Model.create(DESC, { inputShape: [3, 64, 64], classNames, seed: 7 });
  assert.ok(m.isDetector && detectorHead(m) instanceof HeadLayer);
  assert.deepEqual(m.outputShape, [2 * 5 + 1 + 8, 4, 4]);
  const { images, targets } = batch();
  const params = m.namedParameters();
  const velocity = params.map((p) => zeros(p.tensor.shape));
  const totals: number[] = [];
  for (let step = 0; step < 30; step++) {
    scope(() => {
      const { losses } = m.forward(images, { training: true, targets });
      assert.deepEqual(Object.keys(losses).sort(), ['box', 'class', 'corner']);
      for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v.item()), `${k} finite`);
      const total = losses.corner!.add(losses.class!).add(losses.box!);
      totals.push(total.item());
      total.backward();
      noGrad(() =>
        params.forEach((p, i) => {
          const g = p.tensor.grad;
          if (step === 0) {
            assert.ok(g, `${p.name} has a gradient`);
            assert.ok(g.isfinite().all().item() && g.abs().sum().item() > 0, `${p.name}: finite, non-zero gradient`);
          }
          velocity[i]!.mul_(0.9).add_(g!);
          p.tensor.sub_(velocity[i]!.mul(0.01));
          p.tensor.zeroGrad();
        }),
      );
    });
  }
  const first = totals.slice(0, 3).reduce((a, b) => a + b) / 3;
  const last = totals.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(last < 0.7 * first, `loss falls: ${first.toFixed(3)} → ${last.toFixed(3)}`);

  // detect(): well-formed detections, deterministic, nothing left behind.
  const before = memoryStats().liveTensors;
  const dets = detect(m, images);
  assert.equal(memoryStats().liveTensors, before, 'detect leaves no tensors');
  assert.equal(dets.length, 3);
  for (const list of dets) {
    assert.ok(list.length <= 100);
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      assert.ok(d.cls === 0 || d.cls === 1);
      assert.ok(d.score >= 0 && d.score <= 1);
      assert.ok(d.box.every((v) => v >= 0 && v <= 1) && d.box[2] > d.box[0] && d.box[3] > d.box[1], JSON.stringify(d.box));
      if (i) assert.ok(list[i - 1]!.score >= d.score, 'best first');
    }
  }
  assert.deepEqual(detect(m, images), dets, 'deterministic');
  const few = detect(m, images, { maxDetections: 3, scoreThreshold: 0.2, nms: 'all-pairs' });
  assert.ok(few.every((l) => l.length <= 3 && l.every((d) => d.score >= 0.2 * 0.5)));
  assert.ok(detect(m, images, { nms: 'soft' }).every((l) => l.length <= 100));
  const timed = detectTimed(m, images);
  assert.deepEqual(timed.detections, dets);
  assert.deepEqual(Object.keys(timed.timing).sort(), ['backbone', 'classifier', 'cornerSearch', 'nms', 'sampling']);
  assert.ok(Object.values(timed.timing).every((v) => v >= 0));

  // Save and load: same description, same detections.
  const path = join(mkdtempSync(join(tmpdir(), 'denet-detect-')), 'tiny.safetensors');
  m.save(path);
  const m2 = Model.load(path);
  assert.equal(m2.description(), m.description());
  assert.deepEqual(detect(m2, images), dets);
  m.dispose();
  m2.dispose();
});

test('images without boxes train: no NaN, zero box loss; the v1 and .I heads report their losses', () => {
  for (const [desc, names] of [
    ['C[8,3,2] BN A DNC[4,10] DNS.G[2,3] C[16] BN A DND[0.5,1,1]', ['box', 'class', 'corner']],
    ['C[8,3,2] BN A DNC[4,10] DNS.L[2,3,0.01,0.1,0,0.7] C[16] BN A DND.IB[0.5,1,0.125,0.1,0.2]', ['box', 'class', 'corner', 'fitness']],
  ] as const) {
    const m = Model.create(desc, { inputShape: [3, 32, 32], classNames, seed: 1 });
    const images = tensor(new Float32Array(2 * 3 * 32 * 32), { shape: [2, 3, 32, 32] });
    const { losses } = m.forward(images, { training: true, targets: [target([], []), target([], [])] });
    assert.deepEqual(Object.keys(losses).sort(), [...names]);
    for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v.item()), `${desc}: ${k} = ${v.item()}`);
    assert.equal(losses.box!.item(), 0);
    const total = Object.values(losses).reduce((a, b) => a.add(b));
    total.backward();
    assert.ok(m.namedParameters().every((p) => !p.tensor.grad || p.tensor.grad.isfinite().all().item()));
    m.dispose();
  }
});

test('build errors name the token: DNS before DNC, DND without DNS, no classes, bad targets', () => {
  const err = (desc: string, msg: string, names = classNames) =>
    assert.throws(() => Model.create(desc, { inputShape: [3, 32, 32], classNames: names }), (e: Error) => e instanceof UserError && e.message === msg);
  err('C[8] DNS[2,2]', 'token 1 "DNS[2,2]": DNS needs a DNC (corner distribution) layer before it');
  err('C[8] DNC[4] C[6] DNS[2,2]', 'token 3 "DNS[2,2]": DNS reads the DNC output [8, 32, 32] but its input is [6, 32, 32]; put DNS right after DNC');
  err('C[8] DND', 'token 1 "DND": DND needs a DNS (sparse sampling) layer before it');
  err('DNC[4] DNS[2,2] C[4,3,2] DND', 'token 3 "DND": DND needs the 2×2 RoI image of DNS but its input is 1×1; use only 1×1 layers between DNS and DND');
  err('DNC[4] DNS[2,2] DND', 'token 2 "DND": the model has no classes (give class names or --classes)', []);
  err('DNC[4] DNS[2,2] DND.JI', 'token 2 "DND.JI": .J (joint fitness) and .I (independent fitness) exclude each other');
  const m = Model.create('DNC[4] DNS[2,2] DND', { inputShape: [3, 16, 16], classNames, seed: 1 });
  const x = zeros([1, 3, 16, 16]);
  assert.throws(() => m.forward(x, { training: true, targets: [target([0, 0, 1, 1], [2])] }), (e: Error) => e instanceof UserError && e.message === 'DND (token 2): a target box has class 2 but the model has 2 classes (0…1)');
  assert.throws(() => m.forward(x, { training: true, targets: [] }), (e: Error) => e instanceof UserError && e.message.startsWith('DNC (token 0): detection targets must be an array of 1 DetectionTargets'));
  assert.throws(() => detect(Model.create('C[2]', { inputShape: [3, 8, 8], classNames }), zeros([1, 3, 8, 8])), (e: Error) => e instanceof UserError && e.message.startsWith('the model is not a DeNet detector'));
  m.dispose();
});

test('training RoIs: ground truth first, at most (1 − r)·N² searched boxes, random fill; deterministic for a seed', () => {
  const m = Model.create('DNC[2] DNS[1,4,0.01,0.25]', { inputShape: [3, 16, 16], classNames, seed: 1 });
  const dns = m.layers[1] as SparseLayer;
  const x = noGrad(() => m.layers[0]!.forward(zeros([2, 3, 16, 16]), {} as never));
  const t = [target([0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.6], [0, 1]), target([], [])];
  manualSeed(3);
  const a = dns.chooseRois(x, true, t);
  manualSeed(3);
  assert.deepEqual(dns.chooseRois(x, true, t), a);
  assert.equal(a[0]!.length, 16 * 4);
  assert.deepEqual(Array.from(a[0]!.subarray(0, 8)), Array.from(t[0]!.boxes));
  for (const img of a) for (let i = 0; i < 16; i++) assert.ok(img[i * 4]! <= img[i * 4 + 2]! && img[i * 4 + 1]! <= img[i * 4 + 3]! && img[i * 4]! >= 0 && img[i * 4 + 3]! <= 1);
  // Inference: no ground truth, fixed padding seed.
  assert.deepEqual(dns.chooseRois(x, false), dns.chooseRois(x, false));
  m.dispose();
});

test('search on the device (tensor ops) gives the same RoIs as on typed arrays: inference with padding, training', () => {
  // High threshold: few corners pass, so most RoIs are padding boxes.
  for (const desc of ['DNC[2] DNS[1,5,0.3,0.25,1,1] DND', 'DNC[2] DNS[1,5,0.01,0.25,0,0.5] DND']) {
    const m = Model.create(desc, { inputShape: [3, 12, 12], classNames, seed: 2 });
    const dns = m.layers[1] as SparseLayer;
    const x = randn([3, 3, 12, 12]);
    const out = (mode: 'typed' | 'tensor') => {
      dns.searchMode = mode;
      return noGrad(() => m.forward(x, { training: false }).output);
    };
    const a = out('typed'), b = out('tensor');
    assert.ok(a.equal(b), `${desc}: same output, RoI channels included`);
    const c = noGrad(() => m.layers[0]!.forward(x, {} as never));
    const t = [target([0.1, 0.2, 0.3, 0.4], [0]), target([], []), target([0.5, 0.5, 0.9, 0.7], [1])];
    manualSeed(5);
    const typed = dns.chooseRois(c, true, t);
    dns.searchMode = 'tensor';
    manualSeed(5);
    assert.deepEqual(dns.chooseRois(c, true, t), typed, `${desc}: training RoIs`);
    for (const v of [a, b, c, x]) v.dispose();
    m.dispose();
  }
});

test('network descriptions build (shapes only)', () => {
  const small = Model.create(DENET_CPU_SMALL, { inputShape: [3, 128, 128], classNames, weightInit: 'none' });
  assert.ok(small.layers.at(-1) instanceof HeadLayer);
  small.dispose();
  for (const desc of [DENET34_SKIP, DENET34_WIDE_V2]) {
    const m = Model.create(desc, { inputShape: [3, 512, 512], classNames: Array.from({ length: 80 }, (_, i) => `c${i}`), weightInit: 'none' });
    const dns = m.layers.find((l) => l instanceof SparseLayer) as SparseLayer;
    assert.equal(dns.inShape[1], desc === DENET34_SKIP ? 64 : 128);
    assert.equal(dns.outShape[0], desc === DENET34_SKIP ? 4706 : 7 * 7 * 48 + 2);
    assert.equal(m.outputShape[0], desc === DENET34_SKIP ? 81 + 8 : 401 + 8);
    m.dispose();
  }
});

test('channels-last (NHWC) images give the losses, gradients and detections of the default layout', () => {
  // Every layer type of the demo network: strided convolutions, a residual block, up-sampling,
  // a skip projection, corners, bilinear sampling and the joint-fitness head. The corner threshold
  // (0.5) sits above this untrained corner map: at the prior its corners score nearly alike, and
  // the search's ranking and clustering then flip on float rounding between layouts (seen with
  // OpenBLAS). The RoIs are the padding boxes, the same in both layouts; training uses the targets'.
  const desc = 'C.B[16,3,2] BN A SKIPSRC[1] C.B[32,3,2] BN A RSN.O[32] PI[2] C.B[16,3] SKIP[1] BN A DNC[8,100] DNS.L[3,4,0.5,0.1,1,1] C.B[64] BN A DND.JB[0.5,1,0.125]';
  const { images, targets } = batch();
  const run = (channelsLast: boolean) => {
    const m = Model.create(desc, { inputShape: [3, 64, 64], classNames, seed: 5 });
    m.channelsLast = channelsLast;
    assert.equal(m.prepareInput(images).isChannelsLast, channelsLast);
    manualSeed(3); // the random training RoIs
    const losses = scope(() => {
      const { losses } = m.forward(images, { training: true, targets });
      losses.corner!.add(losses.class!).add(losses.box!).backward();
      return Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.item()]));
    });
    const grads = m.namedParameters().map((p) => [...(p.tensor.grad!.data() as Float32Array)]);
    const dets = detect(m, images);
    m.dispose();
    return { losses, grads, dets };
  };
  const a = run(false);
  const b = run(true);
  for (const k of Object.keys(a.losses)) assert.ok(Math.abs(a.losses[k]! - b.losses[k]!) <= 1e-5 * Math.max(1, Math.abs(a.losses[k]!)), `${k}: ${a.losses[k]} vs ${b.losses[k]}`);
  // A bias followed by BN has a zero gradient in exact arithmetic; what it gets is rounding noise,
  // so each gradient is held to 5e-4 of its own largest value or of 1% of the model's largest.
  const largest = Math.max(...a.grads.flat().map(Math.abs));
  a.grads.forEach((g, i) => {
    const own = Math.max(...g.map(Math.abs));
    const diff = Math.max(...g.map((v, j) => Math.abs(v - b.grads[i]![j]!)));
    assert.ok(diff <= 5e-4 * Math.max(own, largest * 0.01), `parameter ${i}: gradients differ by ${diff} (largest ${own})`);
  });
  assert.ok(a.dets.flat().length > 0, 'the comparison has detections to compare');
  assert.deepEqual(b.dets.map((d) => d.length), a.dets.map((d) => d.length));
  a.dets.flat().forEach((d, i) => {
    const e = b.dets.flat()[i]!;
    assert.equal(e.cls, d.cls);
    assert.ok(Math.abs(e.score - d.score) < 1e-5 && d.box.every((v, j) => Math.abs(v - e.box[j]!) < 1e-5), `detection ${i}`);
  });
});
