/** The resolved settings of a training run (built from the command line by src/cli/train-options.ts). */
import type { Precision } from '../torch/index.js';
import type { SolverName } from './solvers/index.js';
import type { ScheduleKind } from './schedule.js';

export interface TrainConfig {
  modelDesc?: string[];
  model?: string;
  /** `--backbone FILE`: torchvision ResNet weights (.safetensors) loaded into a new model's backbone. */
  backbone?: string;
  train: string;
  test?: string;
  extension: string;
  /** `--test-extension`: the test set's format when it differs (default: --extension). */
  testExtension?: string;
  borderMode: string;
  activation: string;
  solver: SolverName;
  learnRate: number;
  learnMomentum: number[];
  learnDecay: number;
  learnAnneal: number;
  learnAnnealEpochs?: number[];
  /** `--learn-schedule`: step (anneal points), cosine or linear (per step to `learnFinal` × rate). */
  learnSchedule: ScheduleKind;
  learnFinal: number;
  epochs: number;
  batchSize: number;
  accumulate: number;
  /** `--ema`: decay of the moving average of the weights that tests and saves use (0: none). */
  ema: number;
  /** `--ema-ramp`: solver steps over which the average's decay rises to `ema`. */
  emaRamp: number;
  seed: number;
  distortMode?: string;
  augmentMirror: boolean;
  threadNum: number;
  outputPrefix?: string;
  weightInit: string;
  /** `--resume` alone (true: the --output-prefix folder) or a run folder / checkpoint file. */
  resume?: string | true;
  device?: string;
  threads?: number;
  /** `--channels-last`: run the layers on NHWC images (Model.channelsLast). */
  channelsLast: boolean;
  /** `--precision fp32|bf16|fp16`: autocast of the forward passes (Trainer precision). */
  precision: Precision;
  verbose: boolean;
  progress: boolean;
  // model-train-multi
  gpus?: string[];
  batchSizeFactor: number;
}
