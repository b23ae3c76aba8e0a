/** A ConvertPool worker: runs `writeChw` jobs into shared memory and answers each by its id. */
import { parentPort } from 'node:worker_threads';
import { writeChw, type ChwWrite } from '../runtime/convert.js';

parentPort!.on('message', ({ id, job }: { id: number; job: ChwWrite }) => {
  try {
    writeChw(job);
    parentPort!.postMessage({ id });
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message });
  }
});
