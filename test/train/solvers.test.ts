/**
 * Solvers against torch.optim: the same parameters, the same loss, a few steps; the Python side
 * is run with /usr/bin/python3 (torch + torchvision) in the test itself.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor, scope, memoryStats, writeSafetensors, readSafetensors, type Tensor } from '../../src/torch/index.js';
import { createSolver, type SolverParam } from '../../src/train/solvers/index.js';
import { needsPyTorch } from '../helpers/pytorch.js';

const PY = '/usr/bin/python3';

const W0 = [[0.5, -1.2, 0.3], [0.8, 0.1, -0.4], [-0.7, 0.9, 1.1], [0.2, -0.3, 0.6]];
const B0 = [0.1, -0.2, 0.05];
const X = [[1.0, 0.5, -0.3, 0.2], [-0.4, 0.9, 0.7, -1.1]];
const STEPS = 5;

interface Case { solver: string; lr: number; momentum: number[]; decay: number }
const CASES: Case[] = [
  { solver: 'sgd', lr: 0.1, momentum: [0.9], decay: 0.01 },
  { solver: 'sgd', lr: 0.05, momentum: [0], decay: 0.001 },
  { solver: 'nesterov', lr: 0.1, momentum: [0.8], decay: 0.01 },
  { solver: 'adam', lr: 0.01, momentum: [0.9, 0.99], decay: 0.05 },
];

/** The loss both sides use: sum(sin(x·w + b)²) + 0.1·sum(w³). */
function loss(w: Tensor, b: Tensor, x: Tensor): Tensor {
  return x.matmul(w).add(b).sin().square().sum().add(w.pow(3).sum().mul(0.1));
}

function pythonReference(c: Case): { w: number[][]; b: number[] } {
  const script = `
import json, torch
torch.set_default_dtype(torch.float64)
w = torch.tensor(${JSON.stringify(W0)}, requires_grad=True)
b = torch.tensor(${JSON.stringify(B0)}, requires_grad=True)
x = torch.tensor(${JSON.stringify(X)})
s, lr, mom, wd = ${JSON.stringify(c.solver)}, ${c.lr}, ${JSON.stringify(c.momentum)}, ${c.decay}
groups = [{'params': [w], 'weight_decay': wd}, {'params': [b], 'weight_decay': 0.0}]
if s == 'adam':
    opt = torch.optim.Adam(groups, lr=lr, betas=tuple(mom))
else:
    opt = torch.optim.SGD(groups, lr=lr, momentum=mom[0], nesterov=(s == 'nesterov'))
for _ in range(${STEPS}):
    opt.zero_grad()
    l = ((x @ w + b).sin() ** 2).sum() + 0.1 * (w ** 3).sum()
    l.backward()
    opt.step()
print(json.dumps({'w': w.tolist(), 'b': b.tolist()}))
`;
  return JSON.parse(execFileSync(PY, ['-c', script], { encoding: 'utf8' }));
}

function run(c: Case, steps: number, resumeAt?: number): { w: number[][]; b: number[] } {
  const w = tensor(W0, { dtype: 'float64', requiresGrad: true });
  const b = tensor(B0, { dtype: 'float64', requiresGrad: true });
  const x = tensor(X, { dtype: 'float64' });
  const params: SolverParam[] = [{ name: 'w', tensor: w, decay: true }, { name: 'b', tensor: b, decay: false }];
  let solver = createSolver(c.solver, params, { weightDecay: c.decay, momentum: c.momentum });
  for (let i = 0; i < steps; i++) {
    if (i === resumeAt) {
      // Save, drop the solver, and load its state into a fresh one.
      const st = solver.state();
      const path = join(tmpdir(), `denet-solver-${process.pid}.safetensors`);
      writeSafetensors(path, st.tensors, { meta: JSON.stringify(st.meta) });
      solver.disposeState();
      solver = createSolver(c.solver, params, { weightDecay: c.decay, momentum: c.momentum });
      const back = readSafetensors(path);
      solver.loadState({ tensors: back.tensors, meta: JSON.parse(back.metadata.meta!) });
      for (const t of Object.values(back.tensors)) t.dispose();
    }
    solver.zeroGrad();
    scope(() => loss(w, b, x).backward());
    solver.step(c.lr);
  }
  const out = { w: w.toArray() as number[][], b: b.toArray() as number[] };
  solver.zeroGrad();
  solver.disposeState();
  for (const t of [w, b, x]) t.dispose();
  return out;
}

function assertClose(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const c of CASES) {
  test(`${c.solver} (momentum ${c.momentum.join(' ')}, decay ${c.decay}) matches torch.optim over ${STEPS} steps`, needsPyTorch(), () => {
    const ref = pythonReference(c);
    const ours = run(c, STEPS);
    assertClose(ours.w.flat(), ref.w.flat(), 1e-9, 'w');
    assertClose(ours.b, ref.b, 1e-9, 'b');
  });
}

test('solver state saved and loaded mid-run continues exactly', () => {
  for (const c of [CASES[0]!, CASES[2]!, CASES[3]!]) {
    const straight = run(c, STEPS);
    const resumed = run(c, STEPS, 2);
    assert.deepEqual(resumed, straight, c.solver);
  }
});

test('a solver step leaves no tensor behind', () => {
  const before = memoryStats().liveTensors;
  run(CASES[3]!, 3);
  assert.equal(memoryStats().liveTensors, before);
});

test('unknown solver is a UserError naming the choices', () => {
  assert.throws(() => createSolver('rmsprop', [], { weightDecay: 0, momentum: [] }), /unknown solver "rmsprop" \(expected sgd, nesterov, adam\)/);
});
