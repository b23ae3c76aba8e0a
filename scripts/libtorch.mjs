// Locates libtorch for the build (binding.gyp calls this file) and for `denet info`.
// Order (DESIGN.md): $LIBTORCH, a Python `torch` install, then the system (Debian's libtorch-dev).
// Never downloads anything.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reads TORCH_VERSION_* from an include folder's torch/version.h. */
function versionFrom(include) {
  const file = join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const part = (name) => (text.match(new RegExp(`#define TORCH_VERSION_${name} (\\d+)`)) ?? [])[1];
  return [part('MAJOR'), part('MINOR'), part('PATCH')].join('.');
}

function hasCuda(libDir) {
  return existsSync(join(libDir, 'libtorch_cuda.so'));
}

/**
 * Include folders holding `name` for a CUDA build: the CUDA toolkit's (CUDA_HOME, /usr/local/cuda),
 * the system's, or the pip wheels PyTorch depends on (site-packages/nvidia/<part>/include).
 */
function findHeader(t, name) {
  const site = dirname(t.root);
  const roots = [process.env.CUDA_HOME, process.env.CUDA_PATH, '/usr/local/cuda'].filter(Boolean).map((r) => join(r, 'include'));
  const wheels = existsSync(join(site, 'nvidia')) ? readdirSync(join(site, 'nvidia')).map((p) => join(site, 'nvidia', p, 'include')) : [];
  return [t.include, ...roots, '/usr/include', ...wheels].find((d) => existsSync(join(d, name)));
}

/**
 * NCCL process groups need ProcessGroupNCCL.hpp (in CUDA libtorch builds) plus the CUDA runtime
 * and NCCL headers it includes, which pip wheels do not ship inside torch/include. Returns the
 * extra include folders, or null (no NCCL; DENET_NO_NCCL=1 forces that).
 */
function ncclIncludes(t) {
  if (process.env.DENET_NO_NCCL === '1') return null;
  if (!existsSync(join(t.include, 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupNCCL.hpp'))) return null;
  const dirs = ['cuda_runtime_api.h', 'cuda.h', 'nccl.h'].map((h) => findHeader(t, h));
  return dirs.every(Boolean) ? [...new Set(dirs)] : null;
}

/** ABI flag from TorchConfig.cmake of a libtorch folder (official zips ship both ABIs). */
function abiFromCmake(root) {
  const cfg = join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  if (!existsSync(cfg)) return 1;
  const m = readFileSync(cfg, 'utf8').match(/_GLIBCXX_USE_CXX11_ABI=(\d)/);
  return m ? Number(m[1]) : 1;
}

function fromFolder(root, source) {
  const include = join(root, 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(include, 'ATen', 'ATen.h')) || !existsSync(join(lib, 'libtorch.so'))) return null;
  return { source, root, include, lib, abi: abiFromCmake(root), version: versionFrom(include), cuda: hasCuda(lib) };
}

function fromPython() {
  const script = [
    'import torch, os, json',
    'r = os.path.dirname(torch.__file__)',
    'print(json.dumps({"root": r, "abi": int(torch._C._GLIBCXX_USE_CXX11_ABI), "version": torch.__version__.split("+")[0]}))',
  ].join('\n');
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const py of candidates) {
    try {
      const out = execFileSync(py, ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 });
      const info = JSON.parse(out.toString());
      const found = fromFolder(info.root, `python (${py})`);
      // Debian's python3-torch ships no C++ API headers; fall through to the system then.
      if (found && existsSync(join(found.include, 'torch', 'csrc', 'api', 'include'))) {
        return { ...found, abi: info.abi, version: found.version ?? info.version };
      }
    } catch {
      // no python or no torch: try the next candidate
    }
  }
  return null;
}

function fromSystem() {
  const include = '/usr/include';
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include'))) return null;
  const libs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const lib = libs.find((d) => existsSync(join(d, 'libtorch.so')));
  if (!lib) return null;
  return { source: 'system', root: '/usr', include, lib, abi: 1, version: versionFrom(include), cuda: hasCuda(lib) };
}

/** Finds libtorch or throws an error naming what was tried and how to fix it. */
export function findLibtorch() {
  const env = process.env.LIBTORCH;
  if (env) {
    const found = fromFolder(env, 'LIBTORCH');
    if (!found) throw new Error(`LIBTORCH=${env} is not a libtorch folder (expected include/ATen/ATen.h and lib/libtorch.so)`);
    return found;
  }
  const found = fromPython() ?? fromSystem();
  if (found) return found;
  throw new Error(
    'libtorch not found. Fix one of: apt-get install -y libtorch-dev libgloo-dev (Debian/Ubuntu); ' +
      'pip install torch (a Python install is used when python3 can import it); ' +
      'or set LIBTORCH to an unpacked libtorch folder.',
  );
}

/** The extra libraries to link: present ones only (CPU builds lack the CUDA ones). */
function linkLibs(t) {
  const names = ['torch', 'torch_cpu', 'c10', 'torch_cuda', 'c10_cuda'];
  const have = new Set(readdirSync(t.lib));
  return names.filter((n) => have.has(`lib${n}.so`)).map((n) => `-l${n}`);
}

function gypVars(t) {
  const includes = [t.include, join(t.include, 'torch', 'csrc', 'api', 'include')];
  const defines = [`_GLIBCXX_USE_CXX11_ABI=${t.abi}`];
  if (t.cuda) defines.push('DENET_WITH_CUDA=1');
  const nccl = t.cuda ? ncclIncludes(t) : null;
  if (nccl) {
    defines.push('DENET_WITH_NCCL=1');
    includes.push(...nccl.filter((d) => !includes.includes(d) && d !== '/usr/include'));
  }
  // gloo headers come from the system (libgloo-dev) or the libtorch folder itself.
  if (existsSync('/usr/include/gloo') || existsSync(join(t.include, 'gloo'))) defines.push('DENET_WITH_GLOO=1');
  return {
    includes,
    defines,
    ldflags: [`-L${t.lib}`, `-Wl,-rpath,${t.lib}`, '-Wl,--no-as-needed', ...linkLibs(t), '-Wl,--as-needed'],
  };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const what = process.argv[2] ?? '--json';
  try {
    const t = findLibtorch();
    const v = gypVars(t);
    if (what === '--includes') console.log(v.includes.join(' '));
    else if (what === '--defines') console.log(v.defines.join(' '));
    else if (what === '--ldflags') console.log(v.ldflags.join(' '));
    else console.log(JSON.stringify({ ...t, ...v }, null, 2));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
