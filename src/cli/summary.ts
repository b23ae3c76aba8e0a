/**
 * `denet summary`: the per-layer table (output shape, parameters, FLOPs) of a description or a
 * model file, without running anything.
 *
 *   denet summary --model-desc C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A P.A R --input 3x32x32 --classes 10
 *   denet summary --model model.safetensors
 */
import { Command } from 'commander';
import { Model } from '../model/index.js';
import { BORDER_MODES, type BorderMode } from '../nn/index.js';
import { UserError } from '../util/errors.js';
import { parseProgram } from './run.js';

/** "3x32x32" → [3, 32, 32]. */
export function parseInputShape(text: string): [number, number, number] {
  const parts = text.toLowerCase().split(/[x×,]/).map(Number);
  if (parts.length !== 3 || !parts.every((v) => Number.isInteger(v) && v >= 1)) throw new UserError(`Expected CxHxW (for example 3x32x32) for --input but received "${text}"`);
  return parts as [number, number, number];
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('denet summary')
    .description('print a model\'s layers with output shape, parameter count and FLOPs per image')
    .option('--model-desc <tokens...>', 'model description tokens (until the next --flag)')
    .option('--model <file>', 'a saved model (.safetensors) instead of a description')
    .option('--input <CxHxW>', 'input shape', '3x32x32')
    .option('--border-mode <mode>', `default convolution padding (${BORDER_MODES.join('|')})`, 'half')
    .option('--activation <name>', 'what A means', 'relu')
    .option('--classes <n>', 'number of classes (for R)', '10')
    .option('--json', 'print the summary as JSON')
    .option('--verbose', 'show stack traces on errors');
  if (!parseProgram(program, argv)) return 0;
  const o = program.opts<{ modelDesc?: string[]; model?: string; input: string; borderMode: string; activation: string; classes: string; json?: boolean }>();
  if (!o.modelDesc === !o.model) throw new UserError('give either --model-desc TOKENS… or --model FILE');
  let model: Model;
  if (o.model) model = Model.load(o.model);
  else {
    const n = Number(o.classes);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`Expected a positive integer for --classes but received "${o.classes}"`);
    model = Model.create(o.modelDesc!, {
      inputShape: parseInputShape(o.input),
      classNames: Array.from({ length: n }, (_, i) => `class${i}`),
      borderMode: o.borderMode as BorderMode,
      activation: o.activation,
    });
  }
  try {
    console.log(o.json ? JSON.stringify({ description: model.description(), ...model.summary() }, null, 1) : `${model.description()}\n\n${model.formatSummary()}`);
  } finally {
    model.dispose();
  }
  return 0;
}
