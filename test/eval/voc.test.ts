// Pascal VOC evaluation on a hand-built devkit. Expected APs are worked out in the comments from
// the devkit's rules (VOCevaldet / VOCap): inclusive pixel boxes, best-overlap assignment, overlap
// above 0.5, difficult objects neither TP nor FP, duplicates FP; 07 = 11-point, all = area under
// the precision envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  evaluateVocFiles, formatComp4, parseComp4, parseVocXml, vocApFromCurve, vocIou, writeVocResults, VOC07_THRESHOLDS, type VocDetection,
} from '../../src/eval/voc/index.js';
import { UserError } from '../../src/util/errors.js';

type Obj = { name: string; box: number[]; difficult?: boolean };
function xml(objs: Obj[]): string {
  const o = objs.map((x) => `  <object><name>${x.name}</name><pose>Unspecified</pose><truncated>0</truncated>` +
    (x.difficult === undefined ? '' : `<difficult>${x.difficult ? 1 : 0}</difficult>`) +
    `<bndbox><xmin>${x.box[0]}</xmin><ymin>${x.box[1]}</ymin><xmax>${x.box[2]}</xmax><ymax>${x.box[3]}</ymax></bndbox></object>`).join('\n');
  return `<annotation><folder>VOC2007</folder><filename>x.jpg</filename><size><width>500</width><height>375</height><depth>3</depth></size>\n${o}\n</annotation>\n`;
}

function devkit(images: Record<string, Obj[]>, results: Record<string, string>): { root: string; devkit: string; results: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'voc-test-'));
  const base = path.join(root, 'VOCdevkit', 'VOC2007');
  mkdirSync(path.join(base, 'Annotations'), { recursive: true });
  mkdirSync(path.join(base, 'ImageSets', 'Main'), { recursive: true });
  for (const [id, objs] of Object.entries(images)) writeFileSync(path.join(base, 'Annotations', `${id}.xml`), xml(objs));
  writeFileSync(path.join(base, 'ImageSets', 'Main', 'test.txt'), Object.keys(images).join('\n') + '\n');
  const res = path.join(root, 'results');
  mkdirSync(res);
  for (const [cls, text] of Object.entries(results)) writeFileSync(path.join(res, `comp4_det_test_${cls}.txt`), text);
  return { root, devkit: path.join(root, 'VOCdevkit'), results: res };
}

// Image 000001: cat g1 [1,1,10,10], cat g2 [21,1,30,10] difficult. Image 000002: cat g3
// [1,1,10,10], cat g4 [101,101,150,150]. npos = 3. Detections (score order):
//   .9 000001 g1 exactly → TP;  .8 000001 g1 again → FP (already found);
//   .7 000001 g2 exactly → difficult: neither;  .6 000002 g3 → TP;  .5 000002 far away → FP.
// tp = [1,1,1,2,2], fp = [0,1,1,1,2], rec = [1,1,1,2,2]/3, prec = [1, .5, .5, 2/3, .5].
// 07: t = 0..0.3 → max prec with rec ≥ t = 1 (4 thresholds); t = .4,.5,.6 → rows with rec 2/3 →
//     2/3 (3 thresholds); t ≥ .7 → none → 0. AP = (4·1 + 3·2/3)/11 = 6/11.
// all: mrec = [0, 1/3 ×3, 2/3 ×2, 1], envelope mpre = [1, 1, 2/3, 2/3, 2/3, .5, 0]; recall steps
//     at 1/3 (×1), 2/3 (×2/3), 1 (×0): AP = 1/3 + 2/9 = 5/9.
const images: Record<string, Obj[]> = {
  '000001': [{ name: 'cat', box: [1, 1, 10, 10], difficult: false }, { name: 'cat', box: [21, 1, 30, 10], difficult: true }, { name: 'dog', box: [1, 1, 4, 1] }],
  '000002': [{ name: 'cat', box: [1, 1, 10, 10] }, { name: 'cat', box: [101, 101, 150, 150] }, { name: 'dog', box: [200, 200, 209, 209] }, { name: 'dog', box: [300, 300, 309, 309] }],
};
const catLines = [
  '000001 0.9 1 1 10 10', '000001 0.8 1 1 10 10', '000001 0.7 21 1 30 10', '000002 0.6 1 1 10 10', '000002 0.5 400 400 410 410',
].join('\n');
// dog: 3 objects, all non-difficult. Detections:
//   .9 000001 [1,1,4,1]: a 4×1 box in inclusive pixels, IoU 1 → TP (exclusive pixels would be 0×…);
//   .8 000002 [200,200,209,204]: overlap 10·5 = 50, union 100 → exactly 0.5, not above → FP;
//   .7 000002 [300,300,309,305]: overlap 60/100 = .6 → TP.
// tp = [1,1,2], fp = [0,1,1], rec = [1/3,1/3,2/3], prec = [1,.5,2/3].
// 07: t ≤ .3 → 1 (4), t = .4..0.6 → 2/3 (3), else 0 → 6/11.  all: 1/3·1 + 1/3·2/3 = 5/9.
const dogLines = ['000001 0.9 1 1 4 1', '000002 0.8 200 200 209 204', '000002 0.7 300 300 309 305'].join('\n');

test('VOC07 11-point and VOC2010 all-point APs on a hand-built devkit', () => {
  const d = devkit(images, { cat: catLines, dog: dogLines });
  try {
    const r07 = evaluateVocFiles({ devkit: d.devkit, year: '2007', set: 'test', resultsDir: d.results, metric: '07', classes: ['cat', 'dog'] });
    const rAll = evaluateVocFiles({ devkit: d.devkit, year: '2007', set: 'test', resultsDir: d.results, metric: 'all', classes: ['cat', 'dog'] });
    const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
    close(r07.perClass.get('cat')!.ap, 6 / 11);
    close(rAll.perClass.get('cat')!.ap, 5 / 9);
    close(r07.perClass.get('dog')!.ap, 6 / 11);
    close(rAll.perClass.get('dog')!.ap, 5 / 9);
    close(r07.mAP, 6 / 11);
    close(rAll.mAP, 5 / 9);
    assert.equal(r07.perClass.get('cat')!.npos, 3);
    assert.deepEqual(Array.from(r07.perClass.get('cat')!.precision), [1, 0.5, 0.5, 2 / 3, 0.5]);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('a detection goes to its best-overlap object even when that one is already found or difficult', () => {
  // Objects A [1,1,10,10] and B [6,1,15,10]. d1 = B exactly → TP. d2 [5,1,14,10]: overlap with A
  // 6·10/(100+100−60) = .43, with B 9·10/(110) = .82 → B, already found → FP (no fallback to A).
  // tp=[1,1], fp=[0,1], npos 2 → rec [.5,.5], prec [1,.5]; all-point AP = .5·1 + .5·0 = .5.
  const gt = parseVocXml(xml([{ name: 'a', box: [1, 1, 10, 10] }, { name: 'a', box: [6, 1, 15, 10] }]));
  const d = devkit({ img: gt.objects }, { a: 'img 0.9 6 1 15 10\nimg 0.8 5 1 14 10\n' });
  try {
    const r = evaluateVocFiles({ devkit: d.devkit, year: '2007', set: 'test', resultsDir: d.results, metric: 'all', classes: ['a'] });
    assert.equal(r.perClass.get('a')!.ap, 0.5);
    assert.equal(r.perClass.get('a')!.fp, 1);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('overlap, curve and AP helpers', () => {
  assert.equal(vocIou([1, 1, 10, 10], [1, 1, 10, 10]), 1);
  assert.equal(vocIou([1, 1, 10, 10], [1, 1, 10, 5]), 0.5);
  assert.equal(vocIou([1, 1, 10, 10], [11, 1, 20, 10]), 0); // adjacent pixels do not overlap
  assert.equal(vocIou([1, 1, 10, 10], [10, 10, 20, 20]), 1 / (100 + 121 - 1)); // one shared pixel
  // A single TP at full recall: both rules give 1. No detections: 0.
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`); // 11 additions of p/11 round
  near(vocApFromCurve(Float64Array.of(1), Float64Array.of(1), '07'), 1);
  assert.equal(vocApFromCurve(Float64Array.of(1), Float64Array.of(1), 'all'), 1);
  assert.equal(vocApFromCurve(new Float64Array(0), new Float64Array(0), 'all'), 0);
  // Recall .5 at precision 1: 07 → thresholds 0..0.5 (6 of 11) → 6/11; all → .5.
  near(vocApFromCurve(Float64Array.of(0.5), Float64Array.of(1), '07'), 6 / 11);
  assert.equal(vocApFromCurve(Float64Array.of(0.5), Float64Array.of(1), 'all'), 0.5);
});

test('comp4 writer and reader round-trip', () => {
  const dets: VocDetection[] = [{ imageId: '000001', score: 0.123456, box: [1, 2, 30.5, 40] }, { imageId: '2008_000002', score: 1, box: [5, 5, 5, 5] }];
  const text = formatComp4(dets);
  assert.equal(text, '000001 0.123456 1.0 2.0 30.5 40.0\n2008_000002 1.000000 5.0 5.0 5.0 5.0\n');
  assert.deepEqual(parseComp4(text), dets);
  const dir = mkdtempSync(path.join(tmpdir(), 'voc-w-'));
  try {
    const files = writeVocResults(dir, 'test', new Map([['cat', dets]]), ['cat', 'dog']);
    assert.deepEqual(files.map((f) => path.basename(f)), ['comp4_det_test_cat.txt', 'comp4_det_test_dog.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input is a UserError naming the problem', () => {
  assert.throws(() => parseComp4('000001 0.5 1 2 3\n', 'f.txt'), (e: Error) => e instanceof UserError && /f\.txt:1: expected/.test(e.message));
  assert.throws(() => parseComp4('000001 nan 1 2 3 4\n', 'f.txt'), /finite numbers/);
  assert.throws(() => parseComp4('000001 0.5 10 10 5 20\n', 'f.txt'), /negative size/);
  assert.throws(() => parseVocXml('<annotation><object><name>cat</name></annotation>', 'a.xml'), (e: Error) => e instanceof UserError && /a\.xml: malformed XML/.test(e.message));
  assert.throws(() => parseVocXml('<annotation><object><name>cat</name><bndbox><xmin>a</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>', 'a.xml'), /xmin must be a number/);
  const d = devkit(images, { cat: catLines });
  try {
    assert.throws(() => evaluateVocFiles({ devkit: d.devkit, year: '2007', set: 'test', resultsDir: d.results, classes: ['cat', 'dog'] }), /missing results file for class dog/);
    writeFileSync(path.join(d.results, 'comp4_det_test_dog.txt'), '009999 0.5 1 1 2 2\n');
    assert.throws(() => evaluateVocFiles({ devkit: d.devkit, year: '2007', set: 'test', resultsDir: d.results, classes: ['cat', 'dog'] }), /image "009999", which is not in the image set/);
    assert.throws(() => evaluateVocFiles({ devkit: d.devkit, year: '2012', set: 'test', resultsDir: d.results, classes: ['cat'] }), /cannot read image set/);
    // A class with no non-difficult objects has no AP: reported as null, left out of the mAP, warned.
    writeFileSync(path.join(d.results, 'comp4_det_test_bird.txt'), '');
    const r = evaluateVocFiles({ devkit: d.devkit, year: '2007', set: 'test', resultsDir: d.results, classes: ['cat', 'bird'], metric: 'all' });
    assert.equal(r.perClass.get('bird')!.ap, null);
    assert.ok(Math.abs(r.mAP! - 5 / 9) < 1e-12);
    assert.match(r.warnings[0], /bird has no non-difficult ground truth/);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

// Expected values: test/fixtures/voc-ap/expected.json, written by gen.py there with numpy, using the
// py-faster-rcnn `voc_ap` formula (thresholds np.arange(0., 1.1, 0.1)).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const reference = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'voc-ap', 'expected.json'), 'utf8')) as {
  thresholds: number[]; cases: { name: string; hits: number[]; npos: number; recall: number[]; precision: number[]; ap07: number; apAll: number }[];
};

test('11-point thresholds are numpy\'s np.arange(0., 1.1, 0.1), bit for bit', () => {
  assert.deepEqual([...VOC07_THRESHOLDS], reference.thresholds);
  assert.equal(VOC07_THRESHOLDS[3], 0.30000000000000004);
  assert.ok(VOC07_THRESHOLDS[6]! > 0.6 && VOC07_THRESHOLDS[7]! > 0.7);
});

test('APs equal the Python reference voc_ap, including recalls of exactly 3/10, 6/10, 7/10', () => {
  for (const c of reference.cases) {
    assert.equal(vocApFromCurve(Float64Array.from(c.recall), Float64Array.from(c.precision), '07'), c.ap07, c.name);
    assert.ok(Math.abs(vocApFromCurve(Float64Array.from(c.recall), Float64Array.from(c.precision), 'all') - c.apAll) < 1e-15, c.name);
  }
  // Recall stops at exactly 3/10 with precision 1: thresholds 0, .1, .2 count, 0.30000000000000004 does not.
  assert.equal(reference.cases[0]!.ap07, 3 / 11);
});

test('denet eval voc: recall of exactly 3/10 gives the reference 3/11, not 4/11', () => {
  // Ten non-difficult cats (one per image); three detections hit, two miss. Recall 0.1, 0.2, 0.3 at
  // precision 1, then precision falls: 11-point AP = 3/11 (= 0.2727) as voc_ap computes it.
  const imgs: Record<string, Obj[]> = {};
  for (let i = 0; i < 10; i++) imgs[`im${i}`] = [{ name: 'cat', box: [1, 1, 10, 10], difficult: false }];
  const lines = ['im0 0.9 1 1 10 10', 'im1 0.8 1 1 10 10', 'im2 0.7 1 1 10 10', 'im3 0.6 100 100 110 110', 'im4 0.5 100 100 110 110'];
  const d = devkit(imgs, { cat: lines.join('\n') + '\n' });
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'denet.ts'), 'eval', 'voc', '--devkit', d.devkit, '--year', '2007', '--results', d.results, '--classes', 'cat', '--json'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.per_class.cat, 3 / 11);
    assert.equal(j.per_class.cat, reference.cases[0]!.ap07);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});
