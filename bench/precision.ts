/**
 * bf16 autocast against fp32 for training: ms per training step (forward with the detector's
 * losses, backward) of the demo network DENET_CPU_SMALL at 192×192, batch 8, channels-last (the
 * demo's settings), the two precisions alternating round by round, best of `--rounds`. The
 * inference side (images/s of detect() in fp32 and bf16) is in bench/inference.ts.
 *
 *   npm run bench -- precision
 *   node --import tsx bench/precision.ts [--steps 6] [--rounds 3] [--threads 2]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DENET_CPU_SMALL } from '../src/detect/index.js';
import { registerLayers } from '../src/layers.js';
import { Model } from '../src/model/index.js';
import { autocast, getNumThreads, manualSeed, randn, scope, setNumThreads, type Precision } from '../src/torch/index.js';
import { targets } from './channels-last.js';

registerLayers();

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};

export async function run(): Promise<void> {
  const steps = arg('--steps', 6);
  const rounds = arg('--rounds', 3);
  setNumThreads(arg('--threads', Math.min(2, cpus().length)));
  manualSeed(1);
  const model = Model.create(DENET_CPU_SMALL, { inputShape: [3, 192, 192], classNames: ['a', 'b', 'c', 'd', 'e', 'f'], seed: 1 });
  model.channelsLast = true;
  const images = randn([8, 3, 192, 192]);
  const t = targets();
  const best: Record<string, number> = { fp32: Infinity, bf16: Infinity };
  const loss: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const p of ['fp32', 'bf16'] as Precision[]) {
      let t0 = 0;
      for (let i = 0; i < steps + 1; i++) {
        if (i === 1) t0 = performance.now();
        manualSeed(i);
        loss[p] = scope(() => {
          const { losses } = autocast(p, 'cpu', () => model.forward(images, { training: true, targets: t }));
          const total = Object.values(losses).reduce((a, b) => a.add(b));
          total.backward();
          return total.item();
        });
        for (const q of model.namedParameters()) q.tensor.zeroGrad();
      }
      best[p] = Math.min(best[p]!, (performance.now() - t0) / steps);
    }
  }
  console.log(`precision: DENET_CPU_SMALL training step at 192², batch 8, channels-last, ${getNumThreads()} thread(s), best of ${rounds} alternating rounds of ${steps} steps (machine shared)`);
  console.log(`  fp32 ${best.fp32!.toFixed(0)} ms/step   bf16 ${best.bf16!.toFixed(0)} ms/step   bf16 speed ${(best.fp32! / best.bf16!).toFixed(2)}× fp32   (last total loss fp32 ${loss.fp32!.toFixed(3)}, bf16 ${loss.bf16!.toFixed(3)})`);
  model.dispose();
  images.dispose();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
