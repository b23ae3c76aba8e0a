/**
 * The browser demo: an exported DeNet detector (denet export) on onnxruntime-web's WASM backend,
 * through denet/runtime (the same pre- and post-processing as Node). Query parameters:
 * `model` (default model.onnx), `samples` (comma list of image URLs to offer), `image` (run on
 * this one at once), `threshold` (drawn detections, default 0.3), `repeat` (timed runs, default 5).
 * `window.denetDemo` holds the last result (for the browser test).
 */
import { loadModel, ortEnv, pixelsFromImageData, prepareImage, type OnnxModel, type PixelDetection } from '../../src/runtime/web.js';

const params = new URLSearchParams(location.search);
const threshold = Number(params.get('threshold') ?? 0.3);
const repeat = Math.max(1, Number(params.get('repeat') ?? 5));
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($('status').textContent = text);

// The .wasm files are served next to the page (copied from node_modules by the build); no threads
// without cross-origin isolation.
ortEnv.wasm.wasmPaths = new URL('ort/', location.href).href;
ortEnv.wasm.numThreads = 1;

interface DemoResult {
  image: string;
  width: number;
  height: number;
  msPerImage: number;
  /** The drawn detections (score ≥ threshold), best first. */
  detections: { label: string; score: number; box: number[] }[];
}
declare global {
  interface Window {
    denetDemo?: { ready: boolean; result?: DemoResult; error?: string };
  }
}
window.denetDemo = { ready: false };

/** Decoded pixels of an image, without colour-space conversion (as a file decoder gives them). */
async function decode(blob: Blob): Promise<ImageData> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
}

const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324'];

function draw(im: ImageData, dets: PixelDetection[], names: string[]): void {
  const canvas = $<HTMLCanvasElement>('canvas');
  const k = Math.max(1, Math.floor(512 / Math.max(im.width, im.height)));
  canvas.width = im.width * k;
  canvas.height = im.height * k;
  const ctx = canvas.getContext('2d')!;
  const src = new OffscreenCanvas(im.width, im.height);
  src.getContext('2d')!.putImageData(im, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
  ctx.font = '13px sans-serif';
  ctx.lineWidth = 2;
  for (const d of [...dets].reverse()) {
    const [x0, y0, x1, y1] = d.box.map((v) => v * k) as [number, number, number, number];
    const color = COLORS[d.cls % COLORS.length]!;
    ctx.strokeStyle = color;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const label = `${names[d.cls]} ${d.score.toFixed(2)}`;
    const w = ctx.measureText(label).width + 6;
    ctx.fillStyle = color;
    ctx.fillRect(x0, Math.max(0, y0 - 16), w, 16);
    ctx.fillStyle = '#fff';
    ctx.fillText(label, x0 + 3, Math.max(12, y0 - 4));
  }
  $('detections').querySelector('tbody')!.innerHTML = dets.map((d) =>
    `<tr><td style="text-align:left">${names[d.cls]}</td><td>${d.score.toFixed(3)}</td>${d.box.map((v) => `<td>${v.toFixed(1)}</td>`).join('')}</tr>`).join('');
}

async function run(model: OnnxModel, blob: Blob, name: string): Promise<void> {
  status(`detecting in ${name}…`);
  const im = await decode(blob);
  const prepared = prepareImage(pixelsFromImageData(im), model.inputShape);
  let dets: PixelDetection[] = [];
  await model.detect([prepared]); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) [dets] = (await model.detect([prepared])) as [PixelDetection[]];
  const ms = (performance.now() - t0) / repeat;
  const shown = dets.filter((d) => d.score >= threshold);
  draw(im, shown, model.classNames);
  status(`${name}: ${im.width}×${im.height}, ${shown.length} detections ≥ ${threshold} (of ${dets.length}), ${ms.toFixed(1)} ms per image (mean of ${repeat}, WASM, 1 thread)`);
  window.denetDemo!.result = {
    image: name, width: im.width, height: im.height, msPerImage: ms,
    detections: shown.map((d) => ({ label: model.classNames[d.cls]!, score: d.score, box: [...d.box] })),
  };
}

async function main(): Promise<void> {
  const url = params.get('model') ?? 'model.onnx';
  const model = await loadModel(url);
  status(`${url}: ${model.info.description}`);
  const fetchRun = async (src: string) => run(model, await (await fetch(src)).blob(), src);
  const samples = (params.get('samples') ?? '').split(',').filter(Boolean);
  for (const s of samples) {
    const b = document.createElement('button');
    b.textContent = s.split('/').pop()!;
    b.onclick = () => void fetchRun(s).catch(fail);
    $('samples').append(b);
  }
  $<HTMLInputElement>('file').onchange = (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void run(model, f, f.name).catch(fail);
  };
  const first = params.get('image') ?? samples[0];
  if (first) await fetchRun(first);
  window.denetDemo!.ready = true;
}

function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  status(`error: ${msg}`);
  window.denetDemo = { ready: true, error: msg };
}

main().catch(fail);
