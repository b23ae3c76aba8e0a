/**
 * The folders of src/ form a one-way stack (docs/engine.md, DESIGN.md "Layout"): a module may
 * import its own folder and the folders below it, never one above. Type-only and dynamic imports
 * count too: a type from a higher folder is still a dependency on it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/**
 * Rank of each folder (and of the root modules), bottom first. Equal ranks may not import each
 * other: `data` and `eval` are independent; `runtime` (onnxruntime inference) sits on pure helpers only.
 */
export const STACK: Record<string, number> = {
  util: 0,
  runtime: 1,
  torch: 2,
  nn: 3,
  desc: 4,
  model: 5,
  data: 6,
  eval: 6,
  detect: 7,
  'layers.ts': 8,
  export: 8,
  train: 9,
  cli: 10,
  'index.ts': 11,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.ts') ? [p] : [];
  });
}

/** The stack entry of a path under src/: its top folder, or the file name for a root module. */
const unit = (path: string): string => relative(SRC, path).split('/')[0]!.replace(/\.js$/, '.ts');

/** Relative module specifiers a file imports, re-exports or dynamically imports. */
export function importsOf(code: string): string[] {
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  return [...code.matchAll(re)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

test('every folder of src/ has a place in the stack', () => {
  const units = new Set(files(SRC).map(unit));
  for (const u of units) assert.ok(u in STACK, `src/${u} is not in the import stack of test/layout/imports.test.ts: give it a rank`);
});

test('no module imports a folder above its own (the one-way stack)', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = unit(f);
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const to = unit(resolve(dirname(f), spec));
      if (to === from) continue;
      if (!(STACK[to]! < STACK[from]!)) bad.push(`src/${relative(SRC, f)} imports ${spec} (${from} → ${to})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the import scanner sees every form of import (so the stack test can fail)', () => {
  const code = [
    "import { a } from './a.js';",
    "import type { B } from '../b/b.js';",
    "import {\n  c,\n  d,\n} from '../c/c.js';",
    "export * from './e.js';",
    "export { f } from '../f/f.js';",
    "import './side.js';",
    "const g = await import('../g/g.js');",
    "import sharp from 'sharp';",
  ].join('\n');
  assert.deepEqual(importsOf(code), ['./a.js', '../b/b.js', '../c/c.js', './e.js', '../f/f.js', './side.js', '../g/g.js']);
});
