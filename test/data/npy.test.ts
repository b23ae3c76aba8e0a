import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeNpy, readNpy, writeNpy } from '../../src/data/npy.js';
import { openNpyPair } from '../../src/data/npy-dataset.js';
import { UserError } from '../../src/util/errors.js';
import { put, tempDir } from './helpers.js';

function header(version: number, dict: string, body: Uint8Array): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const padded = dict + ' '.repeat((64 - ((pre + dict.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + padded.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, padded.length, true);
  else v.setUint32(8, padded.length, true);
  out.set(Buffer.from(padded, 'latin1'), pre);
  out.set(body, pre + padded.length);
  return out;
}

test('npy round trip keeps dtype, shape and values; header is 64-byte aligned', () => {
  const { dir, cleanup } = tempDir();
  try {
    const data = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i * 0.5 - 7);
    writeNpy(join(dir, 'a.npy'), { dtype: 'float32', shape: [2, 3, 4, 5], data });
    const back = readNpy(join(dir, 'a.npy'), { dtype: 'float32', rank: 4 });
    assert.deepEqual(back.shape, [2, 3, 4, 5]);
    assert.deepEqual(Array.from(back.data as Float32Array), Array.from(data));
    const bytes = encodeNpy({ dtype: 'int32', shape: [3], data: Int32Array.from([1, -2, 3]) });
    const hl = bytes[8]! | (bytes[9]! << 8);
    assert.equal((10 + hl) % 64, 0);
    assert.match(Buffer.from(bytes.subarray(10, 10 + hl)).toString(), /'descr': '<i4', 'fortran_order': False, 'shape': \(3,\)/);
  } finally {
    cleanup();
  }
});

test('npy reads format versions 2 and 3', () => {
  const { dir, cleanup } = tempDir();
  try {
    const body = new Uint8Array(Int32Array.from([5, 6]).buffer);
    for (const v of [2, 3]) {
      put(join(dir, `v${v}.npy`), header(v, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", body));
      assert.deepEqual(Array.from(readNpy(join(dir, `v${v}.npy`)).data as Int32Array), [5, 6]);
    }
  } finally {
    cleanup();
  }
});

test('npy bad headers give one clear error naming the file', () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = (n: string) => join(dir, n);
    const four = new Uint8Array(16);
    put(f('magic.npy'), new Uint8Array(40));
    assert.throws(() => readNpy(f('magic.npy')), (e: Error) => e instanceof UserError && e.message.includes('magic.npy') && /bad magic/.test(e.message));
    put(f('dtype.npy'), header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", four));
    assert.throws(() => readNpy(f('dtype.npy'), { dtype: 'float32' }), /dtype.npy: expected dtype float32 .* holds float64/);
    put(f('big.npy'), header(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", four));
    assert.throws(() => readNpy(f('big.npy')), /unsupported dtype '>f4'/);
    put(f('short.npy'), header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", four));
    assert.throws(() => readNpy(f('short.npy')), /short.npy: header shape \(5\) needs 20 data bytes but the file has 16/);
    put(f('fortran.npy'), header(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four));
    assert.throws(() => readNpy(f('fortran.npy')), /Fortran/);
    put(f('rank.npy'), header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", four));
    assert.throws(() => readNpy(f('rank.npy'), { rank: 4 }), /expected 4 dimensions .* \(2, 2\)/);
    put(f('junk.npy'), header(1, '{nonsense}', four));
    assert.throws(() => readNpy(f('junk.npy')), /malformed .npy header/);
    assert.throws(() => readNpy(f('none.npy')), /none.npy: cannot read \(ENOENT\)/);
  } finally {
    cleanup();
  }
});

test('npy pair dataset checks dtype, counts and label range', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'set');
    writeNpy(`${p}_data.npy`, { dtype: 'float32', shape: [3, 1, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => i) });
    writeNpy(`${p}_labels.npy`, { dtype: 'int32', shape: [3], data: Int32Array.from([0, 2, 1]) });
    const ds = openNpyPair(p);
    assert.equal(ds.length, 3);
    assert.deepEqual(ds.classNames, ['0', '1', '2']);
    assert.equal(ds.record(1).label, 2);
    assert.deepEqual(Array.from(ds.pixels(2).data), [8, 9, 10, 11]);
    assert.throws(() => openNpyPair(p, 2), /set_labels.npy: label 2 at index 1 is out of range \[0, 2\)/);
    writeNpy(`${p}_labels.npy`, { dtype: 'int32', shape: [2], data: Int32Array.from([0, 1]) });
    assert.throws(() => openNpyPair(p), /2 labels but .*set_data.npy holds 3 images/);
    writeNpy(`${p}_labels.npy`, { dtype: 'int64', shape: [3], data: BigInt64Array.from([0n, 1n, 2n]) });
    assert.throws(() => openNpyPair(p), /set_labels.npy: expected dtype int32/);
    writeNpy(`${p}_data.npy`, { dtype: 'float32', shape: [3, 4], data: new Float32Array(12) });
    assert.throws(() => openNpyPair(p), /set_data.npy: expected 4 dimensions/);
  } finally {
    cleanup();
  }
});
