/**
 * The papers' ablation on our generated data, one budget for every variant:
 *
 *   v1           plain class softmax, smooth-L1 box deltas, no corner clustering  (DNS[…,0,1] DND)
 *   +fitness     joint Fitness NMS                                              (DND.J)
 *   +BIoU        joint fitness + Bounded IoU loss                               (DND.JB, λb 0.125)
 *   +clustering  … + corner clustering m = 1  (= the v2 head of DENET_CPU_SMALL) (DNS[…,1,1] DND.JB)
 *
 * Each variant trains the demo's network (DENET_CPU_SMALL's backbone and classifier) with the
 * same data, seed, solver and epochs through the Trainer, then detects the held-out split: COCO
 * AP, AP50, AP75, detection images/s, and for fitness heads the same model ranked by the class
 * probability instead of the fitness score (what Fitness NMS itself adds).
 *
 *   node --import tsx bench/ablation.ts                       # 3000 images × 4 epochs per variant
 *   node --import tsx bench/ablation.ts --train 8000 --epochs 6 --out /tmp/ablation   # the demo's budget
 *   node --import tsx bench/ablation.ts --only v1,+BIoU
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoader } from '../src/data/loader.js';
import { openDataset } from '../src/data/open.js';
import { SYNTHETIC_YEAR, writeSyntheticDataset } from '../src/data/synthetic-writer.js';
import { evaluateDetector } from '../src/detect/evaluate.js';
import { DENET_CPU_SMALL } from '../src/detect/networks.js';
import { Model } from '../src/model/index.js';
import { setNumThreads } from '../src/torch/index.js';
import { RunFolder } from '../src/train/run-folder.js';
import { LearnSchedule } from '../src/train/schedule.js';
import { createSolver } from '../src/train/solvers/index.js';
import { Trainer } from '../src/train/trainer.js';
import { registerLayers } from '../src/layers.js';

registerLayers();

const { values: a } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/denet-ablation' },
    train: { type: 'string', default: '3000' },
    test: { type: 'string', default: '300' },
    size: { type: 'string', default: '128' },
    epochs: { type: 'string', default: '4' },
    rate: { type: 'string', default: '0.002' },
    threads: { type: 'string' },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});

/** Replaces DENET_CPU_SMALL's DNS corner-clustering argument and its DND token. */
function variant(clustering: 0 | 1, dnd: string): string {
  return DENET_CPU_SMALL.replace(/DNS(\.L)?\[([^\]]*)\]/, (_, tag: string | undefined, args: string) => {
    const v = args.split(',');
    v[4] = String(clustering);
    return `DNS${tag ?? ''}[${v.join(',')}]`;
  }).replace(/DND(\.\w+)?\[[^\]]*\]/, dnd);
}

const VARIANTS: { name: string; desc: string }[] = [
  { name: 'v1', desc: variant(0, 'DND[0.5,1,1]') },
  { name: '+fitness', desc: variant(0, 'DND.J[0.5,1,1]') },
  { name: '+BIoU', desc: variant(0, 'DND.JB[0.5,1,0.125]') },
  { name: '+clustering', desc: variant(1, 'DND.JB[0.5,1,0.125]') },
];

if (a.threads) setNumThreads(Number(a.threads));
const size = Number(a.size);
const data = join(a.out!, 'data');
if (!existsSync(join(data, 'coco'))) {
  console.log(`writing the dataset to ${data}`);
  await writeSyntheticDataset(data, { seed: Number(a.seed), counts: { train: Number(a.train), val: 0, test: Number(a.test) }, size });
}
const train = openDataset(join(data, 'coco'), `mscoco,${SYNTHETIC_YEAR}-train,mirror`);
const test = openDataset(join(data, 'coco'), `mscoco,${SYNTHETIC_YEAR}-test`);
const epochs = Number(a.epochs);
const only = a.only?.split(',');
const rows: string[] = [];
console.log(`${train.dataset.length} training, ${test.dataset.length} held-out ${size}×${size} images; ${epochs} epochs of Adam at ${a.rate} (×0.1 for the last epoch) per variant`);
for (const v of VARIANTS) {
  if (only && !only.includes(v.name)) continue;
  const model = Model.create(v.desc, { inputShape: [3, size, size], classNames: train.dataset.classNames, seed: Number(a.seed) });
  const trainer = new Trainer({
    model, epochs, seed: Number(a.seed), progress: false, run: new RunFolder(join(a.out!, v.name)), log: (l) => console.log(`  ${v.name}: ${l}`),
    solver: createSolver('adam', model.namedParameters(), { weightDecay: 1e-4, momentum: [0.9, 0.999] }),
    schedule: new LearnSchedule({ rate: Number(a.rate), anneal: 0.1, annealEpochs: epochs > 1 ? [epochs - 1] : [] }),
    train: createLoader(train.dataset, { batchSize: 16, threads: 2, seed: Number(a.seed), train: true, image: train.spec.options }),
  });
  const t0 = performance.now();
  const history = await trainer.run();
  const trainSecs = (performance.now() - t0) / 1000;
  const loader = createLoader(test.dataset, { batchSize: 32, threads: 2, train: false, image: test.spec.options });
  const t1 = performance.now();
  const r = await evaluateDetector(model, loader);
  const rate = r.images.length / ((performance.now() - t1) / 1000);
  const s = r.report.stats;
  let plain = '';
  if (v.desc.includes('DND.J')) {
    const p = (await evaluateDetector(model, loader, { detect: { fitness: false } })).report.stats;
    plain = ` | ${p.AP.toFixed(3)} / ${p.AP50.toFixed(3)} / ${p.AP75.toFixed(3)}`;
  } else plain = ' | –';
  const row = `| ${v.name} | ${s.AP.toFixed(3)} | ${s.AP50.toFixed(3)} | ${s.AP75.toFixed(3)} | ${rate.toFixed(0)} | ${history.at(-1)!.imagesPerSecond!.toFixed(0)} | ${(trainSecs / 60).toFixed(1)}${plain} |`;
  console.log(row);
  rows.push(row);
  model.dispose();
}
console.log('\n| variant | AP | AP50 | AP75 | detect img/s | train img/s | train min | ranked by P(c) instead: AP / AP50 / AP75 |\n|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
