/**
 * `denet preview`: a grid of augmented training samples with their boxes, to check a data spec.
 *
 *   denet preview --train data/demo/coco --extension mscoco,2026-train,crop=256,crop_mode=denet,mirror,augment_photo --output grid.jpg
 */
import type { Command } from 'commander';
import { parseDistort } from '../data/distort.js';
import { renderGrid } from '../data/grid.js';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { writeFileAtomic } from '../util/fs.js';
import { flag, integer, nonNegativeInt, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

export const PREVIEW_OPTIONS = {
  train: option({ flag: 'train', value: '<path>', help: 'training data', required: true }),
  extension: option({ flag: 'extension', value: '<spec>', aliases: ['ext'], help: 'data format: png, npy, imagenet,…, mscoco,SUBSETS,…, voc,SUBSETS,… (docs/data.md)', required: true }),
  output: option({ flag: 'output', value: '<file>', aliases: ['out'], help: 'output picture (.jpg or .png)', default: 'train_batch0.jpg' }),
  batchSize: option({ flag: 'batch-size', value: '<n>', help: 'images in the grid', parse: positiveInt('batch-size'), default: 16 }),
  seed: option({ flag: 'seed', value: '<n>', help: 'random seed', parse: integer('seed'), default: 0 }),
  epoch: option({ flag: 'epoch', value: '<n>', help: 'which epoch to draw (changes the augmentation)', parse: nonNegativeInt('epoch'), default: 0 }),
  threadNum: option({ flag: 'workers', value: '<n>', aliases: ['thread-num'], help: 'data-loader workers: decodes in flight, and threads converting images to float', parse: positiveInt('workers'), default: 2 }),
  distortMode: option({ flag: 'distort-mode', value: '<modes>', help: 'classification distortions: oX sX rX mX' }),
  augmentMirror: flag('augment-mirror', 'random horizontal mirror (detection data: with the boxes)'),
  augment: flag('no-augment', 'show the test-time view (no random augmentation)'),
  verbose: flag('verbose', 'stack traces on error'),
};

export function previewProgram(): Command {
  return buildProgram('denet preview', 'write a grid of augmented training samples with boxes drawn (.jpg or .png)', PREVIEW_OPTIONS);
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(previewProgram(), PREVIEW_OPTIONS, argv);
  if (!o) return 0;
  const { dataset, spec } = openDataset(o.train, o.extension);
  const loader = createLoader(dataset, {
    batchSize: o.batchSize, threads: o.threadNum, seed: o.seed, train: o.augment, image: spec.options,
    distort: o.distortMode ? parseDistort(o.distortMode) : undefined, augmentMirror: o.augmentMirror,
  });
  const epoch = loader.epochArrays(o.epoch);
  for await (const batch of epoch) {
    const bytes = await renderGrid(batch, dataset.classNames, /\.png$/i.test(o.output) ? 'png' : 'jpeg', spec.options.subtractMean);
    writeFileAtomic(o.output, bytes);
    const boxes = batch.targets?.reduce((n, t) => n + t.classes.length, 0);
    console.log(`wrote ${o.output}: ${batch.shape[0]} images ${batch.shape[3]}x${batch.shape[2]}${boxes !== undefined ? `, ${boxes} boxes` : ''} from ${dataset.source}`);
    return 0;
  }
  console.error(`error: ${dataset.source}: no readable images (${epoch.stats.skipped} skipped)`);
  return 1;
}
