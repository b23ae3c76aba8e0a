/** Helpers for end-to-end CLI tests: run a program through tsx, build tiny datasets. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `denet-${prefix}-`));
}

/**
 * Runs `src/cli/<program>.ts` with tsx; returns exit status and output. One libtorch thread
 * (DENET_THREADS=1): on a busy shared machine two OpenMP threads run up to 20× slower.
 */
export function cli(program: string, args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', `${program}.ts`), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, DENET_VERBOSE: '', DENET_THREADS: '1', ...env }, timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A class-folder PNG set: `classes` folders of `perClass` 8×8 RGB images, each class a distinct
 * colour pattern plus noise (learnable in one epoch).
 */
export async function pngClassFolders(root: string, classes = 3, perClass = 8, size = 8, seed = 1): Promise<string> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let c = 0; c < classes; c++) {
    const dir = join(root, `class${c}`);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(size * size * 3);
      for (let j = 0; j < size * size; j++) {
        for (let k = 0; k < 3; k++) px[j * 3 + k] = Math.min(255, Math.floor((k === c % 3 ? 170 : 40) + rnd() * 60 + (c >= 3 && j % 2 ? 40 : 0)));
      }
      await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, `img${i}.png`));
    }
  }
  return root;
}
