/** `denet predict` / `model-predict`: see src/train/predict.ts. */
import { predictMain } from '../train/predict.js';

export async function main(argv: string[], name = 'denet predict'): Promise<number> {
  return predictMain(argv, name);
}
