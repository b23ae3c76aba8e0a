/**
 * `denet summary`: the per-layer table (output shape, parameters, FLOPs) of a description or a
 * model file, without running anything.
 *
 *   denet summary --model-desc C[128,3] BN A P[2] C[256,3] BN A P[2] C[512,3] BN A P.A R --input-shape 3x32x32 --num-classes 10
 *   denet summary --model model.safetensors
 */
import type { Command } from 'commander';
import { Model } from '../model/index.js';
import { BORDER_MODES, type BorderMode } from '../nn/index.js';
import { UserError, invalidArg } from '../util/errors.js';
import { flag, listOf, oneOf, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

/** "3x32x32" → [3, 32, 32]. */
export function parseInputShape(text: string): [number, number, number] {
  const parts = text.toLowerCase().split(/[x×,]/).map(Number);
  if (parts.length !== 3 || !parts.every((v) => Number.isInteger(v) && v >= 1)) throw invalidArg('--input-shape', 'CxHxW (for example 3x32x32)', text);
  return parts as [number, number, number];
}

export const SUMMARY_OPTIONS = {
  modelDesc: option<string[]>({ flag: 'model-desc', value: '<tokens...>', help: 'model description tokens (until the next --flag)', parse: listOf((v: string) => v) }),
  model: option({ flag: 'model', value: '<file>', help: 'a saved model (.safetensors) instead of a description' }),
  inputShape: option({ flag: 'input-shape', value: '<CxHxW>', help: 'input shape of a description', parse: parseInputShape, default: [3, 32, 32] as [number, number, number] }),
  borderMode: option<BorderMode>({ flag: 'border-mode', value: '<mode>', help: `default convolution padding (${BORDER_MODES.join('|')})`, parse: oneOf('border-mode', BORDER_MODES), default: 'half' }),
  activation: option({ flag: 'activation', value: '<name>', help: 'what A means', default: 'relu' }),
  numClasses: option({ flag: 'num-classes', value: '<n>', aliases: ['classes'], help: 'number of classes (for R)', parse: positiveInt('num-classes'), default: 10 }),
  json: flag('json', 'print the summary as JSON'),
  verbose: flag('verbose', 'show stack traces on errors'),
};

export function summaryProgram(): Command {
  return buildProgram('denet summary', 'print a model\'s layers with output shape, parameter count and FLOPs per image', SUMMARY_OPTIONS);
}

export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(summaryProgram(), SUMMARY_OPTIONS, argv);
  if (!o) return 0;
  if (!o.modelDesc === !o.model) throw new UserError('give either --model-desc TOKENS… or --model FILE');
  let model: Model;
  if (o.model) model = Model.load(o.model);
  else {
    model = Model.create(o.modelDesc!, {
      inputShape: o.inputShape,
      classNames: Array.from({ length: o.numClasses }, (_, i) => `class${i}`),
      borderMode: o.borderMode,
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
