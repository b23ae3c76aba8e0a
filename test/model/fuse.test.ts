/**
 * The fused inference copy (src/model/fuse.ts): batch norms folded into the layer before them give
 * the eval-mode outputs of the saved model to 1e-5 relative, for every foldable pattern alone, for
 * a network holding every layer token, and for the demo detector's detections (boxes to 1e-3).
 * Expected values are the unfused model's own eval outputs (libtorch's conv + batch norm), with
 * batch-norm statistics drawn far from the identity so that a wrong fold shows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DENET_CPU_SMALL, detect } from '../../src/detect/index.js';
import { Model } from '../../src/model/index.js';
import { registerLayers } from '../../src/layers.js';
import { manualSeed, noGrad, rand, randn, scope, setNumThreads, type Tensor } from '../../src/torch/index.js';

registerLayers();
setNumThreads(1);

/** Random BN affine parameters and running statistics (scale 0.5–1.5, shifts ±, variances 0.3–2.3). */
function perturbBatchNorm(m: Model): void {
  noGrad(() => {
    for (const { name, tensor } of [...m.namedParameters(), ...m.namedBuffers()]) {
      const bn = /(^|\.)(bn\d|downsample\.1)\./.test(name) || m.layers[Number(name.split('.')[1])]!.token.type.startsWith('BN');
      if (!bn || tensor.dtype !== 'float32') continue;
      const n = tensor.shape;
      if (name.endsWith('running_var')) tensor.copy_(scope(() => rand(n).mul(2).add(0.3)));
      else if (name.endsWith('running_mean')) tensor.copy_(scope(() => randn(n).mul(0.5)));
      else if (name.endsWith('weight')) tensor.copy_(scope(() => rand(n).add(0.5)));
      else if (name.endsWith('bias')) tensor.copy_(scope(() => randn(n).mul(0.3)));
    }
  });
}

/** max |a − b| / max |b| over two outputs. */
function relativeError(a: Tensor, b: Tensor): number {
  return scope(() => a.sub(b).abs().max().item() / b.abs().max().item());
}

function compare(desc: string, inputShape: [number, number, number], expectDesc?: string, classNames = ['a', 'b', 'c']): Model {
  manualSeed(7);
  const m = Model.create(desc, { inputShape, classNames, seed: 7 });
  perturbBatchNorm(m);
  const fused = m.fuse();
  if (expectDesc !== undefined) assert.equal(fused.description(), expectDesc);
  const x = randn([2, ...inputShape]);
  const a = m.infer(x).output;
  const b = fused.infer(x).output;
  const err = relativeError(b, a);
  assert.ok(err <= 1e-5, `${desc}: fused output differs by ${err} (relative)`);
  for (const t of [x, a, b]) t.dispose();
  m.dispose();
  return fused;
}

const PATTERNS: [desc: string, fused: string][] = [
  ['C[6,3] BN', 'C[6,3]'],
  ['C.B[6,3,2] BNA', 'C[6,3,2] A'],
  ['C.B[6,3] BN[0.9,0.001] A', 'C[6,3] A'],
  ['DC.B[6,2,2] BN', 'DC[6,2,2]'],
  ['SKIPSRC[1] C.B[4,3] SKIP[1] BN A', 'SKIPSRC[1] C[4,3] SKIP[1] A'],
  ['C[6,3] BN BN', 'C[6,3]'],
  ['RSN.O[4]', 'RSN.OF[4]'],
  ['RSN.O[6,3,2]', 'RSN.OF[6,3,2]'],
  ['nRSN.O[2,6,3,2]', 'nRSN.OF[2,6,3,2]'],
  ['BRSN.O[8,3,2]', 'BRSN.OF[8,3,2]'],
  ['nBRSN.O[2,8]', 'nBRSN.OF[2,8]'],
  // Not foldable: BN after pooling, a marked tensor between, pre-activation blocks.
  ['C[4,3] P[2] BN', 'C[4,3] P[2] BN'],
  ['C[4,3] SKIPSRC[1] BN', 'C[4,3] SKIPSRC[1] BN'],
  ['RSN[4]', 'RSN[4]'],
];

for (const [desc, fusedDesc] of PATTERNS) {
  test(`fused "${desc}" → "${fusedDesc}" gives the eval output to 1e-5`, () => {
    compare(desc, [4, 10, 10], fusedDesc).dispose();
  });
}

test('a network with every layer token: fused logits match to 1e-5, only unfoldable batch norms remain', () => {
  const desc =
    'B[1] C.B[8,3] BN A DC[8,2,2] BNA P[2] SKIPSRC[1] C[8,3] SKIP[1] BN A RSN.O[8] nRSN.O[2,16,3,2] BRSN.O[16] ' +
    'nBRSN.O[2,32,3,2] RSN[32] PI[2] D[0.3] CM[8] SPLIT C.B[16] BN P.A[2] R';
  const fused = compare(desc, [3, 16, 16],
    'B[1] C[8,3] A DC[8,2,2] A P[2] SKIPSRC[1] C[8,3] SKIP[1] A RSN.OF[8] nRSN.OF[2,16,3,2] BRSN.OF[16] ' +
    'nBRSN.OF[2,32,3,2] RSN[32] PI[2] D[0.3] CM[8] SPLIT C[16] P.A[2] R');
  // The only batch norms left are the pre-activation block's two.
  assert.deepEqual(fused.namedBuffers().filter((b) => b.name.endsWith('running_mean')).map((b) => b.name), ['layers.14.bn1.running_mean', 'layers.14.bn2.running_mean']);
  // A saved fused model loads back to the same outputs.
  const file = join(mkdtempSync(join(tmpdir(), 'fuse-')), 'fused.safetensors');
  fused.save(file);
  const back = Model.load(file);
  const x = randn([1, 3, 16, 16]);
  assert.equal(relativeError(back.infer(x).output, fused.infer(x).output), 0);
  for (const t of [fused, back, x]) t.dispose();
});

test('the demo detector: the fused copy finds the same detections (boxes to 1e-3, scores to 1e-5)', () => {
  manualSeed(11);
  const classNames = ['circle', 'square', 'triangle'];
  const m = Model.create(DENET_CPU_SMALL, { inputShape: [3, 96, 96], classNames, seed: 11 });
  perturbBatchNorm(m);
  const fused = m.fuse();
  assert.equal(fused.namedBuffers().filter((b) => b.name.endsWith('running_mean')).length, 0, 'every BN of the demo network folds');
  const images = rand([2, 3, 96, 96]);
  const a = detect(m, images, { scoreThreshold: 0, maxDetections: 50 });
  const b = detect(fused, images, { scoreThreshold: 0, maxDetections: 50 });
  assert.ok(a.flat().length > 20, 'there are detections to compare');
  assert.deepEqual(b.map((d) => d.length), a.map((d) => d.length));
  a.flat().forEach((d, i) => {
    const e = b.flat()[i]!;
    assert.equal(e.cls, d.cls, `detection ${i} class`);
    assert.ok(Math.abs(e.score - d.score) <= 1e-5 * Math.max(1, d.score), `detection ${i} score ${e.score} vs ${d.score}`);
    assert.ok(d.box.every((v, j) => Math.abs(v - e.box[j]!) <= 1e-3), `detection ${i} box ${e.box} vs ${d.box}`);
  });
  for (const t of [m, fused, images]) t.dispose();
});
