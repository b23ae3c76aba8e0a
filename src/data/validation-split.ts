/**
 * The test split that `--test PATH` reads when `--test-extension` is not given. For class folders
 * and `.npy` the test data has its own path, so `--extension` applies as it is. ImageNet, COCO and
 * VOC name their splits inside the spec, so reusing the training spec would test on the training
 * images; these default to the dataset's validation split instead (what torchvision's
 * `train=False` / Ultralytics' `val:` mean):
 *
 *  - `imagenet[,train]` → `imagenet,val`;
 *  - `mscoco,Y-train,…` → `mscoco,Y-val` for the latest year Y of the training subsets;
 *  - `voc,…` → `voc,2007-test` when 2007 is among the training years (the standard VOC test
 *    set), else `voc,Y-val` for the latest year.
 *
 * Image options (scale, crop, …) carry over; the loader does not augment test data.
 */
import { parseExtension, type ExtensionSpec } from './extension-spec.js';

export interface TestSplit {
  /** The `--extension` spec of the test data. */
  spec: string;
  /** Why it differs from the training spec (undefined when it is the training spec). */
  note?: string;
  /** Set when the chosen test split is also one of the training subsets. */
  overlap?: string;
}

/** The test spec for `--extension train` without `--test-extension` (see the module comment). */
export function defaultTestSplit(trainSpec: string): TestSplit {
  const spec = parseExtension(trainSpec);
  if (spec.format !== 'imagenet' && spec.format !== 'mscoco' && spec.format !== 'voc') return { spec: trainSpec };
  const head = trainSpec.split(',')[0]!.trim();
  const options = optionParts(trainSpec, spec);
  let subset: string;
  if (spec.format === 'imagenet') {
    subset = 'val';
  } else {
    const years = spec.subsets.map((s) => s.year).sort();
    const latest = years.at(-1)!;
    subset = spec.format === 'voc' && years.includes('2007') ? '2007-test' : `${latest}-val`;
  }
  const test = [head, subset, ...options].join(',');
  const training = spec.format === 'imagenet' ? spec.subsets.map((s) => s.split) : spec.subsets.map((s) => `${s.year}-${s.split}`);
  const inTraining = spec.format === 'imagenet' ? training.includes('val') : training.includes(subset) || (spec.format === 'voc' && training.includes(subset.replace(/-val$/, '-trainval')));
  return {
    spec: test,
    note: `--test without --test-extension: testing on ${head},${subset} (the validation split of --extension ${trainSpec}); give --test-extension to choose`,
    overlap: inTraining ? `the test split ${subset} is part of the training data (--extension ${trainSpec}): the test numbers will be optimistic` : undefined,
  };
}

/** The `key=value` and flag parts of a spec, in their order (everything but the format and subsets). */
function optionParts(text: string, spec: ExtensionSpec): string[] {
  const subsets = new Set(spec.subsets.map((s) => (s.year ? `${s.year}-${s.split}` : s.split)));
  return text.split(',').slice(1).map((p) => p.trim()).filter((p) => p && !subsets.has(p));
}
