// Builds examples/web into a static folder (default examples/web/dist): the page, its bundle
// (esbuild, browser platform: denet/runtime on onnxruntime-web) and onnxruntime-web's WASM
// files from node_modules. `node scripts/build-web.mjs [OUT]`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'examples', 'web', 'dist'));
mkdirSync(join(out, 'ort'), { recursive: true });
await build({
  entryPoints: [join(root, 'examples', 'web', 'main.ts')],
  outfile: join(out, 'main.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'examples', 'web', 'index.html'), join(out, 'index.html'));
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
for (const f of readdirSync(ortDist)) if (/^ort-wasm-simd-threaded\.(wasm|mjs)$/.test(f)) copyFileSync(join(ortDist, f), join(out, 'ort', f));
console.log(`built ${out}`);
