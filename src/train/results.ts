/**
 * Per-epoch results: `results.csv` (one row per epoch, rewritten atomically each epoch) and
 * `results.png` (loss and test error curves).
 */
import { writeFileAtomic } from '../util/fs.js';
import { curvesPng } from './plot.js';

/** One epoch's numbers. Loss terms are keyed by name; metrics are e.g. top1_error. */
export interface EpochResult {
  epoch: number;
  lr: number;
  trainLoss: Record<string, number>;
  testLoss?: Record<string, number>;
  metrics?: Record<string, number>;
  /** Seconds spent on the epoch (training and test pass). */
  time: number;
  /** Training images per second. */
  imagesPerSecond?: number;
}

/** The CSV columns for a history: epoch, train_<term>…, lr, test_<term>…, metrics…, time_s, images_per_s. */
export function csvColumns(rows: EpochResult[]): string[] {
  const uniq = (keys: string[]) => [...new Set(keys)];
  const train = uniq(rows.flatMap((r) => Object.keys(r.trainLoss)));
  const test = uniq(rows.flatMap((r) => Object.keys(r.testLoss ?? {})));
  const metrics = uniq(rows.flatMap((r) => Object.keys(r.metrics ?? {})));
  return ['epoch', ...train.map((t) => `train_${t}`), 'lr', ...test.map((t) => `test_${t}`), ...metrics, 'time_s', 'images_per_s'];
}

function cell(r: EpochResult, col: string): string {
  const fmt = (v: number | undefined) => (v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(7).replace(/\.?0+$/, '').replace(/\.?0+e/, 'e'));
  if (col === 'epoch') return String(r.epoch);
  if (col === 'lr') return fmt(r.lr);
  if (col === 'time_s') return r.time.toFixed(2);
  if (col === 'images_per_s') return r.imagesPerSecond === undefined ? '' : r.imagesPerSecond.toFixed(1);
  if (col.startsWith('train_') && r.trainLoss[col.slice(6)] !== undefined) return fmt(r.trainLoss[col.slice(6)]);
  if (col.startsWith('test_') && r.testLoss?.[col.slice(5)] !== undefined) return fmt(r.testLoss[col.slice(5)]);
  return fmt(r.metrics?.[col]);
}

export function resultsCsv(rows: EpochResult[]): string {
  const cols = csvColumns(rows);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r, c)).join(','))].join('\n') + '\n';
}

/** Writes results.csv and results.png into `dir`. */
export async function writeResults(dir: string, rows: EpochResult[]): Promise<void> {
  writeFileAtomic(`${dir}/results.csv`, resultsCsv(rows));
  if (rows.length === 0) return;
  const x = rows.map((r) => r.epoch);
  const lossTerms = [...new Set(rows.flatMap((r) => Object.keys(r.trainLoss)))];
  const panels = [
    {
      title: 'loss',
      series: [
        ...lossTerms.map((t) => ({ name: `train ${t}`, y: rows.map((r) => r.trainLoss[t] ?? NaN) })),
        ...lossTerms.filter((t) => rows.some((r) => r.testLoss?.[t] !== undefined)).map((t) => ({ name: `test ${t}`, y: rows.map((r) => r.testLoss?.[t] ?? NaN) })),
      ],
    },
  ];
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))];
  if (metricNames.length) panels.push({ title: 'test metrics', series: metricNames.map((m) => ({ name: m, y: rows.map((r) => r.metrics?.[m] ?? NaN) })) });
  writeFileAtomic(`${dir}/results.png`, await curvesPng(x, panels, 'epoch'));
}
