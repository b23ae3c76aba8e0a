/**
 * `denet make-dataset`: writes the generated detection dataset (COCO and VOC layouts), or with
 * `--task classify` its one-object classification counterpart (class folders) for pretraining.
 *
 *   denet make-dataset --output data/demo --seed 1 --train 400 --val 100 --test 100 --size 256
 *   denet train ... --train data/demo/coco --extension mscoco,2026-train,crop=256,crop_mode=denet
 *   denet make-dataset --task classify --output data/objects --train 20000 --test 1000 --size 64
 */
import type { Command } from 'commander';
import { SYNTHETIC_YEAR, writeSyntheticClassification, writeSyntheticDataset } from '../data/synthetic-writer.js';
import { invalidArg } from '../util/errors.js';
import { flag, nonNegativeInt, oneOf, option } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

/** Smallest image side the generator places objects in (objects are 16 px and up). */
const MIN_SIZE = 32;
const TASKS = ['detect', 'classify'] as const;

export const MAKE_DATASET_OPTIONS = {
  output: option({ flag: 'output', value: '<dir>', aliases: ['out'], help: 'output folder', required: true }),
  task: option<(typeof TASKS)[number]>({ flag: 'task', value: '<task>', help: 'detect (COCO + VOC layouts) or classify (one object an image, class folders)', parse: oneOf('task', TASKS), default: 'detect' }),
  seed: option({ flag: 'seed', value: '<n>', help: 'random seed', parse: nonNegativeInt('seed'), default: 1 }),
  train: option({ flag: 'train', value: '<n>', help: 'training images', parse: nonNegativeInt('train'), default: 400 }),
  val: option({ flag: 'val', value: '<n>', help: 'validation images (detect only)', parse: nonNegativeInt('val'), default: 100 }),
  test: option({ flag: 'test', value: '<n>', help: 'test images', parse: nonNegativeInt('test'), default: 100 }),
  size: option({ flag: 'size', value: '<px>', help: `image side in pixels (at least ${MIN_SIZE})`, parse: nonNegativeInt('size'), default: 256 }),
  fashionDir: option({ flag: 'fashion-dir', value: '<dir>', help: 'Fashion-MNIST idx folder (drawn shapes when absent)', default: '/usr/share/datasets/fashion-mnist' }),
  verbose: flag('verbose', 'stack traces on error'),
};

export function makeDatasetProgram(): Command {
  return buildProgram('denet make-dataset', 'write a generated detection dataset (Fashion-MNIST objects on cluttered backgrounds) in COCO and VOC layouts, or its one-object classification counterpart', MAKE_DATASET_OPTIONS);
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(makeDatasetProgram(), MAKE_DATASET_OPTIONS, argv);
  if (!o) return 0;
  if (o.size < MIN_SIZE) throw invalidArg('--size', `at least ${MIN_SIZE}`, String(o.size));
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
  if (o.task === 'classify') {
    const r = await writeSyntheticClassification(o.output, { seed: o.seed, counts: { train: o.train, test: o.test }, size: o.size, fashionDir: o.fashionDir });
    console.log(`wrote ${r.images} images, classes ${r.classNames.join(', ')} (${r.source}) in ${seconds()}s`);
    console.log(`  --train ${o.output}/train${o.test ? ` --test ${o.output}/test` : ''} --extension jpg`);
    return 0;
  }
  const r = await writeSyntheticDataset(o.output, { seed: o.seed, counts: { train: o.train, val: o.val, test: o.test }, size: o.size, fashionDir: o.fashionDir });
  console.log(`wrote ${r.images} images, ${r.objects} objects, classes ${r.classNames.join(', ')} (${r.source}) in ${seconds()}s`);
  const others = (['val', 'test'] as const).filter((k) => o[k] > 0).map((k) => `${SYNTHETIC_YEAR}-${k}`);
  console.log(`  COCO: --train ${o.output}/coco --extension mscoco,${SYNTHETIC_YEAR}-train${others.length ? `   (also ${others.join(', ')})` : ''}`);
  console.log(`  VOC:  --train ${o.output} --extension voc,${SYNTHETIC_YEAR}-train`);
  return 0;
}
