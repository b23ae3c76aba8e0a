/**
 * RSS for memory-flatness tests, measured after a full garbage collection and a malloc trim:
 * ArrayBuffers that only the collector frees (tensor values read into JS, batch arrays) otherwise
 * swing RSS by ±20 MiB between two points of a flat loop, which made these tests fail about one
 * run in three.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mallocTrim } from '../../src/torch/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Process RSS in bytes after full garbage collections and returning free heap memory to the OS.
 * V8 frees the memory of dead ArrayBuffers on a background task after a collection, hence the
 * pause and the second collection.
 */
export async function settledRss(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  mallocTrim();
  return process.memoryUsage().rss;
}
