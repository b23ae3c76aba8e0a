// c10d over Gloo: two processes join a group through a TCPStore and all-reduce/broadcast tensors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { buildInfo } from '../../src/torch/index.js';

const worker = `
import * as torch from ${JSON.stringify(new URL('../../src/torch/index.ts', import.meta.url).pathname)};
const [rank, port] = process.argv.slice(-2).map(Number);
torch.distributed.init({ port, rank, worldSize: 2, timeoutMs: 120000 }); // generous: start-up on a loaded machine
const t = torch.tensor([rank + 1, 10 * (rank + 1)]);
torch.distributed.allReduce([t]);
const b = torch.tensor([rank === 0 ? 7 : 0]);
torch.distributed.broadcast([b], 0);
torch.distributed.barrier();
console.log(JSON.stringify({ sum: t.toArray(), bcast: b.toArray() }));
torch.distributed.destroy();
`;

function run(rank: number, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', worker, String(rank), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`rank ${rank} exited ${code}: ${err}`))));
  });
}

test('two ranks all-reduce and broadcast over Gloo', { skip: buildInfo().gloo ? undefined : 'built without Gloo', timeout: 180_000 }, async () => {
  const port = 29000 + Math.floor(Math.random() * 2000);
  const outs = await Promise.all([run(0, port), run(1, port)]);
  for (const o of outs) assert.deepEqual(JSON.parse(o.split('\n').pop()!), { sum: [3, 30], bcast: [7] });
});
