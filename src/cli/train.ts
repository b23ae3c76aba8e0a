/** `denet train` / `model-train`: train on one device (flags: src/cli/train-options.ts). */
import { parseTrainArgs } from './train-options.js';
import { runTraining } from '../train/session.js';

export async function main(argv: string[], name = 'denet train'): Promise<number> {
  const c = parseTrainArgs(name, argv);
  if (!c) return 0;
  await runTraining(c, { argv: [name, ...argv] });
  return 0;
}
