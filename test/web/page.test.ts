/**
 * The browser example (examples/web) in Debian's Chromium, headless, driven by playwright-core:
 * the page built by scripts/build-web.mjs loads an exported detector (trained for a few epochs on
 * a generated set) with onnxruntime-web (WASM), runs it on a fixed generated image, and draws
 * detections equal to the Node runtime's (onnxruntime-node, same image). Saves a screenshot to
 * examples/web/dist/screenshot.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { loadModel, prepareImage, readImage } from '../../src/runtime/index.js';
import { ROOT, cli, tmp } from '../cli/helpers.js';

const CHROMIUM = process.env.DENET_CHROMIUM ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (scripts/setup.sh installs it)` : undefined;
const DESC = ['C.B[8,3,2]', 'BN', 'A', 'C.B[16,3,2]', 'BN', 'A', 'DNC[8,100]', 'DNS.L[3,4,0.01,0.1,1,1]', 'C.B[32]', 'BN', 'A', 'DND.JB[0.5,1,0.125]'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.png': 'image/png' };

let site = '';
let server: Server | undefined;
let url = '';

before(async () => {
  if (skip) return;
  const dir = tmp('web');
  site = join(dir, 'site');
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs'), site], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const data = join(dir, 'data');
  assert.equal(cli('denet', ['make-dataset', '--out', data, '--train', '48', '--val', '0', '--test', '4', '--size', '64']).status, 0);
  const t = cli('model-train', ['--model-desc', ...DESC, '--train', join(data, 'coco'), '--extension', 'mscoco,2026-train', '--solver', 'adam', '--learn-rate', '0.005',
    '--batch-size', '8', '--epochs', '10', '--threads', '1', '--seed', '3', '--output-prefix', join(dir, 'run')]);
  assert.equal(t.status, 0, t.stderr);
  const ex = cli('denet', ['export', '--model', join(dir, 'run', 'model.safetensors'), '--output', join(site, 'model.onnx')]);
  assert.equal(ex.status, 0, ex.stderr);
  // A lossless copy of a held-out image, so both sides decode the same pixels.
  await sharp(join(data, 'coco', 'test2026', 'test_000001.jpg')).png().toFile(join(site, 'sample.png'));
  server = createServer((req, res) => {
    const path = join(site, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    if (!path.startsWith(site) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path === site + '/' ? join(site, 'index.html') : path));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  url = `http://127.0.0.1:${port}/index.html?image=sample.png&samples=sample.png&threshold=0.1&repeat=3`;
});

after(() => server?.close());

test('the web page draws the Node runtime\'s detections (headless Chromium, onnxruntime-web WASM)', { skip }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => window.denetDemo?.ready === true, undefined, { timeout: 120_000 });
    const demo = await page.evaluate(() => window.denetDemo!);
    assert.equal(demo.error, undefined, `${demo.error}\n${logs.join('\n')}`);
    const r = demo.result!;
    mkdirSync(join(ROOT, 'examples', 'web', 'dist'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'examples', 'web', 'dist', 'screenshot.png'), fullPage: true });
    assert.equal(r.width, 64);
    assert.ok(r.msPerImage > 0);
    assert.match(await page.textContent('#status') ?? '', /ms per image/);

    const model = await loadModel(join(site, 'model.onnx'));
    const [node] = await model.detect([prepareImage(await readImage(join(site, 'sample.png')), model.inputShape)]);
    await model.release();
    const expected = node!.filter((d) => d.score >= 0.1);
    assert.ok(expected.length > 0, 'the Node runtime finds detections on the sample');
    assert.equal(r.detections.length, expected.length, 'drawn detections');
    r.detections.forEach((d, i) => {
      const e = expected[i]!;
      assert.equal(d.label, model.classNames[e.cls]);
      assert.ok(Math.abs(d.score - e.score) <= 1e-4, `score ${d.score} vs ${e.score}`);
      d.box.forEach((v, k) => assert.ok(Math.abs(v - e.box[k]!) <= 1e-3 * Math.max(1, Math.abs(e.box[k]!)), `box ${d.box} vs ${e.box}`));
    });
    // One table row per drawn detection.
    assert.equal(await page.locator('#detections tbody tr').count(), expected.length);
  } finally {
    await browser.close();
  }
});
