/** `denet train-multi` / `model-train-multi`: data-parallel training (src/train/launch.ts). */
import { isRank, launchRanks, runRank } from '../train/launch.js';
import { parseTrainArgs } from './train-options.js';

export async function main(argv: string[], name = 'denet train-multi'): Promise<number> {
  const c = parseTrainArgs(name, argv, true);
  if (!c) return 0;
  return isRank() ? runRank(c, [name, ...argv]) : launchRanks(c);
}
