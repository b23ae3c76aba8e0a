/**
 * Runs a Python snippet under Debian's python3-torch to produce reference values for tests.
 * The snippet sees `inp` (the JSON input) and must assign `out` (JSON-serialisable).
 * Tests that need it skip when /usr/bin/python3 cannot import torch, except under CI (`CI` set),
 * where scripts/setup.sh has installed it and a missing reference is a failure, not a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { requires } from './requires.js';

const PY = process.env.DENET_TEST_PYTHON ?? '/usr/bin/python3';

const imports = new Map<string, boolean>();
function canImport(modules: string): boolean {
  let ok = imports.get(modules);
  if (ok === undefined) {
    ok = spawnSync(PY, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
    imports.set(modules, ok);
  }
  return ok;
}

/** Whether a Python with torch is present (cached). */
export function hasPyTorch(): boolean {
  return canImport('torch');
}

/** node:test options for a test that compares with python3-torch. */
export const needsPyTorch = (): { skip?: string } => requires(hasPyTorch(), `${PY} with torch`);

/** node:test options for a test that compares with python3-torchvision. */
export const needsTorchvision = (): { skip?: string } => requires(canImport('torch, torchvision'), `${PY} with torchvision`);

/** Evaluates `code` in Python with torch imported, `inp` bound to `input`; returns `out`. */
export function pytorch<T = any>(code: string, input: unknown = null): T {
  const script = [
    'import json, sys, torch',
    'torch.set_num_threads(1)',
    'inp = json.loads(sys.stdin.read())',
    code,
    'print(json.dumps(out))',
  ].join('\n');
  const res = execFileSync(PY, ['-c', script], { input: JSON.stringify(input), maxBuffer: 256 << 20 });
  return JSON.parse(res.toString());
}
