/**
 * The README's library example runs as written (with `denet` pointing at src/index.ts), and the
 * pictures it shows are committed and small.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../cli/helpers.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The first ```ts block after a `## title` heading. */
function codeBlock(title: string): string {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  assert.ok(section, `README has no "## ${title}" section`);
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, `README "## ${title}" has no ts code block`);
  return m[1]!;
}

test('the README library example runs and trains (three steps, finite losses, a summary)', () => {
  const code = codeBlock('Library').replace(/from 'denet'/g, `from '${join(ROOT, 'src', 'index.ts')}'`);
  // Inside the repository (in the git-ignored .tmp/) so that tsx and sharp resolve as for src/.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'readme-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: dir, encoding: 'utf8', env: { ...process.env, DENET_THREADS: '1' }, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const losses = [...r.stdout.matchAll(/^step (\d): loss (\d+\.\d{4})$/gm)].map((m) => Number(m[2]));
    assert.equal(losses.length, 3, r.stdout);
    // Two classes: the loss starts near ln 2 and moves as SGD fits the 8 fixed images.
    assert.ok(losses.every(Number.isFinite) && losses[0]! > 0.3 && losses[0]! < 1.5, String(losses));
    assert.notEqual(losses[0], losses[2]);
    assert.match(r.stdout, /total parameters: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the README is short and its pictures are committed and small', () => {
  assert.ok(README.split('\n').length <= 150, `README has ${README.split('\n').length} lines`);
  const pictures = [...README.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1]!);
  assert.equal(pictures.length, 2);
  for (const p of pictures) {
    const size = statSync(join(ROOT, p)).size;
    assert.ok(size > 1000 && size < 100_000, `${p}: ${size} bytes`);
    assert.deepEqual([...readFileSync(join(ROOT, p)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  }
  assert.match(README, /<!-- demo-numbers -->/);
});
