/**
 * The trainer: epochs of batches from a Loader; each batch's forward, backward and solver step run
 * inside `scope()` so a step leaves no tensor behind. After each epoch: test pass, snapshot,
 * checkpoint (solver + schedule + RNG state), results.csv/png, TensorBoard scalars, a log line.
 * A NaN/inf loss stops training with a message naming the loss term; the last good snapshot stays.
 */
import { disposeBatch } from '../data/to-tensor.js';
import type { Batch, Loader } from '../data/types.js';
import { autocast, cat, cuda, distributed, getRngState, mallocTrim, noGrad, scope, setRngState, toDevice, zerosLike, type Precision, type Tensor } from '../torch/index.js';
import { GradScaler } from './grad-scaler.js';
import { UserError } from '../util/errors.js';
import { writeCheckpoint, type CheckpointState } from './checkpoint.js';
import { checkHasLosses, type TrainableModel } from './model-like.js';
import { Model } from '../model/index.js';
import { progressBar } from './progress.js';
import { writeResults, type EpochResult } from './results.js';
import type { RunFolder } from './run-folder.js';
import type { LearnSchedule } from './schedule.js';
import type { Solver } from './solvers/index.js';
import { splitSegments, splitTrainStep } from './split.js';
import { EventWriter } from './tensorboard.js';
import type { WeightAverage } from './ema.js';
import { testPass, type TestResult } from './classify.js';

export interface TrainerOptions {
  model: TrainableModel;
  solver: Solver;
  schedule: LearnSchedule;
  train: Loader;
  test?: Loader;
  epochs: number;
  /** Where outputs go; omitted on ranks other than 0 of a data-parallel run. */
  run?: RunFolder;
  device?: string;
  /** Batches whose gradients are summed before one solver step (the loss is divided by this). */
  accumulate?: number;
  /** The data seed (the loader's generator is a pure function of seed, epoch and index). */
  seed: number;
  /** Data-parallel group: gradients are all-reduced and averaged before each step. */
  dist?: { rank: number; worldSize: number };
  /** Show the progress bar (default: stderr is a TTY). */
  progress?: boolean;
  /** Where log lines go besides train.log (default console.log). */
  log?: (line: string) => void;
  /** Extra metadata stored in every model file (description, class names, … are the model's own). */
  modelMetadata?: Record<string, string>;
  /** Resolved options stored in the checkpoint. */
  options?: Record<string, unknown>;
  /** The test pass (default: mean losses + top-1/top-5 error); detection passes COCO AP here. */
  evaluate?: (model: TrainableModel, loader: Loader, device: string, precision?: Precision) => Promise<TestResult>;
  /** A moving average of the weights, updated after each solver step; tests and saves use it. */
  ema?: WeightAverage;
  /**
   * Mixed precision: the forward runs under autocast (bf16 on the CPU or CUDA, fp16 on CUDA with
   * gradient scaling); parameters, gradients, losses and the solver stay fp32. Default fp32.
   */
  precision?: Precision;
}

/** Thrown when a loss term is NaN or infinite. */
export class NonFiniteLossError extends UserError {}

export class Trainer {
  readonly history: EpochResult[] = [];
  /** The next epoch to run (0-based). */
  epoch = 0;
  private readonly accumulate: number;
  private readonly device: string;
  private events?: EventWriter;
  private pending = 0;
  /** Split execution: the layer ranges between SPLIT layers (undefined: the model has none). */
  private readonly segments?: [number, number][];
  private readonly precision: Precision;
  /** Loss scaling for fp16 (its gradients underflow without it). */
  private readonly scaler?: GradScaler;

  constructor(readonly o: TrainerOptions) {
    this.precision = o.precision ?? 'fp32';
    if (this.precision === 'fp16') this.scaler = new GradScaler();
    this.accumulate = o.accumulate ?? 1;
    if (!(Number.isInteger(this.accumulate) && this.accumulate >= 1)) throw new UserError(`Expected positive integer for --accumulate but received ${o.accumulate}`);
    this.device = o.device ?? 'cpu';
    this.segments = o.model instanceof Model ? splitSegments(o.model) : undefined;
  }

  private log(line: string): void {
    if (!this.o.run) return;
    this.o.run.log(line);
    (this.o.log ?? console.log)(line);
  }

  /** Continues from a checkpoint: solver state, RNG state, epoch and history (the model is loaded by the caller). */
  restore(ck: CheckpointState): void {
    this.o.solver.loadState(ck.solver);
    if (ck.ema && this.o.ema) this.o.ema.resume(ck.ema.live, ck.ema.updates);
    setRngState(ck.torchRng);
    // CUDA generators too, so a resumed CUDA run draws what the uninterrupted one would (dropout,
    // random boxes on the device). A checkpoint from a machine with more GPUs sets those present.
    if (ck.cudaRng?.length && cuda.isAvailable()) {
      const n = Math.min(ck.cudaRng.length, cuda.deviceCount());
      for (let i = 0; i < n; i++) cuda.setRngState(i, ck.cudaRng[i]!);
    }
    this.epoch = ck.epoch;
    this.history.splice(0, this.history.length, ...ck.history.filter((r) => r.epoch <= ck.epoch));
  }

  /** Forward and backward of one batch; returns each loss term's value. Gradients accumulate on the parameters. */
  trainBatch(batch: Batch): Record<string, number> {
    return scope(() => {
      const x = toDevice(batch.images as Tensor, this.device);
      const y = batch.labels ? toDevice(batch.labels as Tensor, this.device) : undefined;
      const scale = (this.scaler?.scale ?? 1) / this.accumulate;
      if (this.segments) {
        const values = autocast(this.precision, this.device, () => splitTrainStep(this.o.model as Model, this.segments!, x, { labels: y, targets: batch.targets }, scale));
        if (Object.values(values).every(Number.isFinite)) this.pending++;
        return values;
      }
      const { losses } = autocast(this.precision, this.device, () => this.o.model.forward(x, { training: true, labels: y, targets: batch.targets }));
      const names = Object.keys(losses);
      checkHasLosses(names);
      const values: Record<string, number> = {};
      for (const n of names) {
        const v = losses[n]!.item();
        values[n] = v;
        if (!Number.isFinite(v)) return values;
      }
      let total = losses[names[0]!]!;
      for (const n of names.slice(1)) total = total.add(losses[n]!);
      (scale !== 1 ? total.mul(scale) : total).backward();
      this.pending++;
      return values;
    });
  }

  /** All-reduces gradients (data-parallel), applies the solver with rate `lr`, and clears gradients. */
  applyUpdate(lr: number): void {
    if (this.o.dist && this.o.dist.worldSize > 1) {
      const world = this.o.dist.worldSize;
      scope(() =>
        noGrad(() => {
          const grads: Tensor[] = [];
          for (const p of this.o.solver.params) {
            let g = p.tensor.grad;
            if (!g) {
              p.tensor.grad = zerosLike(p.tensor);
              g = p.tensor.grad!;
            }
            grads.push(g);
          }
          // One collective over a flat buffer (Gloo reduces a list only when all sizes match).
          const flat = cat(grads.map((g) => g.flatten()));
          distributed.allReduce([flat]);
          flat.div_(world);
          let off = 0;
          for (const g of grads) {
            const n = g.numel;
            g.copy_(flat.narrow(0, off, n).view(g.shape));
            off += n;
          }
        }),
      );
    }
    // fp16: a step whose gradients overflowed is skipped and the loss scale lowered (GradScaler).
    if (!this.scaler || this.scaler.unscale(this.o.solver.params.map((p) => p.tensor))) this.o.solver.step(lr);
    this.o.solver.zeroGrad();
    this.o.ema?.update();
    this.pending = 0;
  }

  /**
   * Data-parallel: averages the floating-point buffers (BN running statistics) over the ranks so
   * every rank holds the same model; run at the end of each epoch.
   */
  averageBuffers(): void {
    if (!this.o.dist || this.o.dist.worldSize <= 1) return;
    const world = this.o.dist.worldSize;
    noGrad(() => {
      for (const b of this.o.model.namedBuffers()) {
        if (b.tensor.dtype !== 'float32' && b.tensor.dtype !== 'float64') continue;
        distributed.allReduce([b.tensor]);
        b.tensor.div_(world);
      }
    });
  }

  /** Parameters and buffers from rank 0 to every rank (start of data-parallel training). */
  broadcastParameters(): void {
    if (!this.o.dist || this.o.dist.worldSize <= 1) return;
    const tensors = [...this.o.model.namedParameters(), ...this.o.model.namedBuffers()].map((p) => p.tensor);
    noGrad(() => {
      for (const t of tensors) distributed.broadcast([t], 0);
    });
  }

  /** Runs `fn` with the averaged weights in the model when there is an average. */
  private averaged<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.o.ema ? this.o.ema.withAverage(fn) : Promise.resolve(fn());
  }

  private batchesIn(loader: Loader, epoch: number): number {
    return Math.ceil(loader.samplesInEpoch(epoch) / loader.batchSize);
  }

  /** Runs the remaining epochs. Returns the results per epoch. */
  async run(): Promise<EpochResult[]> {
    const { run } = this.o;
    if (run) this.events = new EventWriter(run.path('tensorboard'));
    this.broadcastParameters();
    for (; this.epoch < this.o.epochs; ) await this.runEpoch(this.epoch);
    if (run) {
      await this.averaged(() => this.o.model.save(run.finalModelPath, { ...this.o.modelMetadata, epoch: String(this.epoch) }));
      this.log(`final model: ${run.finalModelPath}`);
    }
    return this.history;
  }

  private async runEpoch(epoch: number): Promise<void> {
    const { run } = this.o;
    const lr = this.o.schedule.rate(epoch);
    const t0 = performance.now();
    const sums: Record<string, number> = {};
    let images = 0;
    let batches = 0;
    const total = this.batchesIn(this.o.train, epoch);
    // The rate for the update after `batches` batches (cosine/linear move every step).
    const rateNow = () => this.o.schedule.rate(epoch, Math.min(1, (batches - 1) / total));
    const bar = progressBar(`epoch ${epoch + 1}/${this.o.epochs}`, total, run ? (this.o.progress ?? process.stderr.isTTY === true) : false, run && this.o.progress !== false ? 60_000 : undefined);
    try {
      for await (const batch of this.o.train.epoch(epoch)) {
        let values: Record<string, number>;
        try {
          values = this.trainBatch(batch);
        } finally {
          disposeBatch(batch);
        }
        const bad = Object.entries(values).find(([, v]) => !Number.isFinite(v));
        if (bad) {
          this.o.solver.zeroGrad();
          const last = epoch > 0 && run ? ` kept the last good snapshot ${run.snapshotPath(epoch)}` : ' no snapshot was written';
          throw new NonFiniteLossError(`loss "${bad[0]}" is ${bad[1]} at epoch ${epoch + 1} batch ${batches + 1}; training stopped;${last} (try a lower --lr)`);
        }
        const n = batch.meta.length;
        for (const [name, v] of Object.entries(values)) sums[name] = (sums[name] ?? 0) + v * n;
        images += n;
        batches++;
        if (this.pending >= this.accumulate) this.applyUpdate(rateNow());
        const secs = (performance.now() - t0) / 1000;
        bar.update(batches, { rate: images / Math.max(secs, 1e-9), loss: Object.values(sums).map((s) => (s / images).toFixed(4)).join(' ') });
      }
      if (this.pending > 0) this.applyUpdate(rateNow());
    } finally {
      bar.stop();
    }
    this.averageBuffers();
    if (images === 0) throw new UserError(`epoch ${epoch + 1} delivered no training images (all unreadable?)`);
    const trainTime = (performance.now() - t0) / 1000;
    const trainLoss = Object.fromEntries(Object.entries(sums).map(([k, s]) => [k, s / images]));
    const row: EpochResult = { epoch: epoch + 1, lr, trainLoss, time: 0, imagesPerSecond: images / trainTime };
    if (this.o.test && run) {
      const t = await this.averaged(() => (this.o.evaluate ?? testPass)(this.o.model, this.o.test!, this.device, this.precision));
      row.testLoss = t.losses;
      row.metrics = t.metrics;
    }
    row.time = (performance.now() - t0) / 1000;
    this.history.push(row);
    this.epoch = epoch + 1;
    if (run) await this.saveEpoch(row);
    // Hand the epoch's freed heap back to the OS (glibc keeps it otherwise; see native/runtime.cc).
    mallocTrim();
  }

  private async saveEpoch(row: EpochResult): Promise<void> {
    const run = this.o.run!;
    const snap = run.snapshotPath(row.epoch);
    await this.averaged(() => this.o.model.save(snap, { ...this.o.modelMetadata, epoch: String(row.epoch) }));
    const rng = getRngState();
    const cudaRng = cuda.isAvailable() ? Array.from({ length: cuda.deviceCount() }, (_, i) => cuda.getRngState(i)) : [];
    try {
      writeCheckpoint(run.checkpointPath, {
        epoch: row.epoch,
        model: snap.slice(run.dir.length + 1),
        schedule: this.o.schedule.toJSON(),
        solver: this.o.solver.state(),
        torchRng: rng,
        cudaRng,
        dataRng: { seed: this.o.seed, nextEpoch: row.epoch },
        history: this.history,
        options: this.o.options,
        ema: this.o.ema && { updates: this.o.ema.updates, live: this.o.ema.liveTensors() },
      });
    } finally {
      rng.dispose();
      for (const t of cudaRng) t.dispose();
    }
    await writeResults(run.dir, this.history);
    const scalars: Record<string, number> = { 'train/lr': row.lr, 'time/epoch_s': row.time };
    for (const [k, v] of Object.entries(row.trainLoss)) scalars[`train/loss/${k}`] = v;
    for (const [k, v] of Object.entries(row.testLoss ?? {})) scalars[`test/loss/${k}`] = v;
    for (const [k, v] of Object.entries(row.metrics ?? {})) scalars[`test/${k}`] = v;
    if (row.imagesPerSecond !== undefined) scalars['train/images_per_s'] = row.imagesPerSecond;
    this.events?.scalars(row.epoch, scalars);
    this.log(formatEpochLine(row, this.o.epochs));
  }
}

/** `epoch 3/30  loss class 0.4123  lr 0.1  test top1 12.34% top5 1.23%  45.2 s (1234 img/s)` */
export function formatEpochLine(r: EpochResult, epochs: number): string {
  const parts = [`epoch ${r.epoch}/${epochs}`, `loss ${Object.entries(r.trainLoss).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}`, `lr ${r.lr.toPrecision(4)}`];
  if (r.testLoss && Object.keys(r.testLoss).length) parts.push(`test loss ${Object.entries(r.testLoss).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}`);
  const m = r.metrics ?? {};
  if (m.top1_error !== undefined) parts.push(`top1 error ${(m.top1_error * 100).toFixed(2)}%  top5 error ${(m.top5_error! * 100).toFixed(2)}%`);
  if (m.AP !== undefined) parts.push(['AP', 'AP50', 'AP75'].map((k) => `${k} ${m[k]!.toFixed(3)}`).join(' '));
  parts.push(`${r.time.toFixed(1)} s${r.imagesPerSecond ? ` (${r.imagesPerSecond.toFixed(0)} img/s)` : ''}`);
  return parts.join('  ');
}
