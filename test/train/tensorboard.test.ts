import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32c, EventWriter, maskedCrc32c, readEventFile } from '../../src/train/tensorboard.js';

test('CRC32C matches the standard check value and TFRecord masking', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  // An empty payload: crc32c = 0, masked = rotr(0,15) + 0xa282ead8.
  assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
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
