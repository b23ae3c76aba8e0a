/** `denet info`: versions, the libtorch build, devices, threads and the allocator setting. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { buildInfo, cuda, getNumThreads } from '../torch/index.js';
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
  allocator: string;
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
    allocator: b.mmapThreshold > 0 ? `glibc, fixed mmap threshold ${b.mmapThreshold} B (DENET_MMAP_THRESHOLD)` : 'glibc, dynamic mmap threshold (set DENET_MMAP_THRESHOLD=<bytes> for a fixed one)',
  };
}

export async function main(argv: string[]): Promise<number> {
  const cmd = new Command('denet info').description('Print versions, the libtorch build, devices, threads and allocator').option('--json', 'print JSON').option('--verbose');
  cmd.parse(argv, { from: 'user' });
  const info = collectInfo();
  if (cmd.opts().json) {
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
    ['allocator', info.allocator],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(12)} ${v}`);
  return 0;
}
