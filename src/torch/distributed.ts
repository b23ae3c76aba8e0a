/**
 * Collectives over libtorch's c10d (TCPStore rendezvous + a Gloo or NCCL process group). One
 * group per process; rank 0 hosts the store. Used by data-parallel training.
 */
import { native } from './native.js';
import type { Tensor } from './tensor.js';

export interface InitOptions {
  host?: string;
  port: number;
  rank: number;
  worldSize: number;
  /** How long to wait for the other ranks and for each collective. */
  timeoutMs?: number;
  /** `gloo` (default: CPU tensors, CUDA ones through host copies) or `nccl` (CUDA tensors, one GPU per rank). */
  backend?: Backend;
}

export type Backend = 'gloo' | 'nccl';

/** Joins the process group; blocks until all `worldSize` ranks have joined. */
export function init(o: InitOptions): void {
  if (!(o.rank >= 0 && o.rank < o.worldSize)) throw new Error(`rank ${o.rank} is outside world size ${o.worldSize}`);
  native.distInit(o.host ?? '127.0.0.1', o.port, o.rank, o.worldSize, o.timeoutMs ?? 60000, o.backend ?? 'gloo');
}
/** The backend of the current group ('' before init). */
export function backend(): string {
  return native.distBackend();
}
/** Sums each tensor over all ranks, in place. */
export function allReduce(tensors: Tensor[]): void {
  native.distAllReduce(tensors.map((t) => t.handle));
}
/** Copies each tensor from `root` to every rank, in place. */
export function broadcast(tensors: Tensor[], root = 0): void {
  native.distBroadcast(tensors.map((t) => t.handle), root);
}
export function barrier(): void {
  native.distBarrier();
}
export function destroy(): void {
  native.distDestroy();
}
