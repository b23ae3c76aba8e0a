// Builds the native addon: records which libtorch it is built against (build/libtorch.json,
// read by `denet info` and the loader's version check), then runs node-gyp. No downloads:
// npm passes `nodedir` so node-gyp uses the local Node headers.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { findLibtorch } from './libtorch.mjs';

let torch;
try {
  torch = findLibtorch();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
console.log(`libtorch ${torch.version} (${torch.source}, C++11 ABI ${torch.abi}, CUDA ${torch.cuda ? 'yes' : 'no'}) at ${torch.root}`);
const gyp = spawnSync('node-gyp', ['rebuild', '-j', process.env.JOBS ?? '2'], { stdio: 'inherit', shell: false });
if (gyp.status !== 0) process.exit(gyp.status ?? 1);
mkdirSync('build', { recursive: true });
writeFileSync('build/libtorch.json', JSON.stringify({ ...torch, builtAt: new Date().toISOString() }, null, 2));
