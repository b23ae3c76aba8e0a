/**
 * Loads the compiled addon (build/Release/denet_native.node) and checks it against the libtorch it
 * was built for. A load failure names the likely causes and the fix for each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque native tensor handle (a JS External owning one at::Tensor). */
export type Handle = { readonly __handle: unique symbol };

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: src/torch and dist/torch are both two levels below it. */
export const packageRoot = resolve(here, '..', '..');
const addonPath = join(packageRoot, 'build', 'Release', 'denet_native.node');

function load(): any {
  if (!existsSync(addonPath)) {
    throw new Error(`The native addon is not built (${addonPath} is missing). Run: npm run build:native (needs libtorch: apt-get install -y libtorch-dev libgloo-dev)`);
  }
  try {
    return createRequire(import.meta.url)(addonPath);
  } catch (e) {
    const msg = (e as Error).message;
    const hints = [
      `Could not load ${addonPath}: ${msg}`,
      'Likely causes: libtorch was removed or upgraded since the build (run: npm run build:native);',
      'the addon was built for another Node version (run: npm run build:native);',
      'LIBTORCH points somewhere else than at build time (unset it or rebuild).',
    ];
    throw new Error(hints.join('\n'));
  }
}

/** The raw native module. Only src/torch talks to it; everything else uses the typed API. */
export const native: any = load();

// Default to every core: libtorch's own default is 1 intra-op thread on Debian's build.
const envThreads = Number(process.env.DENET_THREADS);
native.setNumThreads(Number.isInteger(envThreads) && envThreads > 0 ? envThreads : Math.max(1, cpus().length));

/** What scripts/build-native.mjs recorded about the libtorch the addon was built against. */
export function buildRecord(): Record<string, unknown> | undefined {
  const file = join(packageRoot, 'build', 'libtorch.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}
