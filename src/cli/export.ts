/**
 * `denet export`: writes a trained model as an ONNX graph (src/export) for onnxruntime in Node or
 * the browser (src/runtime).
 *
 *   denet export --model M.safetensors --format onnx --output M.onnx [--batch N|dynamic] [--image-size W H] [--opset K] [--softmax]
 */
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { DEFAULT_OPSET, exportOnnx } from '../export/export.js';
import { Model, setImageSize } from '../model/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { flag, listOf, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

const FORMATS = ['onnx'];

function batchArg(v: string): number | 'dynamic' {
  if (v === 'dynamic') return v;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`Expected a positive integer or "dynamic" for --batch but received "${v}"`);
  return Number(v);
}

export const EXPORT_OPTIONS = {
  model: option({ flag: 'model', value: '<file>', help: 'trained model (.safetensors)', required: true }),
  format: option({ flag: 'format', value: '<name>', help: `output format: ${FORMATS.join(', ')}`, default: 'onnx' }),
  output: option({ flag: 'output', value: '<file>', help: 'the .onnx file to write (atomically)', required: true }),
  batch: option<number | 'dynamic'>({ flag: 'batch', value: '<n|dynamic>', help: 'batch size of the graph, or dynamic', parse: batchArg, default: 1 }),
  imageSize: option<number[]>({ flag: 'image-size', value: '<W H...>', help: 'export for this input size (as model-modify --image-size)', parse: listOf(positiveInt('image-size')) }),
  opset: option({ flag: 'opset', value: '<k>', help: 'ONNX opset (11 to 21)', parse: positiveInt('opset'), default: DEFAULT_OPSET }),
  softmax: flag('softmax', 'classifiers: end in softmax probabilities instead of logits'),
  verbose: flag('verbose', 'stack traces on errors'),
};

export function exportProgram(): Command {
  return buildProgram('denet export', 'write a trained model as an ONNX graph (BatchNorm folded; detectors with the rois input the runtime fills)', EXPORT_OPTIONS);
}

export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(exportProgram(), EXPORT_OPTIONS, argv);
  if (!o) return 0;
  if (!FORMATS.includes(o.format)) throw new UserError(`unknown --format "${o.format}" (expected ${FORMATS.join(', ')})`);
  let size: [number, number] | undefined;
  if (o.imageSize) {
    if (o.imageSize.length !== 2) throw new UserError(`Expected two positive integers W H for --image-size but received ${o.imageSize.length}`);
    size = [o.imageSize[0]!, o.imageSize[1]!];
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
