/**
 * onnxruntime-node against our libtorch path, same process, same thread count (DENET_THREADS,
 * default 2, for libtorch's intra-op pool and onnxruntime's): ResNet-18 at 224² (batch 1 and 32)
 * and the demo detector (DENET_CPU_SMALL at 192², batch 1, the whole detection: network, corner
 * search, sampling, decoding, NMS). Then onnxruntime-web (WASM, 1 thread) in headless Chromium on
 * the demo detector (examples/web), and the file sizes of the exported models.
 *
 *   npm run bench -- onnx
 *
 * Weights are untrained; batch norms get random statistics so folding has work to do. The
 * untrained corner map sits at its prior, about half the cells are corner candidates: a
 * pessimistic case for the corner search, the same for both engines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { DENET_CPU_SMALL, detect } from '../src/detect/index.js';
import { exportOnnx } from '../src/export/export.js';
import { registerLayers } from '../src/layers.js';
import { Model } from '../src/model/index.js';
import { TORCHVISION_RESNETS } from '../src/model/torchvision.js';
import { OnnxModel } from '../src/runtime/model.js';
import { noGrad, randn, setNumThreads, type Tensor } from '../src/torch/index.js';
import { randomizeBatchNorms } from '../test/export/helpers.js';

registerLayers();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median ms of `runs` alternating calls of a and b after one warm-up each. */
async function compare(a: () => unknown, b: () => unknown, runs: number): Promise<[number, number]> {
  await a();
  await b();
  const ta: number[] = [], tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await a();
    ta.push(performance.now() - t);
    t = performance.now();
    await b();
    tb.push(performance.now() - t);
  }
  return [median(ta), median(tb)];
}

function line(what: string, torch: number, onnx: number, images: number): void {
  console.log(`  ${what.padEnd(34)} libtorch ${torch.toFixed(1).padStart(8)} ms  onnxruntime ${onnx.toFixed(1).padStart(8)} ms  (${(images * 1000 / torch).toFixed(1)} vs ${(images * 1000 / onnx).toFixed(1)} img/s; onnxruntime/libtorch time ${(onnx / torch).toFixed(2)})`);
}

const sizeMB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export async function run(): Promise<void> {
  const threads = Number(process.env.DENET_THREADS ?? 2);
  setNumThreads(threads);
  const so = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const dir = mkdtempSync(join(tmpdir(), 'denet-bench-onnx-'));
  console.log(`onnx: onnxruntime-node ${ort.env.versions.node ?? ''} vs libtorch, ${threads} threads each, median of alternating runs`);
  try {
    // ResNet-18
    const r18 = randomizeBatchNorms(Model.create(TORCHVISION_RESNETS.resnet18!, { inputShape: [3, 224, 224], classNames: Array.from({ length: 1000 }, (_, i) => `c${i}`), seed: 1 }));
    const r18Bytes = exportOnnx(r18, { batch: 'dynamic' }).bytes;
    r18.save(join(dir, 'r18.safetensors'));
    const r18Session = await ort.InferenceSession.create(r18Bytes, so);
    for (const [batch, runs] of [[1, 9], [32, 3]] as const) {
      const x = randn([batch, 3, 224, 224]);
      const feed = { images: new ort.Tensor('float32', x.toFloat32Array(), [batch, 3, 224, 224]) };
      const [t, o] = await compare(() => noGrad(() => r18.forward(x, { training: false }).output.dispose()), () => r18Session.run(feed), runs);
      line(`ResNet-18 224², batch ${batch}`, t, o, batch);
      x.dispose();
    }
    await r18Session.release();
    r18.dispose();

    // The demo detector
    const det = randomizeBatchNorms(Model.create(DENET_CPU_SMALL, { inputShape: [3, 192, 192], classNames: ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'], seed: 1 }));
    const detBytes = exportOnnx(det, { batch: 1 }).bytes;
    writeFileSync(join(dir, 'det.onnx'), detBytes);
    det.save(join(dir, 'det.safetensors'));
    const onnxDet = await OnnxModel.create(ort, detBytes, 'det.onnx', so);
    const x = randn([1, 3, 192, 192]);
    const data = x.toFloat32Array();
    const [t, o] = await compare(() => detect(det, x), () => onnxDet.detectNormalised([data]), 9);
    line('demo detector 192², batch 1', t, o, 1);
    x.dispose();
    await onnxDet.release();
    det.dispose();

    console.log(`  file sizes: ResNet-18 ${sizeMB(r18Bytes.length)} .onnx (${sizeMB(statSync(join(dir, 'r18.safetensors')).size)} .safetensors with BN separate); demo detector ${sizeMB(detBytes.length)} .onnx (${sizeMB(statSync(join(dir, 'det.safetensors')).size)} .safetensors)`);
    await browser(dir, o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** onnxruntime-web (WASM) in headless Chromium: the example page on the demo detector. */
async function browser(dir: string, nodeMs: number): Promise<void> {
  const chromiumPath = process.env.DENET_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return void console.log(`  onnxruntime-web: ${chromiumPath} not installed, skipped`);
  const site = join(dir, 'site');
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs'), site], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(built.stderr);
  writeFileSync(join(site, 'model.onnx'), readFileSync(join(dir, 'det.onnx')));
  const noise = Buffer.from(Array.from({ length: 192 * 192 * 3 }, (_, i) => (i * 7919) % 251));
  await sharp(noise, { raw: { width: 192, height: 192, channels: 3 } }).png().toFile(join(site, 'sample.png'));
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const p = join(site, new URL(req.url!, 'http://x').pathname);
    if (!existsSync(p)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(p)] ?? 'application/octet-stream' }).end(readFileSync(p));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const b = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await b.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/index.html?image=sample.png&repeat=9`);
    await page.waitForFunction(() => (window as any).denetDemo?.ready === true, undefined, { timeout: 300_000 });
    const r = await page.evaluate(() => (window as any).denetDemo);
    if (r.error) throw new Error(r.error);
    console.log(`  onnxruntime-web (WASM, 1 thread) in Chromium: demo detector ${r.result.msPerImage.toFixed(1)} ms per image (mean of 9; onnxruntime-node above: ${nodeMs.toFixed(1)} ms)`);
  } finally {
    await b.close();
    server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
