/** Paths of the committed test fixtures (test/fixtures; each folder's README says where its files come from). */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The pycocotools golden fixture: cocoapi's fake bbox results on the first 100 val2014 images. */
export const COCO_EVAL = {
  dir: join(FIXTURES, 'coco-eval'),
  groundTruth: join(FIXTURES, 'coco-eval', 'instances_val2014_100.json'),
  results: join(FIXTURES, 'coco-eval', 'instances_val2014_fakebbox100_results.json'),
  expected: join(FIXTURES, 'coco-eval', 'expected.json'),
};
