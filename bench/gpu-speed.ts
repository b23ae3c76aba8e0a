/**
 * DeNet-34 skip inference speed (detect(): network, corner search, sampling, NMS) at 512² for
 * batch 1 and 8, against torchvision's ResNet-34 backbone in PyTorch measured in the same run on
 * the same device (bench/gpu_speed_torch.py), and against the paper's 82 Hz (Titan X Maxwell).
 * Untrained weights: the corner map sits at its prior, the search's worst case (bounded by M).
 *
 *   node --import tsx bench/gpu-speed.ts [DEVICE] [RUNS]     # DEVICE default cuda:0 when CUDA is there, else cpu
 *   npm run bench -- gpu-speed
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DENET34_SKIP, detect, detectTimed, type StageTiming } from '../src/detect/index.js';
import { Model } from '../src/model/index.js';
import { cuda, randn } from '../src/torch/index.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const SIZE = 512;
const BATCHES = [1, 8];
const PAPER_HZ = 82;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(device = cuda.isAvailable() ? 'cuda:0' : 'cpu', runs = device === 'cpu' ? 3 : 20): Promise<void> {
  const classNames = Array.from({ length: 80 }, (_, i) => `class${i}`);
  const model = Model.create(DENET34_SKIP, { inputShape: [3, SIZE, SIZE], classNames, seed: 1 }).to(device);
  const python = process.env.PYTHON ?? 'python3';
  let ref: Record<string, number> | undefined;
  try {
    const script = fileURLToPath(new URL('./gpu_speed_torch.py', import.meta.url));
    ref = JSON.parse(execFileSync(python, [script, device, String(SIZE), String(runs), ...BATCHES.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })).ms;
  } catch (e) {
    console.log(`  (no PyTorch reference: ${(e as Error).message.split('\n')[0]})`);
  }
  console.log(`gpu-speed: DeNet-34 skip at ${SIZE}², ${device}, median of ${runs}; reference: torchvision ResNet-34 backbone (PyTorch, same device)`);
  for (const b of BATCHES) {
    const images = randn([b, 3, SIZE, SIZE], { device });
    for (let i = 0; i < 3; i++) detect(model, images);
    const totals: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      detect(model, images); // ends with the detections on the host: the device work is done
      totals.push(performance.now() - t0);
    }
    // The stage split synchronises the device between stages, so it is timed in separate runs.
    const stages: StageTiming[] = Array.from({ length: Math.min(runs, 5) }, () => detectTimed(model, images).timing);
    const ms = median(totals);
    const hz = (1000 * b) / ms;
    const part = (k: keyof StageTiming) => median(stages.map((s) => s[k])).toFixed(1);
    let line = `  batch ${b}: ${ms.toFixed(1)} ms per batch, ${hz.toFixed(1)} images/s (paper: ${PAPER_HZ} Hz, ratio ${(hz / PAPER_HZ).toFixed(2)})`;
    if (ref?.[String(b)]) line += `; ResNet-34 backbone ${ref[String(b)]!.toFixed(1)} ms (DeNet-34 / backbone time ${(ms / ref[String(b)]!).toFixed(2)})`;
    console.log(line);
    console.log(`    stages (ms): backbone ${part('backbone')}, corner search ${part('cornerSearch')}, sampling ${part('sampling')}, classifier ${part('classifier')}, NMS ${part('nms')}`);
    images.dispose();
  }
  model.dispose();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv[2] || undefined, Number(process.argv[3]) || undefined);
