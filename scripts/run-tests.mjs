// Runs every test/**/*.test.ts with node's test runner through tsx (Node 20 has no glob support
// in --test). Extra arguments filter by substring: `npm test -- torch eval`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'helpers' || name === 'fixtures' ? [] : find(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = find('test').sort().filter((f) => !filters.length || filters.some((s) => f.includes(s)));
if (!files.length) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '1';
// Tests make their files under os.tmpdir(); one folder per run, removed afterwards, keeps /tmp clean.
const tmp = mkdtempSync(join(tmpdir(), 'denet-tests-'));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', env: { ...process.env, TMPDIR: tmp } });
rmSync(tmp, { recursive: true, force: true });
process.exit(r.status ?? 1);
