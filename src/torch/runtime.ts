/** Process-wide settings: seeds, threads, devices, memory counters, build facts. */
import { readFileSync } from 'node:fs';
import { buildRecord, native } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's generators: the same seed gives the same random tensors and dropout masks. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** The CPU random generator's state (a uint8 tensor), for checkpoints that resume exactly. */
export function getRngState(): Tensor {
  return Tensor.wrap(native.getRngState());
}
export function setRngState(state: Tensor): void {
  native.setRngState(state.handle);
}

/** Sets libtorch's intra-op thread count (it starts at 1 on some builds). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected a positive integer for threads but received ${n}`);
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

/**
 * The BLAS library libtorch has loaded, from this process's memory map (Linux): its kind and
 * path. `builtin` when no separate BLAS is mapped (PyTorch's own wheels link MKL statically);
 * undefined where the map cannot be read.
 */
export function loadedBlas(): { kind: 'openblas' | 'mkl' | 'reference' | 'other' | 'builtin'; path?: string } | undefined {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return undefined;
  }
  const paths = maps.split('\n').map((l) => l.slice(l.indexOf(' /') + 1)).filter((p) => p.startsWith('/') && /blas|libmkl/.test(p.split('/').pop()!));
  if (!paths.length) return { kind: 'builtin' };
  // libtorch links libblas.so.3 first: when Debian's alternative is the reference BLAS, its
  // symbols win even if LAPACK's alternative brought OpenBLAS in too.
  const reference = paths.find((p) => /\/blas\/libblas\.so/.test(p));
  if (reference) return { kind: 'reference', path: reference };
  const path = paths[0]!;
  return { kind: /openblas/.test(path) ? 'openblas' : /mkl/.test(path) ? 'mkl' : 'other', path };
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  /** The random generator state of CUDA device `index` (a uint8 tensor); throws without CUDA. */
  getRngState: (index = 0): Tensor => Tensor.wrap(native.getCudaRngState(index)),
  setRngState: (index: number, state: Tensor): void => native.setCudaRngState(index, state.handle),
  /**
   * TF32 math for float32 matmuls and convolutions on Ampere and later GPUs (faster, ~1e-3
   * relative error). libtorch's defaults, as PyTorch's: matmul off, cuDNN on.
   */
  allowTF32: (): { matmul: boolean; cudnn: boolean } => native.getAllowTF32(),
  setAllowTF32: (o: { matmul: boolean; cudnn: boolean }): void => native.setAllowTF32(o.matmul, o.cudnn),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (device?: number): void => native.cudaSynchronize(device ?? null),
};

/**
 * A batch tensor on the model's device: `t` itself for the CPU, else a non-blocking copy (it
 * overlaps with host work when `t` is pinned, see Tensor.pinMemory; the device stream orders it
 * before the kernels that read it).
 */
export function toDevice(t: Tensor, device: string): Tensor {
  return device === 'cpu' ? t : t.to({ device, nonBlocking: true });
}

/** Live native tensors and their element bytes (views count their own elements). */
export function memoryStats(): { liveTensors: number; liveBytes: number } {
  return native.memoryStats();
}

/** Returns free heap memory to the OS (glibc malloc_trim). */
export function mallocTrim(): boolean {
  return native.mallocTrim();
}

export interface BuildInfo {
  torchVersion: string;
  cxx11Abi: number;
  cudaBuild: boolean;
  gloo: boolean;
  nccl: boolean;
  parallelInfo: string;
  mmapThreshold: number;
  libtorchSource?: string;
  libtorchPath?: string;
}
export function buildInfo(): BuildInfo {
  const rec = buildRecord();
  return { ...native.buildInfo(), libtorchSource: rec?.source as string | undefined, libtorchPath: rec?.lib as string | undefined };
}
