// `npm run pack-gpu [-- OUT]`: one xz tarball with everything scripts/gpu-check.sh needs on a GPU
// machine without Node.js, npm or internet: the project's files (tracked and untracked ones git
// does not ignore), node_modules (without what only type checking uses), this Node binary and
// the Node headers node-gyp needs to build the addon there. Checks the 64 MiB budget.
// Unpack there with `tar xJf denet-gpu.tar.xz && cd denet && bash scripts/gpu-check.sh` (docs/gpu.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** What reaches the GPU machine, in all. */
const BUDGET = 64 * 1024 * 1024;
/**
 * node_modules entries the GPU check never loads: type checking (it runs TypeScript through tsx),
 * the ONNX runtimes (loaded only by --engine onnx and denet/runtime; 440 MB with every platform's
 * binaries) and browser automation (the web test).
 */
const SKIP_MODULES = new Set(['typescript', '@types', 'onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common', 'playwright-core']);

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const out = resolve(process.argv[2] ?? join(root, 'denet-gpu.tar.xz'));

function fail(msg) {
  console.error(`pack-gpu: ${msg}`);
  process.exit(1);
}

if (!existsSync(join(root, 'node_modules', 'tsx'))) fail('node_modules is missing or incomplete: run npm ci first');
if (spawnSync('xz', ['--version']).status !== 0) fail('xz is not installed (apt-get install -y xz-utils)');

// Node headers: npm's nodedir (Debian: /usr), else the folder above this binary.
const nodedirs = [process.env.npm_config_nodedir, '/usr', resolve(dirname(process.execPath), '..')].filter(Boolean);
const nodedir = nodedirs.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
if (!nodedir) fail(`no Node headers (include/node/node_api.h) under ${nodedirs.join(', ')}: apt-get install -y libnode-dev, or set npm_config_nodedir`);

const stage = mkdtempSync(join(tmpdir(), 'denet-pack-'));
const top = join(stage, 'denet');
try {
  // Project files as git sees them (no build output, data or runs).
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root }).toString().split('\0').filter(Boolean);
  for (const f of files) {
    const src = join(root, f);
    if (!existsSync(src) || statSync(src).isDirectory()) continue;
    mkdirSync(dirname(join(top, f)), { recursive: true });
    cpSync(src, join(top, f));
  }
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (SKIP_MODULES.has(name)) continue;
    cpSync(join(root, 'node_modules', name), join(top, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
  }
  // Node: the binary (official builds need only glibc) and the N-API headers plus node-gyp's
  // gypi files; the OpenSSL, V8 and libuv headers are left out (the addon uses N-API only).
  mkdirSync(join(top, '.gpu-node', 'bin'), { recursive: true });
  cpSync(process.execPath, join(top, '.gpu-node', 'bin', 'node'));
  const inc = join(nodedir, 'include', 'node');
  mkdirSync(join(top, '.gpu-node', 'include', 'node'), { recursive: true });
  for (const name of readdirSync(inc)) {
    if (statSync(join(inc, name)).isFile()) cpSync(join(inc, name), join(top, '.gpu-node', 'include', 'node', name));
  }
  writeFileSync(join(top, '.gpu-node', 'VERSION'), `${process.version} ${process.platform}-${process.arch}\n`);

  console.log(`pack-gpu: ${files.length} project files, node_modules (without ${[...SKIP_MODULES].join(', ')}), Node ${process.version} and its headers from ${inc}`);
  const tar = spawnSync('tar', ['-C', stage, '-cf', '-', 'denet'], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) fail(`tar failed: ${tar.stderr}`);
  const xz = spawnSync('xz', ['-9', '-T0', '-c'], { input: tar.stdout, maxBuffer: 1 << 30 });
  if (xz.status !== 0) fail(`xz failed: ${xz.stderr}`);
  writeFileSync(out, xz.stdout);
  const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`pack-gpu: wrote ${out}: ${mib(xz.stdout.length)} (${mib(tar.stdout.length)} unpacked; budget ${mib(BUDGET)})`);
  if (xz.stdout.length > BUDGET) fail(`the tarball is over the ${mib(BUDGET)} budget`);
  console.log('on the GPU machine: tar xJf denet-gpu.tar.xz && cd denet && bash scripts/gpu-check.sh');
} finally {
  rmSync(stage, { recursive: true, force: true });
}
