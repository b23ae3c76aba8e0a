/**
 * `denet/runtime` in browsers: exported models on onnxruntime-web (WASM). Set `ort.env.wasm.wasmPaths`
 * (re-exported as `ortEnv`) to where the page serves onnxruntime-web's .wasm files.
 */
// The WASM-only build: the page serves ort-wasm-simd-threaded.wasm and nothing else.
import * as ort from 'onnxruntime-web/wasm';
import { OnnxModel, type SessionOptions } from './model.js';
import { ModelFileError } from './onnx-file.js';
import type { Pixels } from './preprocess.js';

export * from './common.js';
export const ortEnv = ort.env;

/** Loads an exported model from a URL or its bytes. */
export async function loadModel(source: string | Uint8Array, o: SessionOptions = {}): Promise<OnnxModel> {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    const r = await fetch(source);
    if (!r.ok) throw new ModelFileError(`cannot fetch ${source}: HTTP ${r.status}`);
    bytes = new Uint8Array(await r.arrayBuffer());
  } else bytes = source;
  return OnnxModel.create(ort, bytes, typeof source === 'string' ? source : 'the model', { executionProviders: ['wasm'], ...o });
}

/** Canvas pixels (RGBA) as runtime pixels. */
export function pixelsFromImageData(im: { data: Uint8ClampedArray; width: number; height: number }): Pixels {
  return { data: im.data, width: im.width, height: im.height, channels: 4 };
}
