/**
 * `denet make-dataset`: writes the generated detection dataset (COCO and VOC layouts), or with
 * `--task classify` its one-object classification counterpart (class folders) for pretraining.
 *
 *   denet make-dataset --out data/demo --seed 1 --train 400 --val 100 --test 100 --size 256
 *   denet train ... --train data/demo/coco --extension mscoco,2026-train,crop=256,crop_mode=denet
 *   denet make-dataset --task classify --out data/objects --train 20000 --test 1000 --size 64
 */
import { Command, InvalidArgumentError } from 'commander';
import { SYNTHETIC_YEAR, writeSyntheticClassification, writeSyntheticDataset } from '../data/synthetic-writer.js';
import { UserError } from '../util/errors.js';
import { parseProgram } from './run.js';

function count(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`expected a non-negative integer for ${name}`);
    return Number(v);
  };
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('denet make-dataset')
    .description('write a generated detection dataset (Fashion-MNIST objects on cluttered backgrounds) in COCO and VOC layouts')
    .requiredOption('--out <dir>', 'output folder')
    .option('--task <task>', 'detect (COCO + VOC layouts) or classify (one object an image, class folders)', 'detect')
    .option('--seed <n>', 'random seed', count('--seed'), 1)
    .option('--train <n>', 'training images', count('--train'), 400)
    .option('--val <n>', 'validation images (detect only)', count('--val'), 100)
    .option('--test <n>', 'test images', count('--test'), 100)
    .option('--size <px>', 'image side in pixels', count('--size'), 256)
    .option('--fashion-dir <dir>', 'Fashion-MNIST idx folder (drawn shapes when absent)', '/usr/share/datasets/fashion-mnist')
    .option('--verbose', 'stack traces on error');
  if (!parseProgram(program, argv)) return 0;
  const o = program.opts<{ out: string; task: string; seed: number; train: number; val: number; test: number; size: number; fashionDir: string }>();
  if (o.size < 32) throw new UserError('--size must be at least 32');
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
  if (o.task === 'classify') {
    const r = await writeSyntheticClassification(o.out, { seed: o.seed, counts: { train: o.train, test: o.test }, size: o.size, fashionDir: o.fashionDir });
    console.log(`wrote ${r.images} images, classes ${r.classNames.join(', ')} (${r.source}) in ${seconds()}s`);
    console.log(`  --train ${o.out}/train${o.test ? ` --test ${o.out}/test` : ''} --extension jpg`);
    return 0;
  }
  if (o.task !== 'detect') throw new UserError(`Expected detect or classify for --task but received "${o.task}"`);
  const r = await writeSyntheticDataset(o.out, { seed: o.seed, counts: { train: o.train, val: o.val, test: o.test }, size: o.size, fashionDir: o.fashionDir });
  console.log(`wrote ${r.images} images, ${r.objects} objects, classes ${r.classNames.join(', ')} (${r.source}) in ${seconds()}s`);
  const others = (['val', 'test'] as const).filter((k) => o[k] > 0).map((k) => `${SYNTHETIC_YEAR}-${k}`);
  console.log(`  COCO: --train ${o.out}/coco --extension mscoco,${SYNTHETIC_YEAR}-train${others.length ? `   (also ${others.join(', ')})` : ''}`);
  console.log(`  VOC:  --train ${o.out} --extension voc,${SYNTHETIC_YEAR}-train`);
  return 0;
}
