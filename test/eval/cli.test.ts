// `denet eval` end to end: the real CLI on the pycocotools fixture and on a hand-built VOC devkit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COCO_EVAL } from '../helpers/fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const expected = JSON.parse(readFileSync(COCO_EVAL.expected, 'utf8'));

function denet(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'denet.ts'), 'eval', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const gt = COCO_EVAL.groundTruth;
const dt = COCO_EVAL.results;

test('coco: the printed summary is pycocotools\' (published values)', () => {
  const r = denet('coco', '--gt', gt, '--dt', dt);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, 12);
  assert.equal(lines[0], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505');
  assert.equal(lines[8], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.595');
  assert.deepEqual(lines.map((l) => Number(l.split('= ').pop())), expected.published_3dp);
});

test('coco --json: exactly the 12 keys plus per_category, full precision', () => {
  const r = denet('coco', '--gt', gt, '--dt', dt, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl', 'per_category']);
  assert.deepEqual(Object.values(j).slice(0, 12), expected.stats);
  assert.equal(j.per_category.person.AP, expected.per_category_area_all_maxDets100['1'].AP);
  assert.equal(Object.keys(j.per_category).length, 80);
});

test('coco: bad input gives one error line and exit code 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-eval-'));
  try {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '[{"image_id": 123456789, "category_id": 1, "bbox": [0,0,1,1], "score": 1}]');
    let r = denet('coco', '--gt', gt, '--dt', bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: .*image id\(s\) are not in the ground truth \(123456789\)\n$/);
    writeFileSync(bad, '[{"image_id": 42, "category_id": 1, "bbox": [0,0,1,1], "score": 1},');
    r = denet('coco', '--gt', gt, '--dt', bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: results .*bad\.json is not valid JSON/);
    assert.equal(r.err.trim().split('\n').length, 1);
    r = denet('coco', '--gt', gt);
    assert.equal(r.code, 2);
    assert.match(r.err, /required option '--dt <file>'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('voc --json and --plots on a two-class devkit', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cli-voc-'));
  try {
    const base = path.join(root, 'VOCdevkit', 'VOC2007');
    mkdirSync(path.join(base, 'Annotations'), { recursive: true });
    mkdirSync(path.join(base, 'ImageSets', 'Main'), { recursive: true });
    const obj = (n: string, b: number[]) => `<object><name>${n}</name><difficult>0</difficult><bndbox><xmin>${b[0]}</xmin><ymin>${b[1]}</ymin><xmax>${b[2]}</xmax><ymax>${b[3]}</ymax></bndbox></object>`;
    writeFileSync(path.join(base, 'Annotations', 'a.xml'), `<annotation>${obj('cat', [1, 1, 10, 10])}${obj('cat', [50, 50, 59, 59])}${obj('dog', [20, 20, 40, 40])}</annotation>`);
    writeFileSync(path.join(base, 'ImageSets', 'Main', 'test.txt'), 'a\n');
    const res = path.join(root, 'res');
    mkdirSync(res);
    // cat: FP (.9) then TP (.8), second object missed: rec [0,.5], prec [0,.5].
    //   07: thresholds 0..0.5 → .5 (6 of 11) → 3/11; all: .5·.5 = .25.  dog: one TP → 1 (both rules).
    writeFileSync(path.join(res, 'comp4_det_test_cat.txt'), 'a 0.9 100 100 120 120\na 0.8 1 1 10 10\n');
    writeFileSync(path.join(res, 'comp4_det_test_dog.txt'), 'a 0.5 20 20 40 40\n');
    const common = ['voc', '--devkit', path.join(root, 'VOCdevkit'), '--year', '2007', '--set', 'test', '--results', res, '--classes', 'cat,dog', '--json'];
    let r = denet(...common, '--metric', 'all', '--plots', path.join(root, 'plots'));
    assert.equal(r.code, 0, r.err);
    let j = JSON.parse(r.out);
    assert.deepEqual(j, { mAP: (0.25 + 1) / 2, per_class: { cat: 0.25, dog: 1 } });
    assert.ok(existsSync(path.join(root, 'plots', 'pr-curves.png')));
    r = denet(...common); // year 2007 → 11-point by default
    j = JSON.parse(r.out);
    assert.ok(Math.abs(j.per_class.cat - 3 / 11) < 1e-12 && Math.abs(j.per_class.dog - 1) < 1e-12, r.out);
    r = denet('voc', '--devkit', path.join(root, 'VOCdevkit'), '--year', '2007', '--results', res);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: missing results file for class aeroplane: .*comp4_det_test_aeroplane\.txt\n$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
