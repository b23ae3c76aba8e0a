/** `model-train-multi`: data-parallel training, one process per `--gpus` entry (src/train/launch.ts). */
import { runCli } from './run.js';
import { main } from './train-multi.js';

await runCli((argv) => main(argv, 'model-train-multi'));
