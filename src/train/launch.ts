/**
 * `model-train-multi`: one process per `--gpus` entry, each re-running this program as a rank
 * (DENET_DIST_RANK, DENET_DIST_WORLD, DENET_DIST_PORT, DENET_DIST_DEVICE in its environment). Rank 0
 * hosts the c10d TCPStore on 127.0.0.1; gradients are all-reduced and averaged every step.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { buildInfo, cuda, distributed } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import { runTraining } from './session.js';

/** Maps a --gpus entry to a device: cpu, gpuN / cuda:N / N → cuda:N. */
export function deviceOfEntry(entry: string): string {
  if (entry === 'cpu') return 'cpu';
  const m = /^(?:gpu|cuda:?)?(\d+)$/.exec(entry);
  if (!m) throw new UserError(`Expected cpu, gpuN, cuda:N or N for --gpus but received "${entry}"`);
  return `cuda:${m[1]}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether this process is a rank spawned by the launcher. */
export function isRank(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DENET_DIST_RANK !== undefined;
}

/**
 * The c10d backend for these rank devices: NCCL when every rank has a GPU of its own and the
 * addon has NCCL (NCCL refuses two ranks on one GPU), else Gloo (it reduces CUDA tensors through
 * host copies). DENET_DIST_BACKEND=gloo|nccl overrides.
 */
export function chooseBackend(devices: string[], env: NodeJS.ProcessEnv = process.env): distributed.Backend {
  const forced = env.DENET_DIST_BACKEND;
  if (forced) {
    if (forced !== 'gloo' && forced !== 'nccl') throw new UserError(`Expected gloo or nccl for DENET_DIST_BACKEND but received "${forced}"`);
    return forced;
  }
  const gpus = devices.every((d) => d !== 'cpu') && new Set(devices).size === devices.length;
  return gpus && buildInfo().nccl ? 'nccl' : 'gloo';
}

/** Launcher: spawns the ranks and waits; the first failure stops the others. */
export async function launchRanks(c: TrainConfig, argv: string[]): Promise<number> {
  const devices = c.gpus!.map(deviceOfEntry);
  if (devices.some((d) => d !== 'cpu') && !cuda.isAvailable()) throw new UserError(`--gpus ${c.gpus!.join(' ')}: CUDA is not available (use cpu entries to test on the CPU)`);
  const port = await freePort();
  const backend = chooseBackend(devices);
  const children: ChildProcess[] = [];
  const codes = await Promise.all(
    devices.map(
      (device, rank) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
            stdio: ['ignore', 'inherit', 'inherit'],
            env: { ...process.env, DENET_DIST_RANK: String(rank), DENET_DIST_WORLD: String(devices.length), DENET_DIST_PORT: String(port), DENET_DIST_DEVICE: device, DENET_DIST_BACKEND: backend },
          });
          children.push(child);
          child.on('exit', (code, signal) => {
            const rc = code ?? (signal ? 1 : 0);
            if (rc !== 0) for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
            resolve(rc);
          });
        }),
    ),
  );
  return codes.find((x) => x !== 0) ?? 0;
}

/** Rank side: joins the process group and trains its shard. */
export async function runRank(c: TrainConfig, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const rank = Number(env.DENET_DIST_RANK);
  const worldSize = Number(env.DENET_DIST_WORLD);
  const device = env.DENET_DIST_DEVICE ?? 'cpu';
  const backend = (env.DENET_DIST_BACKEND ?? 'gloo') as distributed.Backend;
  distributed.init({ port: Number(env.DENET_DIST_PORT), rank, worldSize, timeoutMs: 30 * 60 * 1000, backend });
  try {
    await runTraining(c, { argv, dist: { rank, worldSize, device }, log: rank === 0 ? undefined : () => {} });
    distributed.barrier();
  } finally {
    distributed.destroy();
  }
  return 0;
}
