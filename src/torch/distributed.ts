/**
 * Collectives over libtorch's c10d: a TCPStore rendezvous on `host:port` (rank 0 hosts it) and a
 * Gloo (CPU tensors, and CUDA tensors through host copies) or NCCL (CUDA tensors, one GPU per
 * rank; CUDA builds with NCCL) process group. One group per process. Every wait is bounded by `timeoutMs`: a rank that never joins, dies or stops answering
 * makes the others throw a `DistributedError` instead of hanging.
 */
import { native } from './native.js';
import type { Tensor } from './tensor.js';

export type Backend = 'gloo' | 'nccl';

export interface InitOptions {
  host?: string;
  port: number;
  rank: number;
  worldSize: number;
  /** How long to wait for the other ranks and for each collective. Default 60 s. */
  timeoutMs?: number;
  /** `gloo` (default: CPU tensors, CUDA ones through host copies) or `nccl` (CUDA tensors, one GPU per rank). */
  backend?: Backend;
  /**
   * Whether rank 0 serves the TCPStore (default true). False when the launcher serves it, as
   * torchrun's agent does (it sets TORCHELASTIC_USE_AGENT_STORE=True for its workers).
   */
  hostStore?: boolean;
}

/** A collective or the rendezvous failed: a peer died, the network failed, or the timeout passed. */
export class DistributedError extends Error {
  override name = 'DistributedError';
}

let current: { rank: number; worldSize: number; timeoutMs: number } | undefined;

/** libtorch's message without its C++ backtrace and source location prefixes. */
function cause(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const line = text.split('\n').find((l) => l.trim() && !/^Exception raised from|^frame #/.test(l.trim())) ?? text;
  return line.replace(/^\[[^\]]*\]\s*/, '').trim();
}

function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DistributedError) throw e;
    const who = current ? `rank ${current.rank} of ${current.worldSize}` : 'this rank';
    const why = /timed? ?out|Timeout/i.test(String((e as Error)?.message))
      ? `no answer within ${((current?.timeoutMs ?? 0) / 1000).toFixed(0)} s (a rank is missing, stuck or dead)`
      : 'another rank stopped or the network failed';
    throw new DistributedError(`distributed ${what} failed on ${who}: ${why} (${cause(e)})`);
  }
}

/** Joins the process group; blocks until all `worldSize` ranks have joined (or throws after the timeout). */
export function init(o: InitOptions): void {
  if (!(o.rank >= 0 && o.rank < o.worldSize)) throw new Error(`rank ${o.rank} is outside world size ${o.worldSize}`);
  const timeoutMs = o.timeoutMs ?? 60000;
  const host = o.host ?? '127.0.0.1';
  current = { rank: o.rank, worldSize: o.worldSize, timeoutMs };
  try {
    native.distInit(host, o.port, o.rank, o.worldSize, timeoutMs, o.backend ?? 'gloo', o.hostStore ?? true);
  } catch (e) {
    const msg = String((e as Error)?.message);
    if (/no NCCL|unknown backend|needs Gloo|needs its headers/.test(msg)) throw e;
    throw new DistributedError(`distributed rendezvous at ${host}:${o.port} failed on rank ${o.rank} of ${o.worldSize}: ${/timed? ?out|Timeout/i.test(msg) ? `not all ${o.worldSize} ranks joined within ${(timeoutMs / 1000).toFixed(0)} s` : 'could not reach the other ranks'} (${cause(e)})`);
  }
}
/** The backend of the current group ('' before init). */
export function backend(): string {
  return native.distBackend();
}
/** Sums each tensor over all ranks, in place. */
export function allReduce(tensors: Tensor[]): void {
  guarded('all-reduce', () => native.distAllReduce(tensors.map((t) => t.handle)));
}
/** Copies each tensor from `root` to every rank, in place. */
export function broadcast(tensors: Tensor[], root = 0): void {
  guarded('broadcast', () => native.distBroadcast(tensors.map((t) => t.handle), root));
}
export function barrier(): void {
  guarded('barrier', () => native.distBarrier());
}
export function destroy(): void {
  current = undefined;
  native.distDestroy();
}
