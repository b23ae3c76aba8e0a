/**
 * Gloo all-reduce overhead per training step for the demo detector (DENET_CPU_SMALL, 192×192):
 * what the trainer reduces each step (every gradient in one flat float32 buffer, then ÷ world),
 * timed on loopback for 1 node × 2 processes and 2 nodes × 2 processes (world 4; on one machine
 * the two "nodes" share the loopback rendezvous exactly as two model-train-multi launchers do),
 * against the network's forward pass at the demo's batch of 8, measured in the same run.
 *
 *   npm run bench -- dist-allreduce
 *   node --import tsx bench/dist-allreduce.ts [steps=30]
 *
 * Every process uses one libtorch thread; on a machine with fewer cores than processes the
 * ranks also wait for each other's CPU time, which is part of what is measured.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DENET_CPU_SMALL } from '../src/detect/index.js';
import { registerLayers } from '../src/layers.js';
import { Model } from '../src/model/index.js';
import { distributed, noGrad, randn, scope, setNumThreads, zeros } from '../src/torch/index.js';

registerLayers();
const CLASSES = ['t-shirt', 'trouser', 'dress', 'sandal', 'sneaker', 'bag'];
const self = fileURLToPath(import.meta.url);

function demoModel(): Model {
  return Model.create(DENET_CPU_SMALL, { inputShape: [3, 192, 192], classNames: CLASSES, seed: 1 });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A rank: all-reduce a buffer of the model's parameter count `steps` times; rank 0 prints the median ms. */
function worker(steps: number): void {
  setNumThreads(1);
  const model = demoModel();
  const n = model.namedParameters().reduce((a, p) => a + p.tensor.numel, 0);
  model.dispose();
  const rank = Number(process.env.RANK), world = Number(process.env.WORLD_SIZE);
  distributed.init({ host: '127.0.0.1', port: Number(process.env.MASTER_PORT), rank, worldSize: world, timeoutMs: 600_000 }); // start-up can be slow on a shared machine
  const flat = zeros([n]);
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    distributed.barrier();
    const t0 = performance.now();
    distributed.allReduce([flat]);
    flat.div_(world);
    if (i >= 3) times.push(performance.now() - t0);
  }
  flat.dispose();
  distributed.destroy();
  if (rank === 0) console.log(JSON.stringify({ params: n, ms: median(times) }));
}

async function ranks(world: number, steps: number): Promise<{ params: number; ms: number }> {
  const port = 29000 + Math.floor(Math.random() * 3000);
  const outs = await Promise.all(Array.from({ length: world }, (_, rank) => new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, self, 'worker', String(steps)], { env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(world), MASTER_PORT: String(port), DENET_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`rank ${rank} exited ${code}`))));
  })));
  return JSON.parse(outs[0]!.trim().split('\n').pop()!);
}

export async function run(steps = 30): Promise<void> {
  setNumThreads(1);
  const model = demoModel();
  const x = randn([8, 3, 192, 192]);
  const fwd: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    scope(() => noGrad(() => { model.forward(x, { training: false }); }));
    if (i > 0) fwd.push(performance.now() - t0);
  }
  x.dispose();
  model.dispose();
  const forward = median(fwd);
  const two = await ranks(2, steps);
  const four = await ranks(4, steps);
  const mb = (two.params * 4) / 2 ** 20;
  console.log(`dist-allreduce: DENET_CPU_SMALL 192×192, ${two.params} parameters (${mb.toFixed(1)} MiB float32 per step), Gloo on loopback, 1 thread per process, median of ${steps} steps`);
  console.log(`  network forward, batch 8, 1 process:  ${forward.toFixed(1)} ms (reference)`);
  console.log(`  all-reduce 1 node × 2 processes:      ${two.ms.toFixed(2)} ms per step (${((100 * two.ms) / forward).toFixed(1)} % of that forward pass)`);
  console.log(`  all-reduce 2 nodes × 2 processes:     ${four.ms.toFixed(2)} ms per step (${((100 * four.ms) / forward).toFixed(1)} %); 2×2 / 1×2 = ${(four.ms / two.ms).toFixed(2)}`);
}

if (process.argv[2] === 'worker') worker(Number(process.argv[3]));
else if (process.argv[1] === self) await run(Number(process.argv[2]) || 30);
