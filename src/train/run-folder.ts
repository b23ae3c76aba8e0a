/**
 * The run folder: `--output DIR`, or the first free `runs/train-N`. Holds snapshots,
 * results.csv/png, TensorBoard events, args.json and train.log.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';

/** The first `base/train-N` (N = 1, 2, …) that does not exist yet. */
export function nextRunDir(base = 'runs', stem = 'train'): string {
  for (let n = 1; ; n++) {
    const dir = resolve(base, `${stem}-${n}`);
    if (!existsSync(dir)) return dir;
  }
}

export class RunFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }
  snapshotPath(epoch: number): string {
    return this.path(`model_epoch${String(epoch).padStart(3, '0')}.safetensors`);
  }
  get finalModelPath(): string {
    return this.path('model.safetensors');
  }
  get checkpointPath(): string {
    return this.path('checkpoint.safetensors');
  }

  /** args.json: the command line and the resolved options. */
  writeArgs(argv: string[], options: unknown): void {
    writeFileAtomic(this.path('args.json'), JSON.stringify({ command: argv, options, started: new Date().toISOString() }, null, 2) + '\n');
  }

  /** Appends a timestamped line to train.log. */
  log(line: string): void {
    appendFileSync(this.path('train.log'), `${new Date().toISOString()} ${line}\n`);
  }
}
