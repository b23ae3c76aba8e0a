/** docs/cli.md is generated from the option tables; this fails when the committed file is stale. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliReference } from '../../src/cli/reference.js';
import { ROOT } from './helpers.js';

test('docs/cli.md is what the option tables generate (run `npm run docs:cli` after changing a flag)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8'), cliReference());
});

test('the reference names every program and the flags renamed from the original tool with their aliases', () => {
  const text = cliReference();
  for (const p of ['model-train', 'model-train-multi', 'model-predict', 'model-modify', 'model-update-bn', 'denet info', 'denet demo', 'denet summary', 'denet eval coco', 'denet eval voc', 'denet make-dataset', 'denet preview']) {
    assert.match(text, new RegExp(`## \`${p}\``), p);
  }
  assert.match(text, /`--lr <rate>` \| `0\.1` \| learning rate \(also --learn-rate\)/);
  assert.match(text, /`--output <dir>` \|  \| run folder .*\(also --output-prefix\)/);
  assert.match(text, /`--num-classes <N>` \|  \| .*\(also --class-num\)/);
});
