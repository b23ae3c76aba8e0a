/** Opens the dataset named by `--train/--test PATH` and `--extension SPEC`. */
import { existsSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { openClassFolders } from './class-folder.js';
import { openCoco } from './coco.js';
import { parseExtension, type ExtensionSpec } from './extension-spec.js';
import { openImagenet } from './imagenet.js';
import { openNpyPair } from './npy-dataset.js';
import type { Dataset } from './types.js';
import { openVoc } from './voc.js';

/** A dataset together with the parsed spec (whose image options configure the loader). */
export interface OpenedDataset {
  dataset: Dataset;
  spec: ExtensionSpec;
}

/**
 * Opens `path` as described by `extension` (a spec string or a parsed spec). For `npy`, `path` is
 * the prefix (`PATH_data.npy`, `PATH_labels.npy`); a path ending in `_data.npy` is accepted too.
 */
export function openDataset(path: string, extension: string | ExtensionSpec): OpenedDataset {
  const spec = typeof extension === 'string' ? parseExtension(extension) : extension;
  let dataset: Dataset;
  switch (spec.format) {
    case 'npy': dataset = openNpyPair(path.replace(/_(data|labels)\.npy$/, '')); break;
    case 'folder': dataset = openClassFolders(path, spec.fileExtension!); break;
    case 'imagenet': dataset = openImagenet(path, (spec.subsets[0]?.split as 'train' | 'val' | undefined) ?? 'train'); break;
    case 'mscoco':
      if (!existsSync(path)) throw new UserError(`${path}: no such folder`);
      dataset = openCoco(path, spec.subsets);
      break;
    case 'images':
      throw new UserError(`--extension ${spec.text}: unlabelled images can only be predicted (model-predict --input PATH); training and evaluation need labels`);
    case 'voc':
      if (!existsSync(path)) throw new UserError(`${path}: no such folder`);
      dataset = openVoc(path, spec.subsets);
      break;
  }
  return { dataset, spec };
}
