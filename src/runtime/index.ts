/**
 * `denet/runtime` in Node: exported models on onnxruntime-node, with no libtorch and no native
 * addon of ours.
 *
 * ```ts
 * import { loadModel, readImage, prepareImage, cocoDetections } from 'denet/runtime';
 * const model = await loadModel('detector.onnx');
 * const image = prepareImage(await readImage('street.jpg'), model.inputShape);
 * const [dets] = await model.detect([image]);          // boxes in the image's pixels
 * console.log(cocoDetections(dets, 1));                 // results.json entries
 * ```
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { OnnxModel, type SessionOptions } from './model.js';
import { ModelFileError } from './onnx-file.js';
import type { Pixels } from './preprocess.js';

export * from './common.js';

/** Loads an exported model from a file path or its bytes. */
export async function loadModel(source: string | Uint8Array, o: SessionOptions = {}): Promise<OnnxModel> {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (e) {
      throw new ModelFileError(`cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else bytes = source;
  return OnnxModel.create(ort, bytes, typeof source === 'string' ? source : 'the model', o);
}

/** Decodes an image file (any format sharp reads) to RGB pixels. sharp is loaded on first use. */
export async function readImage(path: string): Promise<Pixels> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}
