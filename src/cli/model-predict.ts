/** `model-predict`: the original tool's prediction program. */
import { main } from './predict.js';
import { runCli } from './run.js';

await runCli((argv) => main(argv, 'model-predict'));
