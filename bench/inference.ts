/**
 * Inference speed against PyTorch in the same run, same threads (issue: inference fast path).
 *
 *  1. ResNet-18 and ResNet-34 classifiers at 224², batch 1 and 32, eval mode: our inference path
 *     (a fused copy: batch norms folded into the convolutions, under libtorch's inference mode) in
 *     NCHW and channels-last, and the saved layers under noGrad (the path before this issue),
 *     against torchvision's model under torch.no_grad() (bench/inference_torch.py).
 *  2. DeNet-34 skip at 512², batch 1, the whole detection (network, corner search, sampling,
 *     classifier, NMS) against torchvision's ResNet-34 backbone alone at 512² (goal ≤ 2.0× its
 *     time), untrained weights; with the share of time outside the network (goal ≤ 10 %).
 *  3. The demo detector (DENET_CPU_SMALL, untrained) at 192², batch 1 and 8: images/s in fp32 and
 *     bf16 (autocast).
 *
 * Each side takes the median of its runs; the two sides alternate for `--rounds` rounds and each
 * keeps its best median, so a busy machine slows both alike.
 *
 *   npm run bench -- inference
 *   node --import tsx bench/inference.ts [--threads 2] [--runs 5] [--rounds 2] [--only resnet|denet|demo]
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DENET34_SKIP, DENET_CPU_SMALL, detect, detectTimed, type StageTiming } from '../src/detect/index.js';
import { Model, TORCHVISION_RESNETS } from '../src/model/index.js';
import { manualSeed, noGrad, rand, scope, setNumThreads, type Precision } from '../src/torch/index.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : d;
};
const threads = Number(arg('--threads', String(Math.min(2, cpus().length))));
const runs = Number(arg('--runs', '5'));
const rounds = Number(arg('--rounds', '2'));
const only = arg('--only', '');
const warmup = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function timeIt(step: () => void, n = runs): number {
  for (let i = 0; i < warmup; i++) step();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    step();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function torchRun(configs: string[], n = runs): Record<string, number> {
  const script = fileURLToPath(new URL('./inference_torch.py', import.meta.url));
  return JSON.parse(execFileSync('/usr/bin/python3', [script, String(threads), String(warmup), String(n), ...configs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

const classes1000 = Array.from({ length: 1000 }, (_, i) => `c${i}`);

/** ms per batch of our three variants for one classifier config. */
function oursResnet(name: string, batch: number, n: number): { saved: number; nchw: number; channelsLast: number } {
  manualSeed(0);
  const m = Model.create(TORCHVISION_RESNETS[name]!, { inputShape: [3, 224, 224], classNames: classes1000, seed: 0 });
  const fused = m.fuse();
  const x = rand([batch, 3, 224, 224]);
  const saved = timeIt(() => scope(() => noGrad(() => void m.forward(x, { training: false }))), n);
  const nchw = timeIt(() => scope(() => void fused.infer(x)), n);
  fused.channelsLast = true;
  const channelsLast = timeIt(() => scope(() => void fused.infer(x)), n);
  for (const t of [m, fused, x]) t.dispose();
  return { saved, nchw, channelsLast };
}

function resnets(): void {
  const configs = ['resnet18:224:1', 'resnet18:224:32', 'resnet34:224:1', 'resnet34:224:32'];
  const nFor = (c: string) => (c.endsWith(':32') ? Math.max(3, Math.ceil(runs / 2)) : runs * 2);
  const best: Record<string, { torch: number; saved: number; nchw: number; channelsLast: number }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const c of configs) {
      const py = torchRun([c], nFor(c))[c]!;
      const [name, , batch] = c.split(':');
      const o = oursResnet(name!, Number(batch), nFor(c));
      const b = (best[c] ??= { torch: Infinity, saved: Infinity, nchw: Infinity, channelsLast: Infinity });
      b.torch = Math.min(b.torch, py);
      b.saved = Math.min(b.saved, o.saved);
      b.nchw = Math.min(b.nchw, o.nchw);
      b.channelsLast = Math.min(b.channelsLast, o.channelsLast);
    }
  }
  console.log(`  classifiers at 224², eval: ms per batch and speed relative to torchvision under no_grad (> 1 = faster; goal ≥ 1.2)`);
  for (const c of configs) {
    const b = best[c]!;
    const [name, , batch] = c.split(':');
    const f = (ms: number) => `${ms.toFixed(1).padStart(8)} (${(b.torch / ms).toFixed(2)}×)`;
    console.log(`  ${name!.padEnd(9)} batch ${batch!.padStart(2)}  pytorch ${b.torch.toFixed(1).padStart(8)}  saved+noGrad ${f(b.saved)}  fused NCHW ${f(b.nchw)}  fused channels-last ${f(b.channelsLast)}`);
  }
}

const STAGES: (keyof StageTiming)[] = ['backbone', 'cornerSearch', 'sampling', 'classifier', 'nms'];

function denet(): void {
  const classNames = Array.from({ length: 80 }, (_, i) => `c${i}`);
  manualSeed(1);
  const m = Model.create(DENET34_SKIP, { inputShape: [3, 512, 512], classNames, seed: 1 });
  const fused = m.fuse();
  m.dispose();
  const x = rand([1, 3, 512, 512]);
  let torch = Infinity, total = Infinity, totalCl = Infinity;
  let stages: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    torch = Math.min(torch, torchRun(['resnet34-backbone:512:1'])['resnet34-backbone:512:1']!);
    fused.channelsLast = false;
    total = Math.min(total, timeIt(() => void detect(fused, x)));
    fused.channelsLast = true;
    totalCl = Math.min(totalCl, timeIt(() => void detect(fused, x)));
    fused.channelsLast = false;
    const per: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++) {
      const { timing } = detectTimed(fused, x);
      for (const s of STAGES) (per[s] ??= []).push(timing[s]);
    }
    stages = Object.fromEntries(STAGES.map((s) => [s, median(per[s]!)]));
  }
  const sum = STAGES.reduce((a, s) => a + stages[s]!, 0);
  const outside = stages.cornerSearch! + stages.sampling! + stages.nms!;
  console.log(`  DeNet-34 skip 512², batch 1, untrained, whole detection: NCHW ${total.toFixed(1)} ms, channels-last ${totalCl.toFixed(1)} ms; torchvision ResNet-34 backbone ${torch.toFixed(1)} ms`);
  console.log(`    time ratio (ours / backbone): NCHW ${(total / torch).toFixed(2)}, channels-last ${(totalCl / torch).toFixed(2)} (goal ≤ 2.0)`);
  console.log(`    stages (NCHW, timed with a clock per stage): ${STAGES.map((s) => `${s} ${stages[s]!.toFixed(1)}`).join(', ')} ms; outside the network ${((100 * outside) / sum).toFixed(1)} % (goal ≤ 10 %)`);
  fused.dispose();
  x.dispose();
}

function demo(): void {
  const classNames = Array.from({ length: 6 }, (_, i) => `c${i}`);
  manualSeed(2);
  const m = Model.create(DENET_CPU_SMALL, { inputShape: [3, 192, 192], classNames, seed: 2 });
  const fused = m.fuse();
  m.dispose();
  fused.channelsLast = true;
  const rows: string[] = [];
  for (const batch of [1, 8]) {
    const x = rand([batch, 3, 192, 192]);
    const best: Record<Precision, number> = { fp32: Infinity, bf16: Infinity, fp16: Infinity };
    for (let r = 0; r < rounds; r++) for (const p of ['fp32', 'bf16'] as const) best[p] = Math.min(best[p], timeIt(() => void detect(fused, x, { precision: p })));
    rows.push(`  demo detector 192², batch ${batch}: fp32 ${((1000 * batch) / best.fp32).toFixed(1)} img/s, bf16 ${((1000 * batch) / best.bf16).toFixed(1)} img/s (bf16/fp32 speed ${(best.fp32 / best.bf16).toFixed(2)}×)`);
    x.dispose();
  }
  console.log(rows.join('\n'));
  fused.dispose();
}

export async function run(): Promise<void> {
  setNumThreads(threads);
  console.log(`inference: ${threads} thread(s) on both sides, median of ${runs} runs, best of ${rounds} alternating rounds (machine shared: compare ratios, not times)`);
  if (!only || only === 'resnet') resnets();
  if (!only || only === 'denet') denet();
  if (!only || only === 'demo') demo();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
