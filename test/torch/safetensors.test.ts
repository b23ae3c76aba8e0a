// safetensors: round trip of every dtype, a file built byte by byte from the format's
// specification, atomic writes, and clear errors for damaged files.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors, scope, tensor, writeSafetensors, type DType } from '../../src/torch/index.js';
import { needsPyTorch } from '../helpers/pytorch.js';
import { execFileSync } from 'node:child_process';

const dir = mkdtempSync(join(tmpdir(), 'denet-st-'));
const DTYPES: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'int16', 'int8', 'uint8', 'bool'];

test('round trip of every dtype with metadata', () => {
  scope(() => {
    const tensors: Record<string, torch.Tensor> = {};
    for (const d of DTYPES) tensors[`t.${d}`] = tensor([[1, 0, 3], [4, 5, 0]], { dtype: 'float64' }).to(d);
    tensors['empty'] = torch.zeros([0, 4]);
    tensors['scalar'] = tensor(2.5, { shape: [] });
    const path = join(dir, 'all.safetensors');
    writeSafetensors(path, tensors, { description: 'C[8,3] R', classes: '["a","b"]' });
    const back = readSafetensors(path);
    assert.deepEqual(back.metadata, { description: 'C[8,3] R', classes: '["a","b"]' });
    for (const [name, t] of Object.entries(tensors)) {
      const u = back.tensors[name]!;
      assert.equal(u.dtype, t.dtype, name);
      assert.deepEqual(u.shape, t.shape, name);
      assert.ok(u.equal(t), `${name} values differ`);
    }
    // the data section starts 8-byte aligned and no temp file is left behind
    const bytes = readFileSync(path);
    assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  });
});

test('reads a file built by hand from the format specification', () => {
  // header: {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]},"__metadata__":{"k":"v"}}
  const header = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I64', shape: [1, 1], data_offsets: [8, 16] }, __metadata__: { k: 'v' } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const data = Buffer.alloc(16);
  data.writeFloatLE(1.5, 0);
  data.writeFloatLE(-2, 4);
  data.writeBigInt64LE(-7n, 8);
  const file = Buffer.concat([len, Buffer.from(header), data]);
  scope(() => {
    const { tensors, metadata } = decodeSafetensors(file);
    assert.deepEqual(metadata, { k: 'v' });
    assert.deepEqual(tensors.a!.toArray(), [1.5, -2]);
    assert.deepEqual(tensors.b!.toArray(), [[-7]]);
    assert.equal(tensors.b!.dtype, 'int64');
  });
});

test('damaged files give one clear error', () => {
  scope(() => {
    const good = Buffer.concat(encodeSafetensors({ w: torch.ones([4]) }));
    const bad = (bytes: Uint8Array, re: RegExp) => assert.throws(() => decodeSafetensors(bytes, 'm.safetensors'), re);
    bad(good.subarray(0, 4), /m.safetensors is not a valid safetensors file: shorter than its 8-byte header length/);
    bad(good.subarray(0, good.length - 3), /data offsets outside the file \(truncated\?\)/);
    bad(Buffer.from('PK\x03\x04 this is a zip file, not safetensors'), /header length .* exceeds the file/);
    const junk = Buffer.alloc(16);
    junk.writeBigUInt64LE(4n);
    bad(junk, /header is not JSON/);
    const path = join(dir, 'trunc.safetensors');
    writeFileSync(path, good.subarray(0, 20));
    assert.throws(() => readSafetensors(path), /trunc.safetensors is not a valid safetensors file/);
    assert.throws(() => readSafetensors(join(dir, 'missing.safetensors')), /cannot open model file .*missing.safetensors: ENOENT/);
  });
});

test('PyTorch reads our file with nothing but the format rules', needsPyTorch(), () => {
  scope(() => {
    const path = join(dir, 'py.safetensors');
    writeSafetensors(path, { 'layers.0.weight': tensor([[1, 2], [3, 4]]), 'layers.0.bias': tensor([5, 6], { dtype: 'float64' }) }, { description: 'C[2] R' });
    const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
h = json.loads(raw[8:8+n])
dt = {'F32': torch.float32, 'F64': torch.float64}
out = {}
for k, v in h.items():
    if k == '__metadata__': out[k] = v; continue
    b, e = v['data_offsets']
    out[k] = torch.frombuffer(bytearray(raw[8+n+b:8+n+e]), dtype=dt[v['dtype']]).reshape(v['shape']).tolist()
print(json.dumps(out))`;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, path]).toString());
    assert.deepEqual(out, { __metadata__: { description: 'C[2] R' }, 'layers.0.weight': [[1, 2], [3, 4]], 'layers.0.bias': [5, 6] });
  });
});
