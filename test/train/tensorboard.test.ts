import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32c, encodeScalarEvent, encodeVersionEvent, EventWriter, frameRecord, maskedCrc32c } from '../../src/train/tensorboard.js';
import { readEventFile } from '../helpers/tensorboard.js';

test('CRC32C matches the standard check value and TFRecord masking', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  // An empty payload: crc32c = 0, masked = rotr(0,15) + 0xa282ead8.
  assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
});

/** CRC32C bit by bit from the Castagnoli polynomial (reflected 0x82f63b78): independent of the writer's table. */
function bitwiseCrc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
/** TFRecord's mask (tensorflow/core/lib/hash/crc32c.h): rotate right by 15, add 0xa282ead8. */
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

test('event bytes equal the protobuf encoding worked out by hand from event.proto and summary.proto', () => {
  // Event { double wall_time = 1; int64 step = 2; Summary summary = 5 }, Summary { repeated Value value = 1 },
  // Value { string tag = 1; float simple_value = 2 }. Tag bytes: field << 3 | wire type
  // (1: 64-bit, 0: varint, 2: length-delimited, 5: 32-bit); numbers little-endian.
  const value = [0x0a, 0x01, 0x61, /* tag "a" */ 0x15, 0x00, 0x00, 0x00, 0x3f /* simple_value 0.5f */];
  const summary = [0x0a, value.length, ...value];
  const event = [
    0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, // wall_time 1.5
    0x10, 0xac, 0x02, // step 300 (varint: 0b10_0101100 → 0xac 0x02)
    0x2a, summary.length, ...summary,
  ];
  assert.deepEqual([...encodeScalarEvent(1.5, 300, { a: 0.5 })], event);
  // Event { file_version = 3: "brain.Event:2" }, the first record TensorBoard reads.
  assert.deepEqual([...encodeVersionEvent(1.5)], [0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x1a, 13, ...new TextEncoder().encode('brain.Event:2')]);
  // TFRecord: u64 length, u32 masked CRC32C of those 8 bytes, the data, u32 masked CRC32C of the data.
  const length = [event.length, 0, 0, 0, 0, 0, 0, 0];
  const framed = [...length, ...le32(mask(bitwiseCrc32c(Uint8Array.from(length)))), ...event, ...le32(mask(bitwiseCrc32c(Uint8Array.from(event))))];
  assert.deepEqual([...frameRecord(Uint8Array.from(event))], framed);
});

test('event files read back with tags, values and steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'denet-tb-'));
  const w = new EventWriter(dir);
  w.scalars(1, { 'train/loss/class': 2.25, 'train/lr': 0.1 });
  w.scalars(2, { 'train/loss/class': 1.5, 'train/lr': 0.05, 'test/top1_error': 0.375 });
  const { fileVersion, scalars } = readEventFile(w.path);
  assert.equal(fileVersion, 'brain.Event:2');
  assert.deepEqual(scalars.map((s) => [s.step, s.tag, s.value]), [
    [1, 'train/loss/class', 2.25], [1, 'train/lr', Math.fround(0.1)],
    [2, 'train/loss/class', 1.5], [2, 'train/lr', Math.fround(0.05)], [2, 'test/top1_error', 0.375],
  ]);
  assert.ok(scalars.every((s) => Math.abs(s.wallTime - Date.now() / 1000) < 60));
  // A flipped byte is detected by the CRC.
  const bytes = readFileSync(w.path);
  bytes[bytes.length - 6] ^= 1;
  const bad = join(dir, 'bad');
  writeFileSync(bad, bytes);
  assert.throws(() => readEventFile(bad), /bad data CRC/);
});
