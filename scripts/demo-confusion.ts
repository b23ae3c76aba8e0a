// The demo's class confusion on its held-out images (docs/experiments.md):
//   node --import tsx scripts/demo-confusion.ts DEMO_RUN_FOLDER [score=0.3]
// A ground-truth object counts as found when a detection of any class scoring ≥ `score` overlaps
// it at IoU ≥ 0.5; for each found object the best-scoring such detection gives its class. Prints
// found / all objects, the share of found objects whose class is wrong, and the most frequent
// wrong pairs. Reads DIR/data/coco/annotations/instances_test*.json and DIR/predict/results.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iouAt } from '../src/runtime/boxes.js';

interface Annotation { image_id: number; category_id: number; bbox: number[]; iscrowd?: number }
interface Result { image_id: number; category_id: number; bbox: number[]; score: number }

const [run, scoreArg] = process.argv.slice(2);
if (!run) {
  console.error('usage: node --import tsx scripts/demo-confusion.ts DEMO_RUN_FOLDER [score=0.3]');
  process.exit(2);
}
const minScore = Number(scoreArg ?? 0.3);
const annotations = join(run, 'data', 'coco', 'annotations');
const gtFile = readdirSync(annotations).find((f) => /^instances_test\d+\.json$/.test(f));
if (!gtFile) throw new Error(`${annotations}: no instances_test*.json`);
const gt = JSON.parse(readFileSync(join(annotations, gtFile), 'utf8')) as { annotations: Annotation[]; categories: { id: number; name: string }[] };
const results = JSON.parse(readFileSync(join(run, 'predict', 'results.json'), 'utf8')) as Result[];
const name = new Map(gt.categories.map((c) => [c.id, c.name]));
const corners = (b: number[]) => [b[0]!, b[1]!, b[0]! + b[2]!, b[1]! + b[3]!];

const byImage = new Map<number, Result[]>();
for (const r of results) if (r.score >= minScore) (byImage.get(r.image_id) ?? byImage.set(r.image_id, []).get(r.image_id)!).push(r);
let objects = 0, found = 0, wrong = 0;
const pairs = new Map<string, number>();
for (const a of gt.annotations) {
  if (a.iscrowd) continue;
  objects++;
  const box = corners(a.bbox);
  let best: Result | undefined;
  for (const r of byImage.get(a.image_id) ?? []) if (iouAt(box, 0, corners(r.bbox), 0) >= 0.5 && (!best || r.score > best.score)) best = r;
  if (!best) continue;
  found++;
  if (best.category_id !== a.category_id) {
    wrong++;
    const k = `${name.get(a.category_id)} → ${name.get(best.category_id)}`;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
  }
}
console.log(`${run}: ${found} of ${objects} objects found (a detection scoring ≥ ${minScore} at IoU ≥ 0.5); the best one has the wrong class for ${wrong} (${((100 * wrong) / found).toFixed(1)} %)`);
console.log(`  most frequent: ${[...pairs].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k} ${n}`).join(', ')}`);
