/**
 * DeNet-34 skip inference latency at 512×512, batch 1, on this machine's CPU, split into the
 * stages of detectTimed(): backbone (everything before DNS, including the up-sampling stages and
 * DNC), corner search, RoI sampling, classifier (1×1 layers + DND), decoding + NMS. Prints the
 * share spent outside the network (search + sampling + NMS; goal ≤ 10 %), and compares the corner
 * selection on typed arrays with the tensor-op version, and nearest with bilinear sampling.
 *
 *   npm run bench -- detect-latency
 *   node --import tsx bench/detect-latency.ts [runs]
 *
 * Weights are untrained (he-forward): the corner map sits at its prior (p ≈ 0.01), right at the
 * corner threshold, so about half the cells are candidates — a pessimistic case for the search.
 */
import { fileURLToPath } from 'node:url';
import { DENET34_SKIP, SparseLayer, detectTimed, type StageTiming } from '../src/detect/index.js';
import { Model } from '../src/model/index.js';
import { getNumThreads, randn } from '../src/torch/index.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const STAGES: (keyof StageTiming)[] = ['backbone', 'cornerSearch', 'sampling', 'classifier', 'nms'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(model: Model, images: ReturnType<typeof randn>, runs: number): Record<keyof StageTiming, number> {
  detectTimed(model, images); // warm-up
  const per: Record<string, number[]> = Object.fromEntries(STAGES.map((s) => [s, []]));
  for (let i = 0; i < runs; i++) {
    const { timing } = detectTimed(model, images);
    for (const s of STAGES) per[s]!.push(timing[s]);
  }
  return Object.fromEntries(STAGES.map((s) => [s, median(per[s]!)])) as Record<keyof StageTiming, number>;
}

export async function run(runs = 5): Promise<void> {
  const classNames = Array.from({ length: 80 }, (_, i) => `class${i}`);
  const model = Model.create(DENET34_SKIP, { inputShape: [3, 512, 512], classNames, seed: 1 });
  const dns = model.layers.find((l) => l instanceof SparseLayer) as SparseLayer;
  const images = randn([1, 3, 512, 512]);
  console.log(`detect-latency: DeNet-34 skip, 512×512, batch 1, cpu, ${getNumThreads()} threads, median of ${runs} runs`);
  console.log(`  corner map ${dns.inShape[2]}×${dns.inShape[1]}, ${dns.rois} RoIs, ${dns.outShape[0]} features per RoI`);

  const t = measure(model, images, runs);
  const total = STAGES.reduce((a, s) => a + t[s], 0);
  for (const s of STAGES) console.log(`  ${s.padEnd(13)} ${t[s].toFixed(1).padStart(8)} ms  ${((100 * t[s]) / total).toFixed(1).padStart(5)} %`);
  const outside = t.cornerSearch + t.sampling + t.nms;
  console.log(`  ${'total'.padEnd(13)} ${total.toFixed(1).padStart(8)} ms  (${(1000 / total).toFixed(2)} Hz)`);
  console.log(`  outside the network (search + sampling + NMS): ${((100 * outside) / total).toFixed(1)} % (goal ≤ 10 %)`);

  dns.searchMode = 'tensor';
  const tt = measure(model, images, runs);
  dns.searchMode = 'typed';
  console.log(`  corner search: typed arrays ${t.cornerSearch.toFixed(2)} ms vs tensor-op selection ${tt.cornerSearch.toFixed(2)} ms (ratio ${(tt.cornerSearch / t.cornerSearch).toFixed(2)})`);

  const bilinear = Model.create(DENET34_SKIP.replace(/DNS\[/, 'DNS.L['), { inputShape: [3, 512, 512], classNames, weightInit: 'none' });
  bilinear.loadStateDict(Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.clone()])));
  const tb = measure(bilinear, images, runs);
  console.log(`  sampling: nearest (gather) ${t.sampling.toFixed(2)} ms vs bilinear (grid-sample) ${tb.sampling.toFixed(2)} ms`);
  bilinear.dispose();
  model.dispose();
  images.dispose();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(Number(process.argv[2]) || 5);
