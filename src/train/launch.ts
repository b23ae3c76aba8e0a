/**
 * `model-train-multi`: data-parallel training over processes on one or several machines, launched
 * as torchrun does. On each machine the launcher starts one process per `--gpus` entry and gives
 * it the standard environment (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK,
 * LOCAL_WORLD_SIZE); global rank = node rank × processes per node + local rank. A process started
 * with RANK and WORLD_SIZE already set (by torchrun, a cluster scheduler's launcher, or ours) is a
 * rank: it joins the c10d group at MASTER_ADDR:MASTER_PORT (rank 0 hosts the store) and trains
 * its share of every global batch; gradients are all-reduced and averaged every step.
 *
 * Failure: when a rank fails, the launcher on its machine stops its other ranks; ranks on other
 * machines see their next collective fail (Gloo: connection closed) or time out after
 * `--dist-timeout`, print one line and exit non-zero, and so do their launchers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { constants as osConstants } from 'node:os';
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

/** Whether this process is a rank (RANK and WORLD_SIZE set, as torchrun sets them). */
export function isRank(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RANK !== undefined && env.WORLD_SIZE !== undefined;
}

/**
 * The c10d backend for this machine's rank devices: --dist-backend, else NCCL when every rank has
 * a GPU of its own and the build has NCCL (NCCL refuses two ranks on one GPU), else Gloo (it
 * reduces CUDA tensors through host copies).
 */
export function chooseBackend(c: Pick<TrainConfig, 'distBackend'>, devices: string[], nccl = buildInfo().nccl): distributed.Backend {
  const anyCpu = devices.some((d) => d === 'cpu');
  const shared = new Set(devices).size !== devices.length;
  if (c.distBackend === 'nccl') {
    if (!nccl) throw new UserError('--dist-backend nccl: this build has no NCCL (it needs a CUDA libtorch with NCCL; `denet info` shows the build); use --dist-backend gloo');
    if (anyCpu) throw new UserError('--dist-backend nccl reduces CUDA tensors only; cpu entries in --gpus need --dist-backend gloo');
    if (shared) throw new UserError(`--dist-backend nccl needs one GPU per rank but --gpus lists a GPU twice (${devices.join(' ')}); use --dist-backend gloo`);
    return 'nccl';
  }
  if (c.distBackend === 'gloo') return 'gloo';
  return nccl && !anyCpu && !shared ? 'nccl' : 'gloo';
}

/** Launcher: starts this machine's ranks and waits; the first failure stops the others. */
export async function launchRanks(c: TrainConfig): Promise<number> {
  if (!c.gpus?.length) throw new UserError('--gpus DEVICE… is required: one process per entry on this machine (e.g. --gpus 0 1 2 3, or --gpus cpu cpu)');
  const devices = c.gpus.map(deviceOfEntry);
  if (devices.some((d) => d !== 'cpu') && !cuda.isAvailable()) throw new UserError(`--gpus ${c.gpus.join(' ')}: CUDA is not available (use cpu entries to test on the CPU)`);
  chooseBackend(c, devices); // fail here, once, rather than in every rank
  const local = devices.length;
  const world = c.nodes * local;
  const port = c.masterPort ?? (await freePort());
  const children: ChildProcess[] = [];
  let stopping = false;
  let firstFailure = 0;
  const stopOthers = (except?: ChildProcess) => {
    stopping = true;
    for (const other of children) if (other !== except && other.exitCode === null && other.signalCode === null) other.kill('SIGTERM');
  };
  const onSignal = () => stopOthers();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const codes = await Promise.all(
      devices.map(
        (_, localRank) =>
          new Promise<number>((resolve) => {
            const rank = c.nodeRank * local + localRank;
            // The same command line: the child sees RANK and becomes that rank.
            const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
              stdio: ['ignore', 'inherit', 'inherit'],
              env: {
                ...process.env, MASTER_ADDR: c.masterAddr, MASTER_PORT: String(port), WORLD_SIZE: String(world), RANK: String(rank),
                LOCAL_RANK: String(localRank), LOCAL_WORLD_SIZE: String(local), NODE_RANK: String(c.nodeRank), NNODES: String(c.nodes),
              },
            });
            children.push(child);
            child.on('exit', (code, signal) => {
              const rc = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 15) : 0);
              if (rc !== 0) {
                firstFailure ||= rc;
                if (!stopping) console.error(`error: rank ${rank} (local ${localRank}) ${signal ? `was killed by ${signal}` : `exited with code ${rc}`}; stopping the other ranks of this machine`);
                stopOthers(child);
              }
              resolve(rc);
            });
          }),
      ),
    );
    return codes.some((x) => x !== 0) ? firstFailure : 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** The device of a rank: the LOCAL_RANK-th --gpus entry; without --gpus cuda:LOCAL_RANK when CUDA is there, else cpu. */
export function rankDevice(c: Pick<TrainConfig, 'gpus'>, localRank: number): string {
  if (c.gpus?.length) {
    const entry = c.gpus[localRank];
    if (entry === undefined) throw new UserError(`LOCAL_RANK=${localRank} but --gpus lists ${c.gpus.length} device(s)`);
    return deviceOfEntry(entry);
  }
  return cuda.isAvailable() ? `cuda:${localRank}` : 'cpu';
}

/** Rank side: joins the process group and trains its share. */
export async function runRank(c: TrainConfig, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const int = (name: string): number => {
    const v = env[name];
    if (v === undefined || !/^\d+$/.test(v)) throw new UserError(`Expected a non-negative integer in ${name} but received ${JSON.stringify(v)}`);
    return Number(v);
  };
  const rank = int('RANK');
  const worldSize = int('WORLD_SIZE');
  if (worldSize < 1 || rank >= worldSize) throw new UserError(`RANK=${rank} is outside WORLD_SIZE=${worldSize}`);
  const localRank = env.LOCAL_RANK === undefined ? 0 : int('LOCAL_RANK');
  const port = env.MASTER_PORT === undefined ? undefined : int('MASTER_PORT');
  if (port === undefined || port < 1 || port > 65535) throw new UserError(`MASTER_PORT must name the rendezvous port (1…65535) but is ${JSON.stringify(env.MASTER_PORT)}`);
  const device = rankDevice(c, localRank);
  // Every rank decides from the same --gpus list (or, without it, cuda:LOCAL_RANK: one GPU each).
  const backend = chooseBackend(c, c.gpus?.length ? c.gpus.map(deviceOfEntry) : [device]);
  if (backend === 'nccl') {
    // NCCL's work.wait() only blocks (and so only notices a dead peer or the timeout) in blocking-wait mode.
    env.TORCH_NCCL_BLOCKING_WAIT ??= '1';
    env.NCCL_BLOCKING_WAIT ??= '1';
  }
  // torchrun's agent already serves the store at MASTER_ADDR:MASTER_PORT and says so.
  const hostStore = env.TORCHELASTIC_USE_AGENT_STORE !== 'True';
  distributed.init({ host: env.MASTER_ADDR ?? '127.0.0.1', port, rank, worldSize, timeoutMs: c.distTimeout * 1000, backend, hostStore });
  try {
    await runTraining(c, { argv, dist: { rank, worldSize, device }, log: rank === 0 ? undefined : () => {} });
    distributed.barrier();
  } finally {
    distributed.destroy();
  }
  return 0;
}
