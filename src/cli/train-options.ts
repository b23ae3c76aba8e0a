/**
 * The command line of `model-train`, `denet train` and `model-train-multi`: the commander program
 * built from src/train/config.ts's table, and the checks that involve several flags.
 */
import type { Command } from 'commander';
import { MULTI_OPTIONS, TRAIN_OPTIONS, type LaunchConfig, type TrainConfig } from '../train/config.js';
import type { ConfigOf } from '../util/options.js';
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
  // Single-device programs lack the multi flags: their config has no gpus, a factor of 1, one machine.
  const launch = multi ? launchConfig(o) : { nodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', distTimeout: 1800 };
  return { ...o, learnMomentum: momentum, gpus: multi ? o.gpus : undefined, batchSizeFactor: multi ? o.batchSizeFactor : 1, ...launch, resumeChecks: resumeKeys(table) };
}

/** The launch flags, each defaulting to what torchrun and cluster launchers set (NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT). */
function launchConfig(o: ConfigOf<typeof MULTI_OPTIONS>, env: NodeJS.ProcessEnv = process.env): LaunchConfig {
  const fromEnv = (name: string, flag: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new UserError(`Expected a non-negative integer in ${name} (the default of ${flag}) but received ${JSON.stringify(v)}`);
    return Number(v);
  };
  const nodes = o.nodes ?? fromEnv('NNODES', '--nodes') ?? 1;
  const nodeRank = o.nodeRank ?? fromEnv('NODE_RANK', '--node-rank') ?? 0;
  if (nodes < 1) throw new UserError(`Expected at least one machine for --nodes but received ${nodes}`);
  if (nodeRank >= nodes) throw new UserError(`Expected --node-rank in 0…${nodes - 1} (--nodes ${nodes}) but received ${nodeRank}`);
  const masterPort = o.masterPort ?? fromEnv('MASTER_PORT', '--master-port');
  if (masterPort !== undefined && (masterPort < 1 || masterPort > 65535)) throw new UserError(`Expected a TCP port (1…65535) for --master-port but received ${masterPort}`);
  // Across machines every one must know the port: torchrun's fixed default, not a free port of one machine.
  return { nodes, nodeRank, masterAddr: o.masterAddr ?? env.MASTER_ADDR ?? '127.0.0.1', masterPort: masterPort ?? (nodes > 1 ? 29500 : undefined), distBackend: o.distBackend, distTimeout: o.distTimeout };
}
