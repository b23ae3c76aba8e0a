// COCO evaluation rules on hand-built cases. Each expected value is worked out in the comments
// from pycocotools' rules (COCOeval.evaluateImg / accumulate / summarize): AP at one IoU threshold
// is the mean over the 101 recall thresholds r of the envelope precision at the first detection
// whose recall reaches r (0 when none does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCocoJson, formatCocoSummary, pyFixed, type CocoStats } from '../../src/eval/coco/index.js';
import { UserError } from '../../src/util/errors.js';

type Box = [number, number, number, number];
interface G { img: number; cat: number; box: Box; area?: number; crowd?: boolean; id?: number }
interface D { img: number; cat: number; box: Box; score: number }

function run(images: number[], cats: number[], gts: G[], dts: D[]) {
  const gt = {
    images: images.map((id) => ({ id })),
    categories: cats.map((id) => ({ id, name: `c${id}` })),
    annotations: gts.map((g, i) => ({
      id: g.id ?? i + 1, image_id: g.img, category_id: g.cat, bbox: g.box,
      area: g.area ?? g.box[2] * g.box[3], iscrowd: g.crowd ? 1 : 0,
    })),
  };
  const res = dts.map((d) => ({ image_id: d.img, category_id: d.cat, bbox: d.box, score: d.score }));
  return evaluateCocoJson(gt, res);
}
const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what} ${a} vs ${b}`);
// (1e-12 absorbs pycocotools' eps in tp/(tp+fp+eps) and summation order; wrong rules move AP by ≥ 1/101.)
const far = (i: number): Box => [500 + 20 * i, 500, 10, 10];

test('a perfect detection scores 1; area ranges without ground truth are -1', () => {
  const { stats } = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 10, 10] }], [{ img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.9 }]);
  // Area 100 is "small": small/all are 1, medium/large have no ground truth → -1. Precision is
  // tp/(tp+fp+eps) with eps = 2^-52, so one TP gives 1/(1+2^-52) = 1 - 2^-52, exactly as pycocotools.
  const one = 1 / (1 + 2 ** -52);
  assert.equal(one, 0.9999999999999998);
  const want: CocoStats = { AP: one, AP50: one, AP75: one, APs: one, APm: -1, APl: -1, AR1: 1, AR10: 1, AR100: 1, ARs: 1, ARm: -1, ARl: -1 };
  for (const [k, v] of Object.entries(want)) close(stats[k as keyof CocoStats], v, k); // means of 101 values round in the last bit
});

test('IoU must reach the threshold: IoU 0.72 matches at 0.50..0.70 only', () => {
  // Intersection 10×7.2 = 72, union 100 → IoU 0.72: a TP at 5 of the 10 thresholds (AP 1 there,
  // 0 at the others) → AP 0.5, AP50 1, AP75 0, AR100 0.5.
  const { stats } = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 10, 10] }], [{ img: 1, cat: 1, box: [0, 0, 10, 7.2], score: 0.9 }]);
  close(stats.AP, 0.5); close(stats.AP50, 1); close(stats.AP75, 0); close(stats.AR100, 0.5);
});

test('precision envelope and 101-point sampling', () => {
  // Two GT, detections in score order TP, FP, TP: tp=[1,1,2], fp=[0,1,1], rc=[.5,.5,1],
  // pr=[1,.5,2/3] → envelope [1,2/3,2/3]. Recall thresholds 0.00..0.50 (51 of them) reach index 0
  // → 1; 0.51..1.00 (50) reach index 2 → 2/3. AP = (51 + 50·2/3)/101.
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }, { img: 1, cat: 1, box: [100, 0, 10, 10] }];
  const { stats } = run([1], [1], gts, [
    { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.9 },
    { img: 1, cat: 1, box: far(0), score: 0.8 },
    { img: 1, cat: 1, box: [100, 0, 10, 10], score: 0.7 },
  ]);
  close(stats.AP50, (51 + (50 * 2) / 3) / 101);
  close(stats.AP, (51 + (50 * 2) / 3) / 101);
  // FP first instead: rc=[0,.5,1], pr=[0,.5,2/3] → envelope 2/3 everywhere → AP 2/3.
  const b = run([1], [1], gts, [
    { img: 1, cat: 1, box: far(0), score: 0.9 },
    { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.8 },
    { img: 1, cat: 1, box: [100, 0, 10, 10], score: 0.7 },
  ]);
  close(b.stats.AP50, 2 / 3);
});

test('score ties keep file order within an image and image-id order across images', () => {
  // One GT, two detections with equal score. FP listed first: rc=[0,1], pr=[0,.5] → AP 0.5.
  // TP listed first: rc=[1,1], pr=[1,.5] → AP 1.
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }];
  const tp: D = { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.5 }, fp: D = { img: 1, cat: 1, box: far(0), score: 0.5 };
  close(run([1], [1], gts, [fp, tp]).stats.AP50, 0.5);
  close(run([1], [1], gts, [tp, fp]).stats.AP50, 1);
  // Across images: each image has one GT; an FP on image 3 and a TP on image 7, same score. Images
  // are taken in ascending id whatever the file order, so the FP (id 3) comes first: tp=[0,1],
  // fp=[1,1], npig 2 → rc=[0,.5], pr=[0,.5] → 0.5 at the 51 thresholds ≤ 0.5, 0 above: AP 25.5/101.
  const gts2: G[] = [{ img: 3, cat: 1, box: [0, 0, 10, 10] }, { img: 7, cat: 1, box: [0, 0, 10, 10] }];
  const r = run([7, 3], [1], gts2, [{ img: 7, cat: 1, box: [0, 0, 10, 10], score: 0.5 }, { img: 3, cat: 1, box: far(0), score: 0.5 }]);
  close(r.stats.AP50, 25.5 / 101);
  // Swap which image holds the FP: TP first → rc=[.5,.5], pr=[1,.5] → 1 at 51 thresholds: 51/101.
  const r2 = run([7, 3], [1], gts2, [{ img: 7, cat: 1, box: far(0), score: 0.5 }, { img: 3, cat: 1, box: [0, 0, 10, 10], score: 0.5 }]);
  close(r2.stats.AP50, 51 / 101);
});

test('equal IoU with two ground truths: the later one wins', () => {
  // Det 1 [2.5,0,10,10] has IoU 75/125 = 0.6 with both A=[0,0,10,10] and B=[5,0,10,10]; it takes B
  // (later), leaving A for det 2 (IoU 1 with A) → 2 TP, AP50 = 1. Had det 1 taken A, det 2 would be
  // a FP (IoU 50/150 with B): pr=[1,.5], rc=[.5,.5] → 51/101.
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }, { img: 1, cat: 1, box: [5, 0, 10, 10] }];
  const dts: D[] = [{ img: 1, cat: 1, box: [2.5, 0, 10, 10], score: 0.9 }, { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.8 }];
  close(run([1], [1], gts, dts).stats.AP50, 1);
});

test('crowd regions: IoU over the detection area, matched many times, matches ignored', () => {
  // Regular GT A=[0,0,10,10]; crowd C=[100,100,50,50]. Detections in score order:
  //  .99 [90,90,20,20]: overlaps C by 10×10 = 100, IoU vs crowd = 100/400 = .25 → FP;
  //  .95 and .90: 10×10 boxes inside C, IoU = 100/100 = 1 (plain IoU would be 100/2500) → both
  //      match the crowd (a crowd is never used up) → ignored;
  //  .80 A exactly → TP.
  // tp=[0,0,0,1], fp=[1,1,1,1], npig 1 (crowds do not count) → rc=[0,0,0,1], pr=[0,0,0,.5]
  // → envelope .5 → AP .5 at every threshold.
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }, { img: 1, cat: 1, box: [100, 100, 50, 50], crowd: true }];
  const dts: D[] = [
    { img: 1, cat: 1, box: [90, 90, 20, 20], score: 0.99 },
    { img: 1, cat: 1, box: [110, 110, 10, 10], score: 0.95 },
    { img: 1, cat: 1, box: [120, 120, 10, 10], score: 0.9 },
    { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.8 },
  ];
  const { stats } = run([1], [1], gts, dts);
  close(stats.AP, 0.5);
  close(stats.AR100, 1);
  // A category whose only ground truth is a crowd has no countable GT → -1.
  const only = run([1], [1, 2], [...gts, { img: 1, cat: 2, box: [0, 0, 50, 50], crowd: true }], dts);
  assert.equal(only.perCategory[1].AP, -1);
  close(only.stats.AP, 0.5); // category 2 is left out of the mean, not counted as 0
});

test('area ranges use the GT area field and the detection w·h; ranges are closed', () => {
  // GT box 40×40 (1600 px², medium by box) but area field 900 (small). The detection (w·h 1600)
  // matches it: small → TP (AP 1); medium/large → the GT is ignored, so is the detection matched
  // to it, no countable GT → -1.
  const a = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 40, 40], area: 900 }], [{ img: 1, cat: 1, box: [0, 0, 40, 40], score: 0.9 }]);
  close(a.stats.APs, 1); assert.equal(a.stats.APm, -1); assert.equal(a.stats.APl, -1); close(a.stats.AP, 1);
  // GT medium (2500). An unmatched small detection (area 100) scores higher. all: FP then TP →
  // rc=[0,1], pr=[0,.5] → .5. medium: the unmatched detection is outside the range → ignored → 1.
  const b = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 50, 50] }], [
    { img: 1, cat: 1, box: [200, 200, 10, 10], score: 0.9 },
    { img: 1, cat: 1, box: [0, 0, 50, 50], score: 0.8 },
  ]);
  close(b.stats.AP, 0.5); close(b.stats.APm, 1); assert.equal(b.stats.APs, -1);
  // Area exactly 32² = 1024 is in both small and medium (closed ranges).
  const c = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 32, 32] }], [{ img: 1, cat: 1, box: [0, 0, 32, 32], score: 0.9 }]);
  close(c.stats.APs, 1); close(c.stats.APm, 1); assert.equal(c.stats.APl, -1);
});

test('maxDets applies per image and per category', () => {
  // One image, one GT in each of two categories. Category 1: FP (.9) above its TP (.8);
  // category 2: a TP at .1. maxDets=1 keeps the top detection of each (image, category):
  // category 1 recall 0, category 2 recall 1 → AR1 = 0.5 (a per-image cap would keep only the
  // .9 FP → 0). AR10 = 1.
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }, { img: 1, cat: 2, box: [50, 0, 10, 10] }];
  const { stats } = run([1], [1, 2], gts, [
    { img: 1, cat: 1, box: far(0), score: 0.9 },
    { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.8 },
    { img: 1, cat: 2, box: [50, 0, 10, 10], score: 0.1 },
  ]);
  close(stats.AR1, 0.5); close(stats.AR10, 1);
  // 100 FPs outscore the only TP in a cell: the TP is rank 101 and is dropped → AP 0, AR100 0.
  const dts: D[] = Array.from({ length: 100 }, (_, i) => ({ img: 1, cat: 1, box: far(i), score: 0.9 }));
  dts.push({ img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.5 });
  const r = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 10, 10] }], dts);
  assert.equal(r.stats.AP, 0); assert.equal(r.stats.AR100, 0);
  // With 99 FPs the TP is rank 100 and counts: AR100 = 1, AR10 = 0.
  dts.splice(0, 1);
  const r2 = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 10, 10] }], dts);
  assert.equal(r2.stats.AR100, 1); assert.equal(r2.stats.AR10, 0);
});

test('empty images, categories without detections, categories without ground truth', () => {
  // Images 1 (GT cat 1), 2 (no GT), 3 (GT cat 2). Category 1: an FP (.95) on the empty image 2
  // then the TP on image 1 → rc=[0,1], pr=[0,.5] → AP .5. Category 2: GT but no detections →
  // AP 0, recall 0. Category 3: nothing → -1, left out. AP = (.5 + 0)/2 = .25; AR100 = (1+0)/2.
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }, { img: 3, cat: 2, box: [0, 0, 10, 10] }];
  const r = run([1, 2, 3], [1, 2, 3], gts, [
    { img: 2, cat: 1, box: [0, 0, 10, 10], score: 0.95 },
    { img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.5 },
  ]);
  close(r.stats.AP, 0.25); close(r.stats.AR100, 0.5);
  assert.deepEqual(r.perCategory.map((c) => c.AP), [0.5, 0, -1]);
  // No results at all: every category with GT has AP 0 (pycocotools would crash on an empty list).
  const e = run([1, 2, 3], [1, 2, 3], gts, []);
  assert.equal(e.stats.AP, 0); assert.equal(e.stats.AR100, 0); assert.equal(e.stats.APm, -1);
});

test('pycocotools quirk: a match to a ground truth whose id is 0 counts as a false positive', () => {
  const r = run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 10, 10], id: 0 }], [{ img: 1, cat: 1, box: [0, 0, 10, 10], score: 0.9 }]);
  assert.equal(r.stats.AP, 0);
  assert.match(r.warnings.join('\n'), /id 0/);
});

test('bad input: unknown images are errors, unknown categories counted warnings, bad boxes errors', () => {
  const gts: G[] = [{ img: 1, cat: 1, box: [0, 0, 10, 10] }];
  assert.throws(() => run([1], [1], gts, [{ img: 9, cat: 1, box: [0, 0, 1, 1], score: 1 }]), (e: Error) => e instanceof UserError && /image id\(s\) are not in the ground truth \(9\)/.test(e.message));
  const w = run([1], [1], gts, [{ img: 1, cat: 5, box: [0, 0, 1, 1], score: 1 }, { img: 1, cat: 1, box: [0, 0, 10, 10], score: 1 }]);
  assert.deepEqual(w.warnings, ['1 detection(s) in categories not in the ground truth were skipped']);
  close(w.stats.AP, 1);
  assert.throws(() => run([1], [1], gts, [{ img: 1, cat: 1, box: [0, 0, -1, 5], score: 1 }]), /negative size/);
  assert.throws(() => run([1], [1], gts, [{ img: 1, cat: 1, box: [0, 0, NaN, 5], score: 1 }]), /4 finite numbers/);
  assert.throws(() => run([1], [1], gts, [{ img: 1, cat: 1, box: [0, 0, 1, 5], score: NaN }]), /score must be a finite number/);
  assert.throws(() => evaluateCocoJson({ images: [] }, []), UserError);
  assert.throws(() => evaluateCocoJson({ images: [{ id: 1 }], annotations: [], categories: [{ id: 1 }] }, { not: 'an array' }), /expected a JSON array/);
  assert.throws(() => run([1], [1], [{ img: 1, cat: 1, box: [0, 0, 10, 10], area: NaN }], []), /area must be/);
});

test('summary lines use pycocotools format and Python rounding', () => {
  const s = { AP: 0.5049, AP50: 0.0625, AP75: 0.1875, APs: -1, APm: 1, APl: 0, AR1: 0, AR10: 0, AR100: 0, ARs: 0, ARm: 0, ARl: 0 };
  const lines = formatCocoSummary(s).split('\n');
  assert.equal(lines.length, 12);
  assert.equal(lines[0], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505');
  assert.equal(lines[1], ' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.062');
  assert.equal(lines[2], ' Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.188');
  assert.equal(lines[3], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000');
  assert.equal(lines[6], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.000');
  assert.equal(lines[11], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.000');
  assert.equal(pyFixed(2.5, 0), '2'); assert.equal(pyFixed(0.125, 2), '0.12'); assert.equal(pyFixed(0.1251, 2), '0.13');
});
