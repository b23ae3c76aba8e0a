/**
 * model-train-multi across "machines" on loopback: two launchers (--nodes 2 --node-rank 0|1) of two
 * processes each train the same weights as one process with the global batch (a BN-free network,
 * so the only difference is the order of float sums); ranks started by an external launcher
 * through torchrun's environment variables; a killed rank and a missing node end every process
 * with an error instead of a hang; --dist-backend nccl on a build without NCCL is a one-line error.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildInfo } from '../../src/torch/index.js';
import { readSafetensors } from '../../src/torch/safetensors.js';
import { hasPyTorch } from '../helpers/pytorch.js';
import { requires } from '../helpers/requires.js';
import { cli, pngClassFolders, ROOT, tmp } from './helpers.js';

const DESC = ['C[8,3]', 'A', 'P[2]', 'C[8,3]', 'A', 'R']; // no BN: ranks' batch statistics would differ
let DATA = '';
const ENV = { DENET_THREADS: '1', DENET_VERBOSE: '' };
const skip = buildInfo().gloo ? undefined : 'built without Gloo';

before(async () => {
  DATA = await pngClassFolders(tmp('multi-data'), 3, 16); // 48 images: 6 global batches of 8 per epoch
});

const common = (out: string, epochs = 2) => ['--model-desc', ...DESC, '--train', DATA, '--extension', 'png', '--batch-size', '8', '--epochs', String(epochs), '--learn-rate', '0.05',
  '--threads', '1', '--thread-num', '1', '--no-progress', '--output-prefix', out];
/** model-train-multi's: the common flags plus a rendezvous/collective timeout. */
const multi = (out: string, epochs = 2, timeout = 60) => [...common(out, epochs), '--dist-timeout', String(timeout)];
const port = () => 29000 + Math.floor(Math.random() * 3000);

interface Run { code: number | null; signal: string | null; out: string; err: string; pid: number; ms: number }

/** Starts src/cli/<program>.ts; resolves when it exits. `started` sees the process at once. */
function start(program: string, args: string[], env: Record<string, string> = {}, started?: (pid: number, output: () => string) => void): Promise<Run> {
  const t0 = performance.now();
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', `${program}.ts`), ...args], { cwd: ROOT, env: { ...process.env, ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  started?.(p.pid!, () => out + err);
  return new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal, out, err, pid: p.pid!, ms: performance.now() - t0 })));
}

function maxDifference(a: string, b: string): number {
  const x = readSafetensors(a).tensors, y = readSafetensors(b).tensors;
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort());
  let max = 0;
  for (const k of Object.keys(x)) max = Math.max(max, x[k]!.sub(y[k]!).abs().max().item());
  return max;
}

test('2 nodes × 2 processes on loopback = 1 process with the global batch (12 steps, 1e-5)', { skip, timeout: 240_000 }, async () => {
  const single = tmp('multi-single');
  const s = cli('model-train', common(single), ENV);
  assert.equal(s.status, 0, s.stderr);
  const p = port();
  const nodes = await Promise.all([0, 1].map((r) => start('model-train-multi', ['--gpus', 'cpu', 'cpu', '--nodes', '2', '--node-rank', String(r), '--master-port', String(p), ...multi(tmp(`multi-node${r}`))])));
  for (const n of nodes) assert.equal(n.code, 0, n.err);
  assert.match(nodes[0]!.out, /48 training images, cpu ×4/);
  const node0 = /training into (\S+):/.exec(nodes[0]!.out)![1]!;
  const d = maxDifference(join(single, 'model.safetensors'), join(node0, 'model.safetensors'));
  assert.ok(d < 1e-5, `max |Δw| = ${d}`); // ~1e-7 here: the same sums in another order
});

test('ranks started by an external launcher (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) train as one', { skip, timeout: 240_000 }, async () => {
  const single = tmp('multi-single-env');
  const s = cli('model-train', common(single, 1), ENV);
  assert.equal(s.status, 0, s.stderr);
  const p = String(port());
  const out = tmp('multi-env');
  const ranks = await Promise.all([0, 1].map((r) => start('model-train-multi', multi(out, 1), { MASTER_ADDR: '127.0.0.1', MASTER_PORT: p, WORLD_SIZE: '2', RANK: String(r), LOCAL_RANK: String(r) })));
  for (const r of ranks) assert.equal(r.code, 0, r.err);
  assert.match(ranks[0]!.out, /cpu ×2/);
  assert.ok(maxDifference(join(single, 'model.safetensors'), join(out, 'model.safetensors')) < 1e-5);
});

test('ranks under a torchrun agent that serves the store (TORCHELASTIC_USE_AGENT_STORE=True) join it', { ...(skip ? { skip } : requires(hasPyTorch(), '/usr/bin/python3 with torch')), timeout: 400_000 }, async () => {
  // torchrun's agent hosts the TCPStore at MASTER_ADDR:MASTER_PORT itself; here PyTorch's own
  // TCPStore plays the agent (Debian's torchrun script does not start under this Python), so a
  // rank 0 that tried to serve the port would fail to bind.
  const single = tmp('multi-single-agent');
  const s = cli('model-train', common(single, 1), ENV);
  assert.equal(s.status, 0, s.stderr);
  const p = port();
  const agent = spawn('/usr/bin/python3', ['-c', `import sys, datetime, torch.distributed as d\ns = d.TCPStore('127.0.0.1', ${p}, None, True, datetime.timedelta(seconds=300), False)\nprint('ready', flush=True)\nsys.stdin.read()`], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      agent.stdout.on('data', (d) => /ready/.test(String(d)) && resolve());
      agent.on('exit', (code) => reject(new Error(`store exited ${code}`)));
    });
    const out = tmp('multi-agent');
    const env = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(p), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', TORCHELASTIC_USE_AGENT_STORE: 'True' };
    const ranks = await Promise.all([0, 1].map((r) => start('model-train-multi', multi(out, 1), { ...env, RANK: String(r), LOCAL_RANK: String(r) })));
    for (const r of ranks) assert.equal(r.code, 0, r.err);
    assert.ok(maxDifference(join(single, 'model.safetensors'), join(out, 'model.safetensors')) < 1e-5);
  } finally {
    agent.stdin.end();
    agent.kill();
  }
});

test('a killed rank ends every rank on both nodes with an error, no hang', { skip, timeout: 480_000 }, async () => {
  const p = port();
  let node0Pid = 0, node1Pid = 0;
  let node0Output: () => string = () => '';
  const runs = [
    start('model-train-multi', ['--gpus', 'cpu', 'cpu', '--nodes', '2', '--node-rank', '0', '--master-port', String(p), ...multi(tmp('kill0'), 1000)], {}, (pid, o) => { node0Pid = pid; node0Output = o; }),
    start('model-train-multi', ['--gpus', 'cpu', 'cpu', '--nodes', '2', '--node-rank', '1', '--master-port', String(p), ...multi(tmp('kill1'), 1000)], {}, (pid) => (node1Pid = pid)),
  ];
  // If an assertion fails before the kill, the launchers stop their ranks on SIGTERM.
  const cleanup = () => { for (const pid of [node0Pid, node1Pid]) try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ } };
  try {
    // Once training runs (rank 0 has logged an epoch), SIGKILL one rank process of node 1.
    const t0 = Date.now();
    while (!/epoch 2\/1000/.test(node0Output()) && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 200));
    assert.match(node0Output(), /epoch 2\/1000/, 'training started');
    const children = spawnSync('pgrep', ['-P', String(node1Pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    assert.equal(children.length, 2, 'node 1 runs two ranks');
    const victim = Number(children.at(-1));
    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    const [n0, n1] = await Promise.all(runs);
    const after = performance.now() - killedAt;
    assert.ok(after < 60_000, `every process ended ${(after / 1000).toFixed(1)} s after the kill`);
    assert.notEqual(n0!.code, 0);
    assert.notEqual(n1!.code, 0);
    assert.match(n1!.err, /error: rank [23] \(local [01]\) was killed by SIGKILL; stopping the other ranks of this machine/);
    // Node 0 says why in one line per rank that got there, without a stack trace: the first of its
    // ranks to see the failure exits and its launcher then stops the other, which may or may not
    // have reached its own failed all-reduce by then.
    const lines = n0!.err.split('\n').filter((l) => /distributed .* failed on rank [01] of 4: another rank stopped or the network failed/.test(l));
    assert.ok(lines.length >= 1 && lines.length <= 2, n0!.err);
    assert.doesNotMatch(n0!.err, /\n\s+at /);
  } finally {
    cleanup();
  }
});

test('a node that never comes: the rendezvous times out on every rank of the other node', { skip, timeout: 200_000 }, async () => {
  const r = await start('model-train-multi', ['--gpus', 'cpu', 'cpu', '--nodes', '2', '--node-rank', '0', '--master-port', String(port()), ...multi(tmp('alone'), 1, 4)]);
  assert.equal(r.code, 1, r.err);
  const lines = r.err.split('\n').filter((l) => /^error: distributed rendezvous at 127\.0\.0\.1:\d+ failed on rank [01] of 4: not all 4 ranks joined within 4 s/.test(l));
  assert.ok(lines.length >= 1, r.err);
  assert.ok(r.ms < 100_000, `${r.ms} ms`); // start-up of three processes included; far below the default 1800 s
});

test('--dist-backend nccl without NCCL in the build, and a missing --gpus, are one-line errors', { skip: buildInfo().nccl ? 'built with NCCL' : undefined }, () => {
  const a = cli('model-train-multi', ['--gpus', 'cpu', '--dist-backend', 'nccl', ...multi(tmp('nccl'))], ENV);
  assert.equal(a.status, 2);
  assert.equal(a.stderr.trim(), 'error: --dist-backend nccl: this build has no NCCL (it needs a CUDA libtorch with NCCL; `denet info` shows the build); use --dist-backend gloo');
  const b = cli('denet', ['train-multi', ...multi(tmp('nogpus'))], ENV);
  assert.equal(b.status, 2);
  assert.match(b.stderr.trim(), /^error: --gpus DEVICE… is required/);
});
