/**
 * model-predict without annotations, through the real CLI on generated files: a folder of
 * mixed-size images (jpg/png/webp/tiff, a sub-folder, a corrupt file, a non-image), a single image,
 * a list file; the same images as a labelled COCO set give exactly the same detections (so the
 * unlabelled path maps boxes back as the evaluated path does); classification top-5 per file
 * against a direct forward pass; COCO test-dev with the original README command, scored by
 * `denet eval coco` against the hidden ground truth.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { writeSyntheticDataset } from '../../src/data/synthetic-writer.js';
import { Model } from '../../src/model/index.js';
import { manualSeed, noGrad, tensor } from '../../src/torch/index.js';
import { registerLayers } from '../../src/layers.js';
import { cli, ROOT, tmp } from './helpers.js';

registerLayers();

const DESC = ['C.B[8,3,2]', 'BN', 'A', 'C.B[16,3,2]', 'BN', 'A', 'DNC[8,100]', 'DNS[3,4,0.01,0.1,1,1]', 'C.B[32]', 'BN', 'A', 'DND.JB[0.5,1,0.125]'];
const CLASSES = ['t-shirt', 'trouser', 'dress', 'sandal', 'sneaker', 'bag'];
const ENV = { DENET_THREADS: '1' };
let DATA = '', DET = '', PHOTOS = '';
/** name → [width, height] of the readable images in PHOTOS. */
const SIZES: Record<string, [number, number]> = { 'a.jpg': [64, 64], 'd.tiff': [50, 120], 'sub/b.png': [192, 192], 'sub/c.webp': [160, 90] };

interface Result { image_id: number; file_name?: string; category_id: number; category_name?: string; bbox: number[]; score: number }
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Result[];

before(async () => {
  DATA = tmp('pi-data');
  await writeSyntheticDataset(DATA, { seed: 1, counts: { train: 0, val: 0, test: 6 }, size: 64 });
  manualSeed(1);
  const m = Model.create(DESC, { inputShape: [3, 64, 64], classNames: CLASSES });
  DET = join(DATA, 'detector.safetensors'); // untrained: the tests compare paths, not accuracy
  m.save(DET);
  m.dispose();
  PHOTOS = join(DATA, 'photos');
  mkdirSync(join(PHOTOS, 'sub'), { recursive: true });
  const src = (i: number) => join(DATA, 'coco', 'test2026', `test_00000${i}.jpg`);
  copyFileSync(src(0), join(PHOTOS, 'a.jpg'));
  await sharp(src(1)).resize(192, 192, { kernel: 'nearest' }).png().toFile(join(PHOTOS, 'sub', 'b.png'));
  await sharp(src(2)).resize(160, 90, { fit: 'fill' }).webp({ lossless: true }).toFile(join(PHOTOS, 'sub', 'c.webp'));
  await sharp(src(3)).resize(50, 120, { fit: 'fill' }).tiff().toFile(join(PHOTOS, 'd.tiff'));
  writeFileSync(join(PHOTOS, 'broken.jpg'), 'not a JPEG');
  writeFileSync(join(PHOTOS, 'notes.txt'), 'not an image, not listed');
});

test('a folder of mixed-size images: per-image lines, results.json keyed by file, pictures, the corrupt one skipped and counted, no COCO numbers', () => {
  const out = tmp('pi-folder');
  const r = cli('model-predict', ['--model', DET, '--input', PHOTOS, '--predict-mode', 'detect,image,json', '--results', out, '--batch-size', '2', '--draw-threshold', '0.15'], ENV);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // Sorted recursive order: a.jpg, broken.jpg, d.tiff, sub/b.png, sub/c.webp (notes.txt is not an image).
  assert.match(lines[0]!, /^image 1\/5 a\.jpg 64×64: (no detections|\d+ [a-z-]+(, \d+ [a-z-]+)*)$/);
  assert.match(lines[1]!, /^image 3\/5 d\.tiff 50×120: /);
  assert.match(lines[2]!, /^image 4\/5 sub\/b\.png 192×192: /);
  assert.match(lines[3]!, /^image 5\/5 sub\/c\.webp 160×90: /);
  assert.match(lines[4]!, /^4 images, 1 unreadable skipped, \d+ detections \([\d.]+ img\/s\); wrote 5 file\(s\) into /);
  assert.doesNotMatch(r.stdout, /Average Precision/);
  assert.match(r.stderr, /warning: skipped .*broken\.jpg: /);
  const res = read(join(out, 'results.json'));
  assert.ok(res.length > 0);
  const ids: Record<string, number> = { 'a.jpg': 1, 'd.tiff': 3, 'sub/b.png': 4, 'sub/c.webp': 5 };
  for (const d of res) {
    const [w, h] = SIZES[d.file_name!]!;
    assert.equal(d.image_id, ids[d.file_name!]);
    assert.equal(d.category_name, CLASSES[d.category_id - 1]);
    // Boxes are in the image's own pixels.
    assert.ok(d.bbox[0]! >= 0 && d.bbox[1]! >= 0 && d.bbox[0]! + d.bbox[2]! <= w + 1e-9 && d.bbox[1]! + d.bbox[3]! <= h + 1e-9, JSON.stringify(d));
  }
  // The 192×192 image's boxes span its full size, not the 64×64 network input.
  assert.ok(Math.max(...res.filter((d) => d.file_name === 'sub/b.png').map((d) => d.bbox[0]! + d.bbox[2]!)) > 64);
  // The summary counts match the file at the draw threshold.
  const shown = res.filter((d) => d.file_name === 'a.jpg' && d.score >= 0.15).length;
  const counted = [...lines[0]!.split(': ')[1]!.matchAll(/(\d+) [a-z-]+/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(counted, shown);
  assert.deepEqual(readdirSync(join(out, 'images')).sort(), ['a.png', 'd.png', 'sub__b.png', 'sub__c.png']);
});

test('the same images as a labelled COCO set: identical detections (same resize, same mapping back to pixels)', async () => {
  // A COCO layout over the four readable files with hand-placed objects, read with the geometry
  // the unlabelled path uses by default for a 64×64 detector (letterbox: long side 64, padded).
  const root = tmp('pi-coco');
  mkdirSync(join(root, 'annotations'));
  mkdirSync(join(root, 'val2030'));
  const names = Object.keys(SIZES);
  const images = names.map((n, i) => {
    copyFileSync(join(PHOTOS, n), join(root, 'val2030', n.replace('/', '_')));
    return { id: i + 1, file_name: n.replace('/', '_'), width: SIZES[n]![0], height: SIZES[n]![1] };
  });
  const annotations = images.map((im, i) => ({ id: i + 1, image_id: im.id, category_id: 2, bbox: [im.width / 4, im.height / 4, im.width / 2, im.height / 2], area: (im.width * im.height) / 4, iscrowd: 0 }));
  writeFileSync(join(root, 'annotations', 'instances_val2030.json'), JSON.stringify({ images, annotations, categories: CLASSES.map((name, i) => ({ id: i + 1, name })) }));
  const list = join(root, 'list.txt');
  writeFileSync(list, names.map((n) => join('val2030', n.replace('/', '_'))).join('\n') + '\n');
  const a = tmp('pi-unlabelled'), b = tmp('pi-labelled');
  const ra = cli('model-predict', ['--model', DET, '--input', list, '--predict-mode', 'detect,json', '--results', a, '--batch-size', '2'], ENV);
  assert.equal(ra.status, 0, ra.stderr);
  const rb = cli('model-predict', ['--model', DET, '--input', root, '--extension', 'mscoco,2030-val,scale=64,scale_mode=large,crop=64', '--predict-mode', 'detect,mscoco', '--results', b, '--batch-size', '2'], ENV);
  assert.equal(rb.status, 0, rb.stderr);
  assert.equal(rb.stdout.match(/Average Precision/g)?.length, 6); // the labelled set is evaluated
  const ua = read(join(a, 'results.json')), lb = read(join(b, 'results.json'));
  assert.equal(ua.length, lb.length);
  ua.forEach((d, i) => {
    const e = lb[i]!;
    assert.deepEqual([d.image_id, d.category_id, d.bbox, d.score], [e.image_id, e.category_id, e.bbox, e.score]);
    assert.equal(d.file_name, join('val2030', images[d.image_id - 1]!.file_name));
  });
});

test('one image file; a list file with comments and relative paths; a bad input is one line', () => {
  const one = tmp('pi-one');
  const r1 = cli('model-predict', ['--model', DET, '--input', join(PHOTOS, 'sub', 'c.webp'), '--predict-mode', 'detect,json', '--results', one], ENV);
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stdout, /^image 1\/1 c\.webp 160×90: /m);
  const listDir = tmp('pi-list');
  // An absolute path, a blank line, and a path relative to the list file's folder.
  writeFileSync(join(listDir, 'images.txt'), `# two photos\n${join(PHOTOS, 'a.jpg')}\n\n${relative(listDir, join(PHOTOS, 'd.tiff'))}\n`);
  const r2 = cli('model-predict', ['--model', DET, '--input', join(listDir, 'images.txt'), '--predict-mode', 'detect', '--results', join(listDir, 'out')], ENV);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /^image 2\/2 .*d\.tiff 50×120: /m);
  assert.match(r2.stdout, /^2 images, \d+ detections/m);
  const bad = cli('model-predict', ['--model', DET, '--input', join(DATA, 'nothing-here'), '--predict-mode', 'detect'], ENV);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim(), `error: ${join(DATA, 'nothing-here')}: no such file or folder`);
  const empty = tmp('pi-empty');
  const r3 = cli('model-predict', ['--model', DET, '--input', empty, '--predict-mode', 'detect'], ENV);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr.trim(), /^error: .*: no images in this folder or below/);
});

test('classify a folder of unlabelled images: the top-5 per file, equal to a direct forward pass', async () => {
  const dir = tmp('pi-classify');
  manualSeed(2);
  const m = Model.create(['C[6,3]', 'A', 'P[2]', 'R'], { inputShape: [3, 8, 8], classNames: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'] });
  const modelFile = join(dir, 'classifier.safetensors');
  m.save(modelFile);
  const imgs = join(dir, 'imgs');
  mkdirSync(imgs);
  const px = Buffer.alloc(8 * 8 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37) % 256;
  await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(imgs, 'x.png'));
  await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).resize(20, 12).jpeg().toFile(join(imgs, 'y.jpg'));
  const out = join(dir, 'top5');
  const r = cli('model-predict', ['--model', modelFile, '--input', imgs, '--predict-mode', 'classify', '--results', out], ENV);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^image 1\/2 x\.png: c\d \d\.\d{3}(, c\d \d\.\d{3}){4}$/m);
  assert.match(r.stdout, /^2 images \(\d+ img\/s\); wrote .*top5\.json$/m);
  assert.doesNotMatch(r.stdout, /top-1 error/);
  const rep = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
  assert.equal(rep.count, 2);
  assert.deepEqual(rep.predictions.map((p: { file_name: string }) => p.file_name), ['x.png', 'y.jpg']);
  // x.png is 8×8, the model's input size: no resize, so a direct forward pass gives the reference.
  const x = tensor(Float32Array.from({ length: 3 * 64 }, (_, k) => px[(k % 64) * 3 + Math.floor(k / 64)]! / 255), { shape: [1, 3, 8, 8] });
  const probs = noGrad(() => m.forward(x, { training: false }).output.flatten(1).softmax(1).data() as Float32Array);
  const expected = [...probs].map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p).slice(0, 5);
  const top5 = rep.predictions[0].top5 as { class: string; index: number; probability: number }[];
  assert.deepEqual(top5.map((t) => t.index), expected.map((e) => e.i));
  top5.forEach((t, k) => assert.ok(Math.abs(t.probability - expected[k]!.p) < 1e-6));
  assert.equal(top5[0]!.class, `c${expected[0]!.i}`);

  // --precision bf16 reaches the network: probabilities move by bf16 rounding, not more.
  const bf = join(dir, 'top5-bf16');
  const r2 = cli('model-predict', ['--model', modelFile, '--input', imgs, '--predict-mode', 'classify', '--results', bf, '--precision', 'bf16'], ENV);
  assert.equal(r2.status, 0, r2.stderr);
  const p32 = rep.predictions.flatMap((p: { top5: { index: number; probability: number }[] }) => p.top5);
  const p16 = JSON.parse(readFileSync(`${bf}.json`, 'utf8')).predictions.flatMap((p: { top5: { index: number; probability: number }[] }) => p.top5);
  const prob = (list: { index: number; probability: number }[], k: number) => list.find((t) => t.index === k)?.probability;
  assert.ok(p16.some((t: { index: number; probability: number }, k: number) => t.probability !== p32[k].probability), 'bf16 output differs from fp32');
  for (const t of p16.slice(0, 5)) if (prob(p32.slice(0, 5), t.index) !== undefined) assert.ok(Math.abs(t.probability - prob(p32.slice(0, 5), t.index)!) < 0.02);
  m.dispose();
});

test('--layout: the default (channels-last on the CPU) and nchw give the same detections', () => {
  const run = (layout: string) => {
    const out = tmp(`pi-${layout}`);
    const r = cli('model-predict', ['--model', DET, '--input', PHOTOS, '--predict-mode', 'detect,json', '--results', out, '--layout', layout], ENV);
    assert.equal(r.status, 0, r.stderr);
    return read(join(out, 'results.json'));
  };
  const auto = run('auto'), nchw = run('nchw');
  assert.ok(auto.length > 0);
  assert.equal(auto.length, nchw.length);
  auto.forEach((d, i) => {
    const e = nchw[i]!;
    assert.deepEqual([d.file_name, d.category_id], [e.file_name, e.category_id]);
    assert.ok(Math.abs(d.score - e.score) < 1e-4 && d.bbox.every((v, k) => Math.abs(v - e.bbox[k]!) < 1e-3), `${d.file_name}: ${JSON.stringify(d)} vs ${JSON.stringify(e)}`);
  });
});

test('--precision bf16 reaches the detector on a folder of images: scores move by bf16 rounding', () => {
  const run = (precision: string) => {
    const out = tmp(`pi-${precision}`);
    const r = cli('model-predict', ['--model', DET, '--input', join(PHOTOS, 'a.jpg'), '--predict-mode', 'detect,json', '--results', out, '--precision', precision], ENV);
    assert.equal(r.status, 0, r.stderr);
    return read(join(out, 'results.json'));
  };
  const fp32 = run('fp32'), bf16 = run('bf16');
  assert.ok(fp32.length > 0);
  const top = (rs: Result[]) => Math.max(...rs.map((x) => x.score));
  assert.notEqual(top(bf16), top(fp32), 'bf16 scores differ from fp32');
  assert.ok(Math.abs(top(bf16) - top(fp32)) < 0.05);
});

test('COCO test-dev: the original README command writes the server file, scored by denet eval coco against the hidden ground truth', () => {
  // A test-dev layout from the generated test split: image_info_test-dev2026.json (images and
  // categories only) and test2026/; category ids made non-contiguous so the dataset's ids must be used.
  const ids = [3, 5, 8, 13, 21, 34];
  const gt = JSON.parse(readFileSync(join(DATA, 'coco', 'annotations', 'instances_test2026.json'), 'utf8'));
  gt.categories = gt.categories.map((c: { id: number }) => ({ ...c, id: ids[c.id - 1] }));
  gt.annotations = gt.annotations.map((a: { category_id: number }) => ({ ...a, category_id: ids[a.category_id - 1] }));
  const root = tmp('pi-testdev');
  mkdirSync(join(root, 'annotations'));
  mkdirSync(join(root, 'test2026'));
  for (const im of gt.images) copyFileSync(join(DATA, 'coco', 'test2026', im.file_name), join(root, 'test2026', im.file_name));
  writeFileSync(join(root, 'annotations', 'image_info_test-dev2026.json'), JSON.stringify({ images: gt.images, categories: gt.categories }));
  const hidden = join(tmp('pi-hidden'), 'instances_test-dev2026.json');
  writeFileSync(hidden, JSON.stringify(gt));
  // As written in the original README (the data path and the model replaced), run from a work folder.
  const work = tmp('pi-work');
  const args = ['--batch-size', '8', '--thread-num', '2', '--predict-mode', 'detect,mscoco', '--input', root, '--extension', 'mscoco,2026-test-dev,images_per_subset=20000', '--model', DET];
  const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const r = spawnSync(process.execPath, ['--import', tsx, join(ROOT, 'src', 'cli', 'model-predict.ts'), ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, ...ENV } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Average Precision/);
  const file = join(work, 'results', 'detections_test-dev2026_detector_results.json');
  assert.ok(existsSync(file), r.stdout);
  const res = read(file);
  assert.ok(res.length > 0);
  assert.ok(res.every((d) => ids.includes(d.category_id) && gt.images.some((im: { id: number }) => im.id === d.image_id)));
  const e = cli('denet', ['eval', 'coco', '--gt', hidden, '--dt', file, '--json']);
  assert.equal(e.status, 0, e.stderr);
  const stats = JSON.parse(e.stdout);
  // The same detections through the labelled path (the hidden file as instances_test-dev2026.json):
  // identical results, and the AP it prints is the one denet eval coco computes from the server file.
  writeFileSync(join(root, 'annotations', 'instances_test-dev2026.json'), JSON.stringify(gt));
  const labelled = tmp('pi-labelled-testdev');
  const l = cli('model-predict', [...args, '--results', labelled], ENV);
  assert.equal(l.status, 0, l.stderr);
  assert.deepEqual(read(join(labelled, 'results.json')), res);
  const ap = Number(/Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = (-?\d\.\d{3})/.exec(l.stdout)![1]);
  assert.equal(ap, Number(stats.AP.toFixed(3)));
});
