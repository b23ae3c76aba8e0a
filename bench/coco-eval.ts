/**
 * COCO bbox evaluation on a COCO-sized synthetic case: 5,000 images, 80 categories, ~36,000
 * ground-truth boxes, 100 detections per image (500,000), generated in memory from a seed.
 *
 *   node --import tsx bench/coco-eval.ts [--seed 1] [--images 5000]
 *
 * Prints the time of each stage and the peak RSS. When Python's pycocotools is importable, the
 * same case is written to a temporary folder and evaluated by `COCOeval` too; the script prints
 * its time, the ratio, and whether the 12 numbers agree (they must, to 1e-12).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COCO_STAT_NAMES, cocoStats, evaluateCoco, loadCocoGroundTruth, loadCocoResults, type CocoStats } from '../src/eval/coco/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** mulberry32: a small, fast, seedable PRNG giving floats in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A COCO-like case: box sizes log-uniform 4..400 px, 1% crowds, segmentation-like `area` < w·h. */
function synthesize(seed: number, nImages: number, nCats: number, detsPerImage: number) {
  const r = rng(seed);
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const images = Array.from({ length: nImages }, (_, i) => ({ id: 1 + 3 * i, width: 640, height: 480 }));
  const categories = Array.from({ length: nCats }, (_, k) => ({ id: k + 1 + (k >= 11 ? 1 : 0), name: `class${k}` }));
  const annotations: object[] = [];
  const results: object[] = [];
  for (const im of images) {
    const nGt = Math.floor(r() * 13.5) + 1; // mean ≈ 7.25 per image
    const cats = Array.from({ length: 3 }, () => categories[Math.floor(r() * nCats)].id);
    const gtHere: { cat: number; box: number[] }[] = [];
    for (let g = 0; g < nGt; g++) {
      const w = round2(4 * 100 ** r()), h = round2(4 * 100 ** r());
      const box = [round2(r() * (640 - w)), round2(r() * (480 - h)), w, h];
      const cat = cats[Math.floor(r() * cats.length)];
      annotations.push({ id: annotations.length + 1, image_id: im.id, category_id: cat, bbox: box, area: round2(w * h * (0.5 + 0.4 * r())), iscrowd: r() < 0.01 ? 1 : 0 });
      gtHere.push({ cat, box });
    }
    for (let d = 0; d < detsPerImage; d++) {
      let cat: number, box: number[];
      if (d < gtHere.length * 2 && r() < 0.8) {
        const g = gtHere[d % gtHere.length];
        const j = (s: number) => (r() - 0.5) * 0.4 * s;
        cat = r() < 0.9 ? g.cat : categories[Math.floor(r() * nCats)].id;
        box = [round2(g.box[0] + j(g.box[2])), round2(g.box[1] + j(g.box[3])), round2(Math.max(1, g.box[2] * (1 + j(1)))), round2(Math.max(1, g.box[3] * (1 + j(1))))];
      } else {
        const w = round2(4 * 100 ** r()), h = round2(4 * 100 ** r());
        cat = r() < 0.5 ? cats[Math.floor(r() * cats.length)] : categories[Math.floor(r() * nCats)].id;
        box = [round2(r() * (640 - w)), round2(r() * (480 - h)), w, h];
      }
      // Scores rounded to 3 decimals, as many results files are: plenty of ties.
      results.push({ image_id: im.id, category_id: cat, bbox: box, score: Math.round((d < gtHere.length * 2 ? 0.3 + 0.7 * r() : r() * 0.6) * 1000) / 1000 });
    }
  }
  return { gt: { images, categories, annotations }, results };
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function pycocotools(gt: object, results: object[]): { stats: number[]; seconds: number } | string {
  try {
    execFileSync('python3', ['-c', 'import pycocotools'], { stdio: 'ignore' });
  } catch {
    return 'pycocotools not importable (Debian 12 has no python3-pycocotools); skipped the reference run';
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'coco-bench-'));
  try {
    writeFileSync(path.join(dir, 'gt.json'), JSON.stringify(gt));
    writeFileSync(path.join(dir, 'dt.json'), JSON.stringify(results));
    const script = [
      'import json, sys, time, io, contextlib',
      'from pycocotools.coco import COCO', 'from pycocotools.cocoeval import COCOeval',
      'with contextlib.redirect_stdout(io.StringIO()):',
      '  t = time.perf_counter(); gt = COCO(sys.argv[1]); dt = gt.loadRes(sys.argv[2])',
      "  E = COCOeval(gt, dt, 'bbox'); E.evaluate(); E.accumulate(); E.summarize(); s = time.perf_counter() - t",
      "print(json.dumps({'stats': [float(v) for v in E.stats], 'seconds': s}))",
    ].join('\n');
    return JSON.parse(execFileSync('python3', ['-c', script, path.join(dir, 'gt.json'), path.join(dir, 'dt.json')], { encoding: 'utf8', maxBuffer: 1 << 24 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const seed = arg('seed', 1), nImages = arg('images', 5000);
let t0 = process.hrtime.bigint();
const { gt: gtJson, results } = synthesize(seed, nImages, 80, 100);
console.log(`synthetic case (seed ${seed}): ${nImages} images, 80 categories, ${gtJson.annotations.length} GT boxes, ${results.length} detections [${ms(t0).toFixed(0)} ms to generate]`);

t0 = process.hrtime.bigint();
const gt = loadCocoGroundTruth(gtJson);
const dt = loadCocoResults(results, gt);
const tLoad = ms(t0);
t0 = process.hrtime.bigint();
const evaluation = evaluateCoco(gt, dt);
const tEval = ms(t0);
t0 = process.hrtime.bigint();
const stats: CocoStats = cocoStats(evaluation);
const tSum = ms(t0);
const total = tLoad + tEval + tSum;
console.log(`load+validate ${tLoad.toFixed(0)} ms, evaluate+accumulate ${tEval.toFixed(0)} ms, summarize ${tSum.toFixed(0)} ms: total ${(total / 1000).toFixed(2)} s`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (includes the generated JSON objects)`);
console.log(COCO_STAT_NAMES.map((n) => `${n}=${stats[n].toFixed(4)}`).join(' '));

// What the CLI pays on top: parsing the results file's text (measured after the peak RSS above).
const resultsText = JSON.stringify(results);
t0 = process.hrtime.bigint();
JSON.parse(resultsText);
console.log(`JSON.parse of the ${(resultsText.length / 2 ** 20).toFixed(0)} MiB results text: ${ms(t0).toFixed(0)} ms (the CLI's extra cost)`);

const ref = pycocotools(gtJson, results);
if (typeof ref === 'string') console.log(ref);
else {
  const worst = Math.max(...COCO_STAT_NAMES.map((n, i) => Math.abs(stats[n] - ref.stats[i])));
  console.log(`pycocotools: ${ref.seconds.toFixed(2)} s (load+evaluate+accumulate+summarize); ours ${(ref.seconds / (total / 1000)).toFixed(1)}x faster; max |difference| of the 12 numbers ${worst.toExponential(2)} ${worst <= 1e-12 ? '(identical)' : '(MISMATCH)'}`);
  if (worst > 1e-12) process.exitCode = 1;
}
