// COCO bbox evaluation against pycocotools' own numbers on the cocoapi fake-detection fixture.
// Expected values: test/fixtures/coco-eval/expected.json, computed with pycocotools
// (cocodataset/cocoapi@8c9bcc3, see that folder's README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COCO_STAT_NAMES, defaultCocoParams, evaluateCocoFiles } from '../../src/eval/coco/index.js';
import { COCO_EVAL } from '../helpers/fixtures.js';

const expected = JSON.parse(readFileSync(COCO_EVAL.expected, 'utf8'));

test('thresholds equal the linspace values pycocotools uses', () => {
  const p = defaultCocoParams();
  assert.deepEqual(Array.from(p.iouThrs), expected.params.iouThrs);
  assert.deepEqual(Array.from(p.recThrs), expected.params.recThrs);
  assert.deepEqual(p.maxDets, expected.params.maxDets);
  assert.deepEqual(p.areaRanges.map((a) => [a.lo, a.hi]), expected.params.areaRng);
});

const report = evaluateCocoFiles(COCO_EVAL.groundTruth, COCO_EVAL.results);

test('the 12 stats equal pycocotools to 1e-12 (and the published 3-decimal values)', () => {
  COCO_STAT_NAMES.forEach((name, i) => {
    const got = report.stats[name];
    assert.ok(Math.abs(got - expected.stats[i]) <= 1e-12, `${name}: ${got} vs ${expected.stats[i]}`);
    assert.equal(Number(got.toFixed(3)), expected.published_3dp[i], name);
  });
});

test('the 12 stats are bit-identical to pycocotools', () => {
  assert.deepEqual(COCO_STAT_NAMES.map((n) => report.stats[n]), expected.stats);
});

test('per-category AP and AP50 equal pycocotools (-1 for categories without ground truth)', () => {
  const want = expected.per_category_area_all_maxDets100 as Record<string, { AP: number; AP50: number }>;
  assert.equal(report.perCategory.length, 80);
  for (const c of report.perCategory) {
    const w = want[String(c.id)];
    assert.ok(Math.abs(c.AP - w.AP) <= 1e-12, `category ${c.id} AP ${c.AP} vs ${w.AP}`);
    assert.ok(Math.abs(c.AP50 - w.AP50) <= 1e-12, `category ${c.id} AP50 ${c.AP50} vs ${w.AP50}`);
  }
  assert.equal(report.perCategory.filter((c) => c.AP === -1).length, 10);
});
