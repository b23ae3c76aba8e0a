/** `model-train-multi`: data-parallel training, one process per `--gpus` entry (src/train/launch.ts). */
import { isRank, launchRanks, runRank } from '../train/launch.js';
import { parseTrainArgs } from './train-options.js';
import { runCli } from './run.js';

await runCli(async (argv) => {
  const c = parseTrainArgs('model-train-multi', argv, true);
  if (!c) return 0;
  return isRank() ? runRank(c, ['model-train-multi', ...argv]) : launchRanks(c, argv);
});
