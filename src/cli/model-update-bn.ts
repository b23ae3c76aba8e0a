/** `model-update-bn`: re-estimate batch-norm running statistics (src/train/update-bn.ts). */
import { updateBnMain } from '../train/update-bn.js';
import { runCli } from './run.js';

await runCli((argv) => updateBnMain(argv));
