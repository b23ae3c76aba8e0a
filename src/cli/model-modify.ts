/** `model-modify`: the standalone program (same as `denet modify`). */
import { runCli } from './run.js';
import { main } from './modify.js';

await runCli((argv) => main(argv, 'model-modify'));
