import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeGate } from '../../src/data/decode-gate.js';

test('decode gate: at most `slots` decodes at once; a freed slot goes to the earliest waiting position', async () => {
  const gate = new DecodeGate(2);
  const order: number[] = [];
  let peak = 0;
  const finish = new Map<number, () => void>();
  const job = (pos: number) =>
    gate.for(pos)(async () => {
      order.push(pos);
      peak = Math.max(peak, gate.active);
      await new Promise<void>((r) => finish.set(pos, r));
      return pos;
    });
  // Positions arrive out of order: 5 and 1 take the slots, 9, 3, 7 wait.
  const runs = [5, 1, 9, 3, 7].map(job);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [5, 1]);
  finish.get(5)!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [5, 1, 3]);
  finish.get(1)!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [5, 1, 3, 7]);
  for (const p of [3, 7]) finish.get(p)!();
  await new Promise((r) => setImmediate(r));
  finish.get(9)!();
  assert.deepEqual(await Promise.all(runs), [5, 1, 9, 3, 7]);
  assert.equal(peak, 2);
  assert.equal(gate.active, 0);
});

test('decode gate: a failing decode frees its slot', async () => {
  const gate = new DecodeGate(1);
  await assert.rejects(gate.for(0)(async () => { throw new Error('corrupt'); }), /corrupt/);
  assert.equal(gate.active, 0);
  assert.equal(await gate.for(1)(async () => 'next'), 'next');
});
