/**
 * Engine benchmark (issue: the binding must cost nothing measurable).
 *  1. Training throughput of the original README's CIFAR network (conv128-BN-ReLU-pool,
 *     conv256-BN-ReLU-pool, conv512-BN-ReLU, global mean pool, 1×1 conv to 10, softmax CE, SGD
 *     with momentum) on 32×32×3, batch 32, written with the tensor API, against the same network
 *     in PyTorch (python3-torch) with the same thread count.
 *  2. Per-call overhead of a tiny op (add of two 1-element tensors), against PyTorch's.
 * Both sides run in this invocation, alternating, and the best of each is compared.
 *
 *   npm run bench -- engine            (BENCH_STEPS, BENCH_THREADS, BENCH_ROUNDS to change)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.js';
import { F, noGrad, scope, type Tensor } from '../src/torch/index.js';

const threads = Number(process.env.BENCH_THREADS ?? torch.getNumThreads());
const steps = Number(process.env.BENCH_STEPS ?? 20);
const warmup = 3;
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const calls = 200_000;
torch.setNumThreads(threads);

function convParams(cin: number, cout: number, k: number): Tensor[] {
  const std = Math.sqrt(2 / (cin * k * k));
  return [torch.randn([cout, cin, k, k]).mul_(std).requiresGrad_(), torch.zeros([cout], { requiresGrad: true })];
}
function bnParams(c: number): { w: Tensor; b: Tensor; rm: Tensor; rv: Tensor } {
  return { w: torch.ones([c], { requiresGrad: true }), b: torch.zeros([c], { requiresGrad: true }), rm: torch.zeros([c]), rv: torch.ones([c]) };
}

function nodeTraining(): number {
  torch.manualSeed(0);
  const convs = [convParams(3, 128, 3), convParams(128, 256, 3), convParams(256, 512, 3), convParams(512, 10, 1)];
  const bns = [bnParams(128), bnParams(256), bnParams(512)];
  const params = [...convs.flat(), ...bns.flatMap((b) => [b.w, b.b])];
  const momentum = params.map((p) => torch.zerosLike(p));
  const x = torch.randn([32, 3, 32, 32]);
  const y = torch.randint(0, 10, [32]);
  const block = (h: Tensor, i: number, pool: boolean): Tensor => {
    const [w, b] = convs[i]!;
    const bn = bns[i]!;
    const out = F.relu(F.batchNorm(F.conv2d(h, w!, b, { padding: 1 }), { weight: bn.w, bias: bn.b, runningMean: bn.rm, runningVar: bn.rv, training: true }));
    return pool ? F.maxPool2d(out, 2) : out;
  };
  const step = () =>
    scope(() => {
      for (const p of params) p.zeroGrad();
      let h = block(x, 0, true);
      h = block(h, 1, true);
      h = block(h, 2, false);
      const logits = F.conv2d(F.adaptiveAvgPool2d(h, 1), convs[3]![0]!, convs[3]![1]).flatten(1);
      const loss = torch.crossEntropy(logits, y);
      loss.backward();
      noGrad(() => {
        params.forEach((p, i) => {
          const g = p.grad!;
          momentum[i]!.mul_(0.9).add_(g);
          p.add_(momentum[i]!, -0.01);
        });
      });
      return loss.item();
    });
  for (let i = 0; i < warmup; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const dt = (performance.now() - t0) / 1000;
  for (const t of [...params, ...momentum, ...bns.flatMap((b) => [b.rm, b.rv]), x, y]) t.dispose();
  return (steps * 32) / dt;
}

function nodeAddMicros(): number {
  const a = torch.ones([1]);
  const b = torch.ones([1]);
  for (let i = 0; i < 1000; i++) a.add(b).dispose();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) a.add(b).dispose();
  const us = ((performance.now() - t0) * 1000) / calls;
  a.dispose();
  b.dispose();
  return us;
}

function pytorchRun(): { images_per_s: number; add_us: number } {
  const script = fileURLToPath(new URL('./engine_torch.py', import.meta.url));
  const out = execFileSync('/usr/bin/python3', [script, String(threads), String(steps), String(warmup), String(calls)]);
  return JSON.parse(out.toString());
}

export function run(): void {
  console.log(`engine: README CIFAR network, batch 32, ${steps} steps, ${threads} thread(s), best of ${rounds} alternating rounds`);
  let bestNode = 0;
  let bestTorch = 0;
  let addNode = Infinity;
  let addTorch = Infinity;
  for (let r = 0; r < rounds; r++) {
    const py = pytorchRun();
    bestTorch = Math.max(bestTorch, py.images_per_s);
    addTorch = Math.min(addTorch, py.add_us);
    bestNode = Math.max(bestNode, nodeTraining());
    addNode = Math.min(addNode, nodeAddMicros());
  }
  console.log(`  training   denet ${bestNode.toFixed(1)} img/s   pytorch ${bestTorch.toFixed(1)} img/s   ratio ${(bestNode / bestTorch).toFixed(3)} (goal >= 1.0)`);
  console.log(`  tiny add   denet ${addNode.toFixed(2)} us/call   pytorch ${addTorch.toFixed(2)} us/call   ratio ${(addTorch / addNode).toFixed(3)} (pytorch time / denet time)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) run();
