/**
 * `denet export`: writes a trained model as an ONNX graph (src/export) for onnxruntime in Node or
 * the browser (src/runtime).
 *
 *   denet export --model M.safetensors --format onnx --output M.onnx [--batch N|dynamic] [--image-size W H] [--opset K] [--softmax]
 */
import { Command } from 'commander';
import { statSync } from 'node:fs';
import { DEFAULT_OPSET, exportOnnx } from '../export/export.js';
import { Model, setImageSize } from '../model/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { parseProgram } from './run.js';

const FORMATS = ['onnx'];

function batchArg(v: string): number | 'dynamic' {
  if (v === 'dynamic') return v;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`Expected a positive integer or "dynamic" for --batch but received "${v}"`);
  return Number(v);
}

function opsetArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new UserError(`Expected a positive integer for --opset but received "${v}"`);
  return Number(v);
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('denet export')
    .description('write a trained model as an ONNX graph (BatchNorm folded; detectors with the rois input the runtime fills)')
    .option('--model <file>', 'trained model (.safetensors)')
    .option('--format <name>', `output format: ${FORMATS.join(', ')}`, 'onnx')
    .option('--output <file>', 'the .onnx file to write (atomically)')
    .option('--batch <n|dynamic>', 'batch size of the graph, or dynamic', batchArg, 1)
    .option('--image-size <W H...>', 'export for this input size (as model-modify --image-size)')
    .option('--opset <k>', `ONNX opset (default ${DEFAULT_OPSET})`, opsetArg, DEFAULT_OPSET)
    .option('--softmax', 'classifiers: end in softmax probabilities instead of logits', false)
    .option('--verbose', 'stack traces on errors', false)
    .allowExcessArguments(false);
  if (!parseProgram(program, argv)) return 0;
  const o = program.opts<{ model?: string; format: string; output?: string; batch: number | 'dynamic'; imageSize?: string[]; opset: number; softmax: boolean }>();
  if (!FORMATS.includes(o.format)) throw new UserError(`unknown --format "${o.format}" (expected ${FORMATS.join(', ')})`);
  if (!o.model) throw new UserError('--model FILE is required');
  if (!o.output) throw new UserError('--output FILE is required');
  let size: [number, number] | undefined;
  if (o.imageSize) {
    const v = o.imageSize.map(Number);
    if (v.length !== 2 || !v.every((n) => Number.isInteger(n) && n >= 1)) throw new UserError(`Expected two positive integers W H for --image-size but received "${o.imageSize.join(' ')}"`);
    size = [v[0]!, v[1]!];
  }
  if (isDirectory(o.output)) throw new UserError(`cannot write ${o.output}: it is a directory`);
  let model = Model.load(o.model);
  try {
    if (size) {
      const resized = setImageSize(model, size[0], size[1]);
      model.dispose();
      model = resized;
    }
    const { bytes, info } = exportOnnx(model, { batch: o.batch, opset: o.opset, softmax: o.softmax });
    try {
      writeFileAtomic(o.output, bytes);
    } catch (e) {
      throw new UserError(`cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const what = info.kind === 'detector' ? `detector, ${info.detector!.n ** 2} RoIs` : info.kind === 'classifier' ? `classifier, ${info.softmax ? 'softmax probabilities' : 'logits'}` : 'network';
    console.log(`wrote ${o.output} (${(bytes.length / 1e6).toFixed(1)} MB, ${what}, input ${info.batch}×${info.inputShape.join('×')}, opset ${o.opset})`);
  } finally {
    model.dispose();
  }
  return 0;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
