/**
 * Runs the benchmarks: `npm run bench` runs all, `npm run bench -- engine coco-eval` some.
 * Each benchmark prints its own ratio against a reference measured in the same run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const all = ['engine', 'coco-eval', 'data-loader', 'data-wait', 'train-pipeline', 'detect-latency', 'channels-last', 'corner-cap', 'gpu-speed', 'inference', 'precision', 'onnx', 'predict-folder', 'dist-allreduce'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const name of wanted) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.log(`${name}: not present, skipped`);
    continue;
  }
  const mod = await import(file);
  if (typeof mod.run === 'function') await mod.run();
}
