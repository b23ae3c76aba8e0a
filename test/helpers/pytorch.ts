/**
 * Runs a Python snippet under Debian's python3-torch to produce reference values for tests.
 * The snippet sees `inp` (the JSON input) and must assign `out` (JSON-serialisable).
 * Tests that need it skip when /usr/bin/python3 cannot import torch.
 */
import { execFileSync, spawnSync } from 'node:child_process';

const PY = process.env.DENET_TEST_PYTHON ?? '/usr/bin/python3';

let available: boolean | undefined;
/** Whether a Python with torch is present (cached). */
export function hasPyTorch(): boolean {
  if (available === undefined) {
    available = spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  }
  return available;
}

/** Skip reason for node:test when PyTorch is absent. */
export const needsPyTorch = (): { skip?: string } => (hasPyTorch() ? {} : { skip: `${PY} cannot import torch` });

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
