/**
 * The BLAS libtorch's matrix products run on: OpenBLAS, which scripts/setup.sh installs, not the
 * reference BLAS that Debian's libblas.so.3 alternative otherwise gives (50× slower products and,
 * through libtorch's one-thread 1×1 convolutions, a 3.5× slower demo training step: docs/engine.md
 * "BLAS"). `denet info` names it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadedBlas, randn, scope } from '../../src/torch/index.js';
import { cli } from '../cli/helpers.js';

test('libtorch runs its matrix products on OpenBLAS, and denet info says so', () => {
  scope(() => randn([64, 64]).matmul(randn([64, 64])).sum().item()); // the BLAS is loaded with libtorch; use it anyway
  const blas = loadedBlas();
  assert.equal(blas?.kind, 'openblas', `loaded: ${JSON.stringify(blas)}; run scripts/setup.sh (libopenblas0-openmp)`);
  assert.match(blas!.path!, /openblas/);
  const r = cli('denet', ['info']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^BLAS\s+OpenBLAS \(\/.*openblas.*\)$/m);
});
