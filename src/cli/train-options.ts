/**
 * The command line of `model-train`, `denet train` and `model-train-multi`: the commander program
 * built from src/train/config.ts's table, and the checks that involve several flags.
 */
import type { Command } from 'commander';
import { MULTI_OPTIONS, TRAIN_OPTIONS, type TrainConfig } from '../train/config.js';
import { defaultMomentum } from '../train/solvers/index.js';
import { UserError } from '../util/errors.js';
import { buildProgram, parseOptions, resumeKeys } from './options.js';

/** The commander program with every training flag (plus the multi-device ones when `multi`). */
export function trainingProgram(name: string, multi = false): Command {
  return multi
    ? buildProgram(name, 'data-parallel training over several devices (one process per device, c10d)', MULTI_OPTIONS)
    : buildProgram(name, 'train a network on one device (GPU=N in the environment selects cuda:N)', TRAIN_OPTIONS);
}

/**
 * Parses argv into a TrainConfig; returns undefined when --help was shown. Every bad value is a
 * one-line UserError.
 */
export function parseTrainArgs(name: string, argv: string[], multi = false): TrainConfig | undefined {
  const table = multi ? MULTI_OPTIONS : TRAIN_OPTIONS;
  // Typed as the multi table; at run time only the program's own flags are read.
  const o = parseOptions(trainingProgram(name, multi), table as typeof MULTI_OPTIONS, argv);
  if (!o) return undefined;
  if (!o.modelDesc && !o.model && !o.resume) throw new UserError('give --model-desc TOKENS… (a new model) or --model FILE');
  if (o.modelDesc && o.model) throw new UserError('give either --model-desc or --model, not both');
  if (o.backbone && !o.modelDesc) throw new UserError('--backbone initialises a new model: it needs --model-desc');
  const momentum = o.learnMomentum ?? defaultMomentum(o.solver);
  if (o.solver !== 'adam' && momentum.length !== 1) throw new UserError(`--momentum takes one value for ${o.solver} but received ${momentum.length}`);
  if (o.solver === 'adam' && momentum.length > 2) throw new UserError(`--momentum takes β1 [β2] for adam but received ${momentum.length} values`);
  if (o.resume === true && !o.outputPrefix) throw new UserError('--resume without a path needs --output (the run folder to continue)');
  // Single-device programs lack the multi flags: their config has no gpus and a factor of 1.
  return { ...o, learnMomentum: momentum, gpus: multi ? o.gpus : undefined, batchSizeFactor: multi ? o.batchSizeFactor : 1, resumeChecks: resumeKeys(table) };
}
