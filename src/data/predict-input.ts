/**
 * What `model-predict --input PATH [--extension SPEC]` reads. With `--extension` the spec decides
 * (`images[,OPTIONS]` names unlabelled images explicitly). Without it:
 *
 *  - an image file or a list file → unlabelled images;
 *  - a folder, for a detector → unlabelled images (searched recursively);
 *  - a folder, for a classifier → class folders of PNGs (the labelled layout, evaluated) when every
 *    entry is a sub-folder named after one of the model's classes, else unlabelled images.
 *
 * Unlabelled images get the model's test-time geometry unless the spec sets `scale`/`crop`: for a
 * detector with an S×S input, the long side resized to S and the short side padded (letterbox);
 * for a classifier, the short side resized to S and the centre S×S crop (torchvision's
 * Resize + CenterCrop). Predictions map back to each image's own pixels either way.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { isDir, listDir } from './class-folder.js';
import { parseExtension, type ExtensionSpec } from './extension-spec.js';
import { openImageFiles, type ImageFilesDataset } from './image-files.js';
import { openDataset, type OpenedDataset } from './open.js';

export interface PredictInput extends OpenedDataset {
  /** Set when the input is unlabelled images (nothing to evaluate). */
  images?: ImageFilesDataset;
}

export interface PredictModelInfo {
  detector: boolean;
  classNames: string[];
  /** [C, H, W] of the network input. */
  inputShape: number[];
}

function looksLikeClassFolders(dir: string, classNames: string[]): boolean {
  const entries = listDir(dir).filter((n) => !n.startsWith('.'));
  const known = new Set(classNames);
  return entries.length > 0 && entries.every((n) => isDir(join(dir, n)) && known.has(n));
}

/** Test-time geometry for unlabelled images when the spec gives none (see the module comment). */
function testTimeGeometry(spec: ExtensionSpec, m: PredictModelInfo): ExtensionSpec {
  const o = spec.options;
  if (o.scale !== undefined || o.crop !== undefined) return spec;
  const [, h, w] = m.inputShape;
  if (h !== w) throw new UserError(`the model's input is ${w}×${h} (not square): give --extension images,scale=…,crop=… so images come out at that size`);
  return { ...spec, options: { ...o, scale: w, scaleMode: m.detector ? 'large' : 'small', crop: w, cropMode: 'center' } };
}

/** Opens `--input PATH` for prediction (see the module comment). */
export function openPredictInput(path: string, extension: string | undefined, m: PredictModelInfo): PredictInput {
  let spec: ExtensionSpec;
  if (extension !== undefined) {
    spec = parseExtension(extension);
    if (spec.format !== 'images') return openDataset(path, spec);
  } else {
    let folder: boolean;
    try {
      folder = statSync(resolve(path)).isDirectory();
    } catch {
      throw new UserError(`${path}: no such file or folder`);
    }
    if (folder && !m.detector && looksLikeClassFolders(resolve(path), m.classNames)) return openDataset(path, 'png');
    spec = parseExtension('images');
  }
  const images = openImageFiles(path, m.detector ? 'detection' : 'classification', m.classNames);
  return { dataset: images, spec: testTimeGeometry(spec, m), images };
}
