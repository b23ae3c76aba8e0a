/**
 * Channels-last (NHWC) input against the default NCHW layout (`--channels-last`,
 * Model.channelsLast): ms per training step (forward and backward) of the demo network
 * DENET_CPU_SMALL at 192×192, batch 8 — its convolution stack alone (a 1×1 convolution in place of
 * the corner head), against the same stack in PyTorch (bench/channels_last_torch.py) on the same
 * threads in the same run, and the whole detector step with its losses. Best of 3 rounds each.
 *
 *   node --import tsx bench/channels-last.ts [--steps 10] [--threads 2]
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DetectionTargets } from '../src/data/types.js';
import { DENET_CPU_SMALL } from '../src/detect/index.js';
import { Model } from '../src/model/index.js';
import { manualSeed, randn, scope, setNumThreads, type Tensor } from '../src/torch/index.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const BATCH = 8;
const SIZE = 192;
const classNames = ['a', 'b', 'c', 'd', 'e', 'f'];

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};

/** Three boxes per image, spread over the picture, classes in turn. */
export function targets(): DetectionTargets[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const boxes: number[] = [];
    for (let j = 0; j < 3; j++) {
      const x = ((i * 3 + j) * 0.137) % 0.6, y = ((i * 5 + j) * 0.211) % 0.6;
      boxes.push(x, y, x + 0.2 + 0.05 * j, y + 0.25);
    }
    return { boxes: Float32Array.from(boxes), classes: Int32Array.from([0, 1, 2].map((j) => (i + j) % 6)), ignore: new Uint8Array(3), difficult: new Uint8Array(3) };
  });
}

/** ms per step, best of 3 rounds of `steps` after 2 warm-up steps; layouts alternate round by round. */
function time(model: Model, images: Tensor, steps: number, withTargets: boolean): { default: number; channelsLast: number } {
  const t = withTargets ? targets() : undefined;
  const best = { default: Infinity, channelsLast: Infinity };
  for (let round = 0; round < 3; round++) {
    for (const layout of ['default', 'channelsLast'] as const) {
      model.channelsLast = layout === 'channelsLast';
      let t0 = 0;
      for (let i = 0; i < steps + 2; i++) {
        if (i === 2) t0 = performance.now();
        manualSeed(i);
        scope(() => {
          const { output, losses } = model.forward(images, { training: true, targets: t });
          const total = withTargets ? Object.values(losses).reduce((a, b) => a.add(b)) : output.square().mean();
          total.backward();
        });
        for (const p of model.namedParameters()) p.tensor.zeroGrad();
      }
      best[layout] = Math.min(best[layout], (performance.now() - t0) / steps);
    }
  }
  return best;
}

export async function run(): Promise<void> {
  const steps = arg('--steps', 10);
  const threads = arg('--threads', Math.min(2, cpus().length));
  setNumThreads(threads);
  manualSeed(1);
  const images = randn([BATCH, 3, SIZE, SIZE]);
  const tokens = DENET_CPU_SMALL.split(' ');
  const stack = [...tokens.slice(0, tokens.findIndex((t) => t.startsWith('DNC'))), 'C[36,1]'].join(' ');
  console.log(`channels-last: DENET_CPU_SMALL at ${SIZE}×${SIZE}, batch ${BATCH}, ${threads} threads, ms per training step (forward + backward)`);

  const conv = Model.create(stack, { inputShape: [3, SIZE, SIZE], classNames, seed: 1 });
  const ours = time(conv, images, steps, false);
  conv.dispose();
  const script = fileURLToPath(new URL('./channels_last_torch.py', import.meta.url));
  const torch = JSON.parse(execFileSync('/usr/bin/python3', [script, String(threads), String(BATCH), String(SIZE), String(steps)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as { default_ms: number; channels_last_ms: number };
  const line = (name: string, d: number, c: number) => `  ${name.padEnd(28)} NCHW ${d.toFixed(1).padStart(6)}  channels-last ${c.toFixed(1).padStart(6)}  (${(d / c).toFixed(2)}× as fast)`;
  console.log(line('convolution stack, ours', ours.default, ours.channelsLast));
  console.log(line('convolution stack, PyTorch', torch.default_ms, torch.channels_last_ms));
  console.log(`  ours / PyTorch: NCHW ${(ours.default / torch.default_ms).toFixed(2)}, channels-last ${(ours.channelsLast / torch.channels_last_ms).toFixed(2)} (time ratio; < 1 is faster)`);

  const detector = Model.create(DENET_CPU_SMALL, { inputShape: [3, SIZE, SIZE], classNames, seed: 1 });
  const whole = time(detector, images, steps, true);
  detector.dispose();
  console.log(line('whole detector step, ours', whole.default, whole.channelsLast));
  images.dispose();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
