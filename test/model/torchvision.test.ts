/**
 * ResNet-18 in our language loads a torchvision resnet18 state dict by name and gives the same
 * output. Reference: /usr/bin/python3 (torch + torchvision) builds a randomly initialised resnet18,
 * randomises the BN statistics, runs it in eval mode and writes a safetensors file packed by hand
 * (struct + json; the `safetensors` pip package is absent) with the state dict, input and output.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Model, TORCHVISION_RESNETS, loadTorchvisionResnet, torchvisionResnetNames } from '../../src/model/index.js';
import { readSafetensors, noGrad } from '../../src/torch/index.js';
import { cli, pngClassFolders } from '../cli/helpers.js';
import { needsTorchvision } from '../helpers/pytorch.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const SCRIPT = `
import json, struct, sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18(num_classes=10)
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5)
            mod.weight.uniform_(0.5, 1.5); mod.bias.uniform_(-0.2, 0.2)
m.eval()
x = torch.randn(2, 3, 64, 64)
with torch.no_grad(): y = m(x)
tensors = dict(m.state_dict()); tensors['input'] = x; tensors['output'] = y
codes = {torch.float32: 'F32', torch.int64: 'I64'}
header, chunks, off = {}, [], 0
for k, t in tensors.items():
    b = t.contiguous().numpy().tobytes()
    header[k] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
    chunks.append(b); off += len(b)
h = json.dumps(header).encode()
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h)
    for c in chunks: f.write(c)
`;

test('resnet18: names map one-to-one to torchvision and outputs match', needsTorchvision(), () => {
  const path = join(mkdtempSync(join(tmpdir(), 'denet-tv-')), 'resnet18.safetensors');
  execFileSync('/usr/bin/python3', ['-c', SCRIPT, path]);
  const { tensors } = readSafetensors(path);
  const model = Model.create(TORCHVISION_RESNETS.resnet18!, { inputShape: [3, 64, 64], classNames: Array.from({ length: 10 }, (_, i) => `c${i}`), borderMode: 'half', activation: 'relu' });
  const theirs = Object.keys(tensors).filter((n) => n !== 'input' && n !== 'output').sort();
  const mapped = [...torchvisionResnetNames(model).values()].sort();
  assert.deepEqual(mapped, theirs, 'every torchvision tensor has exactly one of ours');
  assert.equal(model.parameterCount(), 11_181_642);
  const unused = loadTorchvisionResnet(model, tensors);
  assert.deepEqual(unused.sort(), ['input', 'output']);
  const { output } = noGrad(() => model.forward(tensors.input!, { training: false }));
  const expected = tensors.output!;
  const diff = output.sub(expected).abs().max().item();
  assert.ok(diff < 1e-4, `max |ours − torchvision| = ${diff}`);
  model.dispose();
});

test('model-train --backbone loads torchvision weights into a new model\'s ResNet (not its classifier); bad files are one-line errors', needsTorchvision(), async () => {
  const dir = mkdtempSync(join(tmpdir(), 'denet-tv-'));
  const weights = join(dir, 'resnet18.safetensors');
  execFileSync('/usr/bin/python3', ['-c', SCRIPT, weights]);
  const train = await pngClassFolders(join(dir, 'train'), 3, 4, 8, 1);
  const base = ['--model-desc', ...TORCHVISION_RESNETS.resnet18!.split(' '), '--train', train, '--extension', 'png', '--epochs', '1', '--batch-size', '4', '--no-progress'];
  // A rate of 1e-12 and no decay: training leaves the weights where the import put them.
  const r = cli('model-train', [...base, '--backbone', weights, '--learn-rate', '1e-12', '--learn-decay', '0', '--output-prefix', join(dir, 'run')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /loaded 120 backbone tensors from .*resnet18.safetensors \(not used: fc.weight, fc.bias, input, output\)/);
  const theirs = readSafetensors(weights).tensors;
  const ours = readSafetensors(join(dir, 'run', 'model.safetensors')).tensors;
  for (const [mine, tv] of [['layers.0.weight', 'conv1.weight'], ['layers.7.1.conv2.weight', 'layer4.1.conv2.weight'], ['layers.5.0.downsample.0.weight', 'layer2.0.downsample.0.weight']]) {
    assert.ok(ours[mine]!.sub(theirs[tv]!).abs().max().item() < 1e-6, `${mine} = ${tv}`);
  }
  assert.deepEqual(ours['layers.8.weight']!.shape, [3, 512, 1, 1], 'the classifier keeps the data\'s 3 classes');
  const missing = cli('model-train', [...base, '--backbone', join(dir, 'none.safetensors')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr.trim(), /^error: .*none\.safetensors/);
  const noDesc = cli('model-train', ['--model', weights, '--train', train, '--backbone', weights]);
  assert.match(noDesc.stderr.trim(), /^error: --backbone initialises a new model: it needs --model-desc$/);
});
