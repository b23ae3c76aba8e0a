/**
 * `denet preview`: a grid of augmented training samples with their boxes, to check a data spec.
 *
 *   denet preview --train data/demo/coco --extension mscoco,2026-train,crop=256,crop_mode=denet,mirror,augment_photo --out grid.jpg
 */
import { Command, InvalidArgumentError } from 'commander';
import { parseDistort } from '../data/distort.js';
import { renderGrid } from '../data/grid.js';
import { createLoader } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { writeFileAtomic } from '../util/fs.js';
import { parseProgram } from './run.js';

function positive(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(v);
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('denet preview')
    .description('write a grid of augmented training samples with boxes drawn (.jpg or .png)')
    .requiredOption('--train <path>', 'training data')
    .requiredOption('--extension <spec>', 'data format: png, npy, imagenet,…, mscoco,SUBSETS,…, voc,SUBSETS,…')
    .option('--out <file>', 'output picture', 'train_batch0.jpg')
    .option('--batch-size <n>', 'images in the grid', positive, 16)
    .option('--seed <n>', 'random seed', (v) => Number(v), 0)
    .option('--epoch <n>', 'which epoch to draw (changes the augmentation)', (v) => Number(v), 0)
    .option('--thread-num <n>', 'data-loader threads: decodes in flight, and workers converting images to float', positive, 2)
    .option('--distort-mode <modes>', 'classification distortions: oX sX rX mX')
    .option('--augment-mirror', 'random horizontal mirror (detection: with the boxes)')
    .option('--no-augment', 'show the test-time view (no random augmentation)')
    .option('--verbose', 'stack traces on error');
  if (!parseProgram(program, argv)) return 0;
  const o = program.opts<{ train: string; extension: string; out: string; batchSize: number; seed: number; epoch: number; threadNum: number; distortMode?: string; augmentMirror?: boolean; augment: boolean }>();
  const { dataset, spec } = openDataset(o.train, o.extension);
  const loader = createLoader(dataset, {
    batchSize: o.batchSize, threads: o.threadNum, seed: o.seed, train: o.augment, image: spec.options,
    distort: o.distortMode ? parseDistort(o.distortMode) : undefined, augmentMirror: o.augmentMirror,
  });
  const epoch = loader.epochArrays(o.epoch);
  for await (const batch of epoch) {
    const bytes = await renderGrid(batch, dataset.classNames, /\.png$/i.test(o.out) ? 'png' : 'jpeg', spec.options.subtractMean);
    writeFileAtomic(o.out, bytes);
    const boxes = batch.targets?.reduce((n, t) => n + t.classes.length, 0);
    console.log(`wrote ${o.out}: ${batch.shape[0]} images ${batch.shape[3]}x${batch.shape[2]}${boxes !== undefined ? `, ${boxes} boxes` : ''} from ${dataset.source}`);
    return 0;
  }
  console.error(`error: ${dataset.source}: no readable images (${epoch.stats.skipped} skipped)`);
  return 1;
}
