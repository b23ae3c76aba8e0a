/**
 * `denet`: the umbrella program. Each sub-command lives in its own module exporting
 * `main(argv): Promise<number | void>`; this table is the only place that lists them.
 */
import { runCli } from './run.js';

type Main = (argv: string[]) => Promise<number | void>;
const commands: Record<string, { about: string; load: () => Promise<{ main: Main }> }> = {
  train: { about: 'train a network (model-train flags)', load: () => import('./train.js') },
  'train-multi': { about: 'data-parallel training over several devices or machines (model-train-multi flags)', load: () => import('./train-multi.js') },
  predict: { about: 'classify a dataset with a trained model and evaluate it (model-predict flags)', load: () => import('./predict.js') },
  benchmark: { about: 'latency, images/s and accuracy per engine, precision and batch size', load: () => import('./benchmark.js') },
  info: { about: 'versions, libtorch build, devices, threads, allocator', load: () => import('./info.js') },
  demo: { about: 'the main job: a short demo run', load: () => import('./demo.js') },
  export: { about: 'write a trained model as ONNX (for onnxruntime in Node and browsers)', load: () => import('./export.js') },
  eval: { about: 'COCO and VOC detection metrics from result files', load: () => import('./eval.js') },
  'make-dataset': { about: 'write a generated detection dataset (COCO + VOC layouts)', load: () => import('./make-dataset.js') },
  summary: { about: 'per-layer output shape, parameters and FLOPs of a model', load: () => import('./summary.js') },
  modify: { about: 'edit a model: image size, layers, class count, BN (model-modify)', load: () => import('./modify.js') },
  'update-bn': { about: 're-estimate batch-norm statistics on training data (model-update-bn)', load: async () => { const m = await import('./update-bn.js'); return { main: (argv) => m.main(argv, 'denet update-bn') }; } },
  preview: { about: 'grid of augmented training samples with boxes', load: () => import('./preview.js') },
};

function usage(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)}${c.about}`);
  return ['Usage: denet <command> [options]', '', 'Commands:', ...rows, '', 'Run `denet <command> --help` for the options of one.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`error: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return (await mod.main(rest)) ?? 0;
}

await runCli(main);
