/** `model-train`: the original tool's training program. */
import { runCli } from './run.js';
import { main } from './train.js';

await runCli((argv) => main(argv, 'model-train'));
