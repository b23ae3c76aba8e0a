/** The description language: tokenising, parsing, validation messages, printing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDescription, parseToken, printDescription, printToken, tokenize } from '../../src/desc/index.js';
import { Model } from '../../src/model/index.js';
import { UserError } from '../../src/util/errors.js';
import { registerLayers } from '../../src/layers.js';

registerLayers();

const msg = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `a UserError, got ${e}`);
    return e.message;
  }
  assert.fail('expected an error');
};

test('tokenize splits at whitespace outside brackets and accepts arrays', () => {
  assert.deepEqual(tokenize('C[128, 3]  BN\nA P.A'), ['C[128,3]', 'BN', 'A', 'P.A']);
  assert.deepEqual(tokenize(['C[8,3]', 'BN', 'R']), ['C[8,3]', 'BN', 'R']);
});

test('parse: types, tags, numeric args, count shorthand', () => {
  assert.deepEqual(parseToken('C.B[64,7,2]', 0), { type: 'C', tags: 'B', args: [64, 7, 2] });
  assert.deepEqual(parseToken('BN[0.9,1e-5]', 0), { type: 'BN', tags: '', args: [0.9, 1e-5] });
  assert.deepEqual(parseToken('P.A', 0), { type: 'P', tags: 'A', args: [] });
  assert.deepEqual(parseToken('3RSN.O[64]', 0), { type: 'nRSN', tags: 'O', args: [3, 64] });
  assert.deepEqual(parseToken('23BRSN.O[1024,3,2]', 0), { type: 'nBRSN', tags: 'O', args: [23, 1024, 3, 2] });
  assert.deepEqual(parseToken('nRSN[2,8]', 0), { type: 'nRSN', tags: '', args: [2, 8] });
  // several tags: together or each with its own dot, printed in registry order
  assert.deepEqual(parseToken('DND.J.B[0.5]', 0), parseToken('DND.BJ[0.5]', 0));
  assert.deepEqual(parseToken('DND.J.B[0.5]', 0).tags, 'JB');
});

test('parse errors name the token, its index and what was expected', () => {
  assert.equal(msg(() => parseDescription('C[8,3] BN XYZ[2]')), 'token 2 "XYZ[2]": unknown layer type "XYZ": expected one of ' + msg(() => parseToken('XYZ', 2)).split('expected one of ')[1]);
  assert.match(msg(() => parseToken('C.Q[8]', 1)), /^token 1 "C.Q\[8\]": unknown tag ".Q" for C: expected .B$/);
  assert.match(msg(() => parseToken('A.B', 0)), /unknown tag ".B" for A: it takes no tags/);
  assert.match(msg(() => parseToken('C[8,3,1,1]', 5)), /^token 5 "C\[8,3,1,1\]": too many arguments: C takes at most 3 \(filters, size, stride\), got 4$/);
  assert.match(msg(() => parseToken('C[8,x]', 0)), /argument "x" is not a number/);
  assert.match(msg(() => parseToken('C[8.5]', 0)), /filters must be an integer, got 8.5/);
  assert.match(msg(() => parseToken('C', 0)), /missing argument filters: C needs filters/);
  assert.match(msg(() => parseToken('D[1.5]', 0)), /rate must be at most 0.999, got 1.5/);
  assert.match(msg(() => parseToken('C[0]', 0)), /filters must be at least 1, got 0/);
  assert.match(msg(() => parseToken('C..B', 0)), /expected TYPE/);
  assert.match(msg(() => parseToken('C.BB[8]', 0)), /tag ".B" given twice/);
  assert.match(msg(() => parseToken('3C[8]', 0)), /a leading count needs a repeatable type/);
  assert.match(msg(() => parseDescription('  ')), /empty/);
});

test('shape errors from building name the token too', () => {
  const o = { inputShape: [3, 8, 8] as [number, number, number], classNames: ['a', 'b'] };
  assert.equal(msg(() => Model.create('C[8,3] BN A C[8,3] P[2,2,9]', o)), 'token 4 "P[2,2,9]": pad 9 is larger than half the window 2');
  assert.equal(msg(() => Model.create('P[16]', o)), 'token 0 "P[16]": a 16×16 pool is larger than its 8×8 input');
  assert.match(msg(() => Model.create('C[4,9]', { ...o, borderMode: 'valid' })), /^token 0 "C\[4,9\]": a 9×9 window with padding 0 does not fit the 8×8 input/);
  assert.match(msg(() => Model.create('SKIP[0]', o)), /no earlier SKIPSRC\[0\]/);
  assert.match(msg(() => Model.create('SKIPSRC[0] P[2] SKIP[0]', o)), /the marked tensor is 8×8 but this one is 4×4/);
  assert.match(msg(() => Model.create('CM[9]', o)), /crop 9 is larger than the 8×8 input/);
  assert.match(msg(() => Model.create('RSN[8,2]', o)), /size 2 must be odd/);
  assert.match(msg(() => Model.create('BRSN[6]', o)), /multiple of 4/);
  assert.match(msg(() => Model.create('C[4] R', { ...o, classNames: [] })), /no classes/);
  assert.match(msg(() => Model.create('A', { ...o, activation: 'swishy' })), /unknown activation "swishy"/);
  assert.match(msg(() => Model.create('A', { ...o, weightInit: 'he' })), /unknown weight init "he"/);
});

test('printing is canonical and parses back to the same tokens', () => {
  const text = 'C.B[64,7,2] BN[0.95,0.001] A P[3,2,1] 2RSN.O[64] nBRSN[2,16,3,2] P.A D[0.25] CM[28,0] B[2] PI[2] DC.B[4,2,2] SKIPSRC[0] SKIP[0] SPLIT BNA R';
  const tokens = parseDescription(text);
  const printed = printDescription(tokens);
  assert.equal(printed, text.replace('2RSN.O[64]', 'nRSN.O[2,64]'));
  assert.deepEqual(parseDescription(printed), tokens);
  assert.equal(printToken({ type: 'BN', tags: '', args: [0.9, 1e-7] }), 'BN[0.9,1e-7]');
  assert.deepEqual(parseToken('BN[0.9,1e-7]', 0).args, [0.9, 1e-7]);
});
