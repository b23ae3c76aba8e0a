/**
 * One parametrised test walks the layer registry, so no layer type can skip the contract:
 * shape inference equals the real output shape (train and eval), parameter counts, print → parse
 * round trip, save → load round trip, rejected inputs, and no leaked tensors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { layerSpecs, parseDescription, parseToken, printDescription } from '../../src/desc/index.js';
import { Model } from '../../src/model/index.js';
import { memoryStats, noGrad, randn, tensor } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const dir = mkdtempSync(join(tmpdir(), 'denet-registry-'));
const classes = ['a', 'b', 'c'];

for (const spec of layerSpecs()) {
  test(`layer ${spec.type}: contract`, () => {
    const desc = `SKIPSRC[9] ${spec.examplePrefix ?? ''} ${spec.example}`;
    const m = Model.create(desc, { inputShape: [3, 32, 32], classNames: classes, seed: 1 });
    const at = m.layers.length - 1;
    const layer = m.layers[at]!;
    assert.equal(layer.token.type, spec.type);
    // Round trip of the description.
    assert.deepEqual(parseDescription(m.description()), m.tokens);
    assert.equal(printDescription(parseDescription(m.description())), m.description());
    // Parameter count equals the tensors' sizes; names are unique.
    const params = m.namedParameters().filter((p) => p.name.startsWith(`layers.${at}.`));
    assert.equal(layer.parameterCount(), params.reduce((a, p) => a + p.tensor.numel, 0));
    const names = [...m.namedParameters(), ...m.namedBuffers()].map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    if (!spec.examplePrefix) assert.ok(names.every((n) => n.startsWith('layers.1.')));
    assert.ok(layer.flops() >= 0 && Number.isFinite(layer.flops()));
    // Shape inference equals the real output shape, training and eval; forward leaves nothing.
    const x = randn([2, 3, 32, 32]);
    const labels = tensor([0, 2], { dtype: 'int64' });
    for (const training of [true, false]) {
      const before = memoryStats().liveTensors;
      const { output, losses } = noGrad(() => m.forward(x, { training, labels }));
      const want = layer.outShape[1] === 1 && layer.outShape[2] === 1 ? [2, layer.outShape[0]] : [2, ...layer.outShape];
      assert.deepEqual(output.shape, want, `${spec.type} output (training=${training})`);
      output.dispose();
      for (const l of Object.values(losses)) l.dispose();
      assert.equal(memoryStats().liveTensors, before, 'no tensors left behind');
    }
    // Save and reload: same description, tensors and eval output.
    const path = join(dir, `${spec.type}.safetensors`);
    m.save(path);
    const m2 = Model.load(path);
    assert.equal(m2.description(), m.description());
    const a = noGrad(() => m.forward(x, { training: false }).output);
    const b = noGrad(() => m2.forward(x, { training: false }).output);
    assert.ok(a.allclose(b, 0, 0), 'reloaded model gives the same output');
    m.dispose();
    m2.dispose();
    // Rejected inputs: too many arguments, an unknown tag.
    const extra = `${spec.type}[${Array.from({ length: spec.args.length + 1 }, () => 1).join(',')}]`;
    assert.throws(() => parseToken(extra, 0), (e: Error) => e instanceof UserError && e.message.includes('too many arguments'));
    const badTag = 'ZQ'.split('').find((t) => !(t in spec.tags))!;
    assert.throws(() => parseToken(`${spec.type}.${badTag}`, 3), (e: Error) => e instanceof UserError && e.message.startsWith(`token 3 "${spec.type}.${badTag}": unknown tag`));
  });
}
