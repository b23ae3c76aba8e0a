/** `denet info`: versions, the libtorch build, devices, threads and the allocator setting. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { flag } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';
import { buildInfo, cuda, getNumThreads, loadedBlas } from '../torch/index.js';
import { packageRoot } from '../torch/native.js';

export interface Info {
  denet: string;
  node: string;
  libtorch: string;
  libtorchSource: string;
  cxx11Abi: number;
  cudaBuild: boolean;
  cudaAvailable: boolean;
  cudaDevices: number;
  gloo: boolean;
  nccl: boolean;
  threads: number;
  /** The BLAS libtorch's matrix products run on (see loadedBlas). */
  blas: string;
  allocator: string;
}

/** One line on the BLAS in use; the reference BLAS gets the fix (docs/engine.md "BLAS"). */
function describeBlas(): string {
  const b = loadedBlas();
  if (!b) return 'unknown';
  const names = { openblas: 'OpenBLAS', mkl: 'MKL', reference: 'the reference BLAS (slow matrix products: apt-get install libopenblas0-openmp)', other: 'BLAS', builtin: 'linked into libtorch' };
  return `${names[b.kind]}${b.path ? ` (${b.path})` : ''}`;
}

export function collectInfo(): Info {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  const b = buildInfo();
  return {
    denet: pkg.version,
    node: process.version,
    libtorch: b.torchVersion,
    libtorchSource: `${b.libtorchSource ?? 'unknown'}${b.libtorchPath ? ` (${b.libtorchPath})` : ''}`,
    cxx11Abi: b.cxx11Abi,
    cudaBuild: b.cudaBuild,
    cudaAvailable: cuda.isAvailable(),
    cudaDevices: cuda.deviceCount(),
    gloo: b.gloo,
    nccl: b.nccl,
    threads: getNumThreads(),
    blas: describeBlas(),
    allocator: b.mmapThreshold > 0 ? `glibc, fixed mmap threshold ${b.mmapThreshold} B (DENET_MMAP_THRESHOLD)` : 'glibc, dynamic mmap threshold (set DENET_MMAP_THRESHOLD=<bytes> for a fixed one)',
  };
}

export const INFO_OPTIONS = {
  json: flag('json', 'print JSON'),
  verbose: flag('verbose', 'stack traces on errors'),
};

export function infoProgram(): Command {
  return buildProgram('denet info', 'print versions, the libtorch build, devices, threads and allocator', INFO_OPTIONS);
}

export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(infoProgram(), INFO_OPTIONS, argv);
  if (!o) return 0;
  const info = collectInfo();
  if (o.json) {
    console.log(JSON.stringify(info, null, 2));
    return 0;
  }
  const rows: [string, string][] = [
    ['denet', info.denet],
    ['node', info.node],
    ['libtorch', `${info.libtorch} from ${info.libtorchSource}`],
    ['C++11 ABI', String(info.cxx11Abi)],
    ['CUDA', `${info.cudaAvailable ? `available, ${info.cudaDevices} device(s)` : 'not available'}${info.cudaBuild ? '' : ' (CPU-only libtorch)'}`],
    ['distributed', `gloo ${info.gloo ? 'yes' : 'no'}, nccl ${info.nccl ? 'yes' : 'no'}`],
    ['threads', `${info.threads} (DENET_THREADS or --threads to change)`],
    ['BLAS', info.blas],
    ['allocator', info.allocator],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(12)} ${v}`);
  return 0;
}
