/**
 * Option tables → commander programs and typed configs: aliases (the original tool's flag names),
 * defaults, required flags, the --resume comparison list, and one validator message shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram, parseOptions, resolveAliases, resumeKeys } from '../../src/cli/options.js';
import { parseTrainArgs } from '../../src/cli/train-options.js';
import { TRAIN_OPTIONS } from '../../src/train/config.js';
import { flag, listOf, option, positiveInt } from '../../src/util/options.js';

const TABLE = {
  size: option({ flag: 'size', value: '<n>', aliases: ['old-size'], help: 'a size', parse: positiveInt('size'), default: 4 }),
  names: option<string[]>({ flag: 'names', value: '<n...>', help: 'names', parse: listOf((v: string) => v) }),
  path: option({ flag: 'path', value: '<p>', help: 'a path', required: true }),
  loud: flag('loud', 'a switch'),
  progress: flag('no-progress', 'a negated switch'),
};
const parse = (argv: string[]) => parseOptions(buildProgram('t', 'test', TABLE), TABLE, argv);

test('aliases are rewritten to their flag (also --old=value), not past --', () => {
  assert.deepEqual(resolveAliases(TABLE, ['--old-size', '3', '--old-size=5', '--path', 'p', '--', '--old-size']), ['--size', '3', '--size=5', '--path', 'p', '--', '--old-size']);
  assert.deepEqual(parse(['--old-size', '7', '--path', 'p']), { size: 7, names: undefined, path: 'p', loud: false, progress: true });
  assert.deepEqual(parse(['--path', 'p', '--names', 'a', 'b', '--loud', '--no-progress']), { size: 4, names: ['a', 'b'], path: 'p', loud: true, progress: false });
});

test('a missing required flag and a bad value are one-line UserErrors naming the flag', () => {
  assert.throws(() => parse([]), { name: 'UserError', message: '--path P is required' });
  assert.throws(() => parse(['--path', 'p', '--size', '0']), { name: 'UserError', message: 'Expected a positive integer for --size but received "0"' });
  assert.throws(() => parse(['--path', 'p', '--old-size', '1.5']), { name: 'UserError', message: 'Expected a positive integer for --size but received "1.5"' });
});

test('training: the original tool\'s flag names set the same config as the new ones; --resume compares the table\'s resume entries', () => {
  const base = ['--model-desc', 'R', '--train', 'T'];
  const old = parseTrainArgs('model-train', [...base, '--learn-rate', '0.5', '--learn-decay', '0', '--learn-anneal', '0.1', '--learn-anneal-epochs', '2', '--thread-num', '3', '--output-prefix', 'out', '--learn-momentum', '0.8'])!;
  const now = parseTrainArgs('model-train', [...base, '--lr', '0.5', '--weight-decay', '0', '--lr-gamma', '0.1', '--lr-steps', '2', '--workers', '3', '--output', 'out', '--momentum', '0.8'])!;
  assert.deepEqual(old, now);
  assert.deepEqual([now.learnRate, now.learnDecay, now.learnAnneal, now.learnAnnealEpochs, now.threadNum, now.outputPrefix, now.learnMomentum], [0.5, 0, 0.1, [2], 3, 'out', [0.8]]);
  assert.deepEqual(now.resumeChecks, resumeKeys(TRAIN_OPTIONS));
  for (const k of ['seed', 'batchSize', 'solver', 'learnRate', 'learnMomentum', 'learnDecay', 'learnAnneal', 'learnAnnealEpochs', 'learnSchedule', 'learnFinal', 'extension', 'distortMode', 'augmentMirror', 'accumulate', 'ema', 'emaRamp', 'channelsLast']) {
    assert.ok((now.resumeChecks as string[]).includes(k), k);
  }
  assert.ok(!now.resumeChecks!.includes('epochs'), 'raising --epochs is how a finished run continues');
});
