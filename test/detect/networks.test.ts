/** examples/models/*.desc are what src/detect/networks.ts generates (one token a line). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DENET_CPU_SMALL, denetDescription } from '../../src/detect/networks.js';
import { ROOT } from '../cli/helpers.js';

const MODELS = join(ROOT, 'examples', 'models');

/** The generated description a file name stands for: denet<34|101>-<skip|wide>-v<1|2>, or denet-cpu-small. */
function generated(file: string): string {
  if (file === 'denet-cpu-small.desc') return DENET_CPU_SMALL;
  const m = /^denet(34|101)-(skip|wide)-v([12])\.desc$/.exec(file);
  assert.ok(m, `unexpected file examples/models/${file}`);
  return denetDescription({ depth: Number(m[1]) as 34 | 101, wide: m[2] === 'wide', v2: m[3] === '2' });
}

test('every examples/models/*.desc equals the network networks.ts generates', () => {
  const files = readdirSync(MODELS).filter((f) => f.endsWith('.desc')).sort();
  assert.equal(files.length, 9, files.join(' '));
  for (const f of files) assert.equal(readFileSync(join(MODELS, f), 'utf8'), `${generated(f).split(' ').join('\n')}\n`, f);
});
