// Writers and pictures: COCO results round trip, line plots, PR curves, confusion matrix, boxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { evaluateCocoFiles, evaluateCocoJson, formatCocoResults, readCocoResults, writeCocoResults, type CocoResult } from '../../src/eval/coco/index.js';
import { classColor } from '../../src/eval/color.js';
import { confusionMatrixPng } from '../../src/eval/confusion-png.js';
import { drawDetections, detectionsSvg } from '../../src/eval/draw.js';
import { linePlotPng, linePlotSvg, niceTicks } from '../../src/eval/plot.js';
import { cocoPrCurves, prCurvesPng, prGridPng } from '../../src/eval/pr-curve.js';
import { UserError } from '../../src/util/errors.js';
import { COCO_EVAL } from '../helpers/fixtures.js';

const gtPath = COCO_EVAL.groundTruth;
const dtPath = COCO_EVAL.results;

test('COCO results writer/reader round trip evaluates to the same numbers', () => {
  const dets = readCocoResults(dtPath);
  assert.equal(dets.length, 734);
  const dir = mkdtempSync(path.join(tmpdir(), 'coco-w-'));
  try {
    const out = path.join(dir, 'results.json');
    writeCocoResults(out, dets);
    assert.deepEqual(readCocoResults(out), dets);
    const gt = JSON.parse(readFileSync(gtPath, 'utf8'));
    assert.deepEqual(evaluateCocoJson(gt, readCocoResults(out)).stats, evaluateCocoFiles(gtPath, dtPath).stats);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const one: CocoResult = { image_id: 1, category_id: 2, bbox: [1.23456, 2, 3, 4], score: 0.987654 };
  assert.equal(formatCocoResults([one], { box: 2, score: 3 }), '[\n{"image_id":1,"category_id":2,"bbox":[1.23,2,3,4],"score":0.988}\n]\n');
  assert.equal(formatCocoResults([]), '[]\n');
  assert.throws(() => formatCocoResults([{ ...one, score: NaN }]), UserError);
});

test('nice ticks', () => {
  assert.deepEqual(niceTicks(0, 1, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.25, 2.42, 5).ticks, [0.5, 1, 1.5, 2]);
  assert.deepEqual(niceTicks(1, 30, 6).ticks, [5, 10, 15, 20, 25, 30]);
});

test('line plot: SVG has the labels, PNG has the requested size', async () => {
  const series = [{ name: 'train <loss>', x: [1, 2, 3], y: [2, 1, NaN] }, { name: 'test', x: [1, 2, 3], y: [2.5, 1.5, 1.2] }];
  const svg = linePlotSvg(series, { title: 'Loss', xLabel: 'epoch', yLabel: 'loss' });
  assert.match(svg, /train &lt;loss&gt;/);
  assert.match(svg, />epoch</);
  const png = await linePlotPng(series, { title: 'Loss', xLabel: 'epoch', yLabel: 'loss', width: 640, height: 400 });
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.deepEqual([meta.width, meta.height], [640, 400]);
});

/** RGB of pixel (x, y) of a PNG. */
async function pixels(png: Buffer): Promise<(x: number, y: number) => number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return (x, y) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
}
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const near = (got: number[], want: number[], tol: number) => got.every((v, i) => Math.abs(v - want[i]!) <= tol);

test('line plot pixels: the line passes through the data points, white elsewhere', async () => {
  // 640×400 without title, labels or legend: the plot area is x 62…622, y 14…366 (margins 62, 18,
  // 14, 34 in plot.ts), so x ∈ [0, 2] → 62 + 280x and y ∈ [0, 1] → 366 − 352y.
  const at = await pixels(await linePlotPng([{ name: 'a', x: [0, 1, 2], y: [0, 1, 0.5] }], { width: 640, height: 400, xRange: [0, 2], yRange: [0, 1], legend: 'none' }));
  const blue = rgb(classColor(0));
  assert.deepEqual(at(342, 14), blue); // the point (1, 1)
  assert.deepEqual(at(482, 102), blue); // halfway from (1, 1) to (2, 0.5)
  assert.ok(near(at(260, 117), blue, 40), String(at(260, 117))); // on the segment from (0, 0) to (1, 1)
  assert.deepEqual(at(260, 330), [255, 255, 255]); // below the line, between grid lines
  assert.deepEqual(at(5, 5), [255, 255, 255]); // margin
});

test('PR curves: the mean COCO curve at IoU .5 averages to AP50; PNGs render', async () => {
  const r = evaluateCocoFiles(gtPath, dtPath);
  const c = cocoPrCurves(r.evaluation, 0.5);
  assert.equal(c.perClass.length, 70); // categories with ground truth
  assert.ok(Math.abs(c.overall.ap! - r.stats.AP50) < 1e-12);
  const png = await prCurvesPng(c.perClass, c.overall);
  assert.equal((await sharp(png).metadata()).width, 800);
  const grid = await prGridPng(c.perClass.slice(0, 6), { columns: 3, panel: [300, 230] });
  const meta = await sharp(grid).metadata();
  assert.deepEqual([meta.width, meta.height], [900, 460]);
});

test('confusion matrix PNG: rendered, wrong sizes rejected', async () => {
  const png = await confusionMatrixPng(Uint32Array.from([5, 1, 0, 3]), ['cat', 'dog']);
  assert.equal((await sharp(png).metadata()).format, 'png');
  // Two classes: 48-px cells from (70.2, 66.2) (names of 3 letters at 13 px: 3·13·0.62 + 12 = 36.2 px,
  // plus the axis titles), each shaded white → rgb(8,48,107) by its share of the row:
  // row cat 5/6 and 1/6, row dog 0 and 1.
  const at = await pixels(png);
  const shade = (v: number) => [[247, 8], [251, 48], [255, 107]].map(([a, b]) => Math.round(a! + (b! - a!) * v));
  assert.deepEqual(at(75, 71), shade(5 / 6));
  assert.deepEqual(at(75 + 48, 71), shade(1 / 6));
  assert.deepEqual(at(75, 71 + 48), shade(0));
  assert.deepEqual(at(75 + 48, 71 + 48), shade(1));
  await assert.rejects(() => confusionMatrixPng([1, 2, 3], ['a', 'b']), /4/);
});

test('detections are drawn in their class colour where the box is, nowhere else', async () => {
  const img = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
  const png = await drawDetections(img, [{ box: [40, 40, 160, 90], label: 'cat', score: 0.876, classIndex: 3 }], { lineWidth: 4 });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [200, 100]);
  const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  const hex = classColor(3); // '#d62728'
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  assert.deepEqual(px(100, 90), want); // bottom edge
  assert.deepEqual(px(40, 70), want); // left edge
  assert.deepEqual(px(100, 70), [0, 0, 0]); // inside the box: untouched
  assert.deepEqual(px(10, 80), [0, 0, 0]); // outside
  assert.match(detectionsSvg(200, 100, [{ box: [0, 0, 1, 1], label: 'a&b', score: 0.5 }]), /a&amp;b 0\.50/);
});
