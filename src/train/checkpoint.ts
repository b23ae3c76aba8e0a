/**
 * The training checkpoint next to the snapshots (`checkpoint.safetensors`): solver state tensors,
 * libtorch's RNG states (the CPU generator's, and each CUDA device's where CUDA is present) and, in the metadata, the epoch, schedule, data seed, solver scalars,
 * the model snapshot it belongs to, and the results so far. Everything `--resume` needs to
 * continue exactly as the uninterrupted run would have.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSafetensors, writeSafetensors, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import type { EpochResult } from './results.js';
import type { ScheduleOptions } from './schedule.js';
import type { SolverState } from './solvers/index.js';

export const CHECKPOINT_FORMAT = 'denet-train-checkpoint/1';

export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** File name (in the same folder) of the model snapshot after `epoch`. */
  model: string;
  schedule: ScheduleOptions;
  solver: SolverState;
  /** libtorch CPU generator state (uint8). */
  torchRng: Tensor;
  /** The generator state of each CUDA device (uint8), in device order; empty without CUDA. */
  cudaRng?: Tensor[];
  /** The data pipeline's random state: its generator is a pure function of (seed, epoch, index). */
  dataRng: { seed: number; nextEpoch: number };
  history: EpochResult[];
  /** With `--ema`: the live weights (the snapshot holds the averaged ones) and the steps averaged. */
  ema?: { updates: number; live: Record<string, Tensor> };
  /** The resolved options of the run, for checks on resume. */
  options?: Record<string, unknown>;
}

export function writeCheckpoint(path: string, s: CheckpointState): void {
  const tensors: Record<string, Tensor> = { 'rng/torch': s.torchRng };
  (s.cudaRng ?? []).forEach((t, i) => (tensors[`rng/cuda/${i}`] = t));
  for (const [k, t] of Object.entries(s.solver.tensors)) tensors[`solver/${k}`] = t;
  for (const [k, t] of Object.entries(s.ema?.live ?? {})) tensors[`live/${k}`] = t;
  writeSafetensors(path, tensors, {
    format: CHECKPOINT_FORMAT,
    epoch: String(s.epoch),
    model: s.model,
    schedule: JSON.stringify(s.schedule),
    solver: JSON.stringify(s.solver.meta),
    data_rng: JSON.stringify(s.dataRng),
    history: JSON.stringify(s.history),
    options: JSON.stringify(s.options ?? {}),
    ...(s.ema ? { ema_updates: String(s.ema.updates) } : {}),
  });
}

/** Finds the checkpoint for `--resume X`: a checkpoint file, or a run folder holding one. */
export function resolveCheckpoint(target: string): string {
  const p = existsSync(target) && statSync(target).isDirectory() ? join(target, 'checkpoint.safetensors') : target;
  if (!existsSync(p)) throw new UserError(`--resume: no checkpoint at ${p} (expected a run folder with checkpoint.safetensors)`);
  return p;
}

export function readCheckpoint(path: string): CheckpointState & { modelPath: string } {
  const { tensors, metadata: m } = readSafetensors(path);
  if (m.format !== CHECKPOINT_FORMAT) {
    for (const t of Object.values(tensors)) t.dispose();
    throw new UserError(`${path}: not a training checkpoint (format ${JSON.stringify(m.format)})`);
  }
  const solverTensors: Record<string, Tensor> = {};
  const live: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('solver/')) solverTensors[k.slice(7)] = t;
    else if (k.startsWith('live/')) live[k.slice(5)] = t;
  }
  const torchRng = tensors['rng/torch'];
  const cudaRng: Tensor[] = [];
  for (let i = 0; tensors[`rng/cuda/${i}`]; i++) cudaRng.push(tensors[`rng/cuda/${i}`]!);
  if (!torchRng) throw new UserError(`${path}: checkpoint has no RNG state`);
  return {
    epoch: Number(m.epoch),
    model: m.model!,
    modelPath: join(dirname(path), m.model!),
    schedule: JSON.parse(m.schedule!),
    solver: { tensors: solverTensors, meta: JSON.parse(m.solver!) },
    torchRng,
    cudaRng,
    dataRng: JSON.parse(m.data_rng!),
    history: JSON.parse(m.history ?? '[]'),
    options: JSON.parse(m.options ?? '{}'),
    ema: m.ema_updates !== undefined ? { updates: Number(m.ema_updates), live } : undefined,
  };
}
