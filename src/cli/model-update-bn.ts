/** `model-update-bn`: re-estimate batch-norm running statistics (src/cli/update-bn.ts). */
import { main } from './update-bn.js';
import { runCli } from './run.js';

await runCli((argv) => main(argv));
