/**
 * NumPy `.npy` reading and writing (format versions 1, 2 and 3; little-endian; C order), limited
 * to the dtypes the data layer uses. The header is checked against the expected dtype and rank
 * and against the file length, so a wrong file gives one clear error naming it.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';

/** The dtypes supported, by NumPy descr. */
export type NpyDType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

const DESCR: Record<NpyDType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1' };
const SIZE: Record<NpyDType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };

/** An array read from or written to a `.npy` file. */
export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses the python-dict header, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UserError(`${file}: malformed .npy header ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const n = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(n) || n < 0) throw new UserError(`${file}: malformed .npy shape (${shapeText})`);
    return n;
  });
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * Reads a `.npy` file. With `expect`, checks the dtype (exactly) and the rank, and throws a
 * `UserError` naming the file otherwise.
 */
export function readNpy(file: string, expect?: { dtype?: NpyDType; rank?: number }): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.length < 10 || MAGIC.some((m, i) => buf[i] !== m)) throw new UserError(`${file}: not a .npy file (bad magic)`);
  const major = buf[6]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new UserError(`${file}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new UserError(`${file}: unsupported .npy format version ${major}`);
  }
  if (start + headerLen > buf.length) throw new UserError(`${file}: truncated .npy header`);
  const header = parseHeader(buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen), file);
  if (header.fortran) throw new UserError(`${file}: Fortran-ordered arrays are not supported (save with C order)`);
  const dtype = (Object.keys(DESCR) as NpyDType[]).find((d) => DESCR[d] === header.descr || (d === 'uint8' && header.descr === '<u1'));
  if (!dtype) throw new UserError(`${file}: unsupported dtype '${header.descr}' (expected little-endian ${Object.values(DESCR).join(', ')})`);
  if (expect?.dtype && dtype !== expect.dtype) {
    throw new UserError(`${file}: expected dtype ${expect.dtype} (${DESCR[expect.dtype]}) but the file holds ${dtype} (${header.descr})`);
  }
  if (expect?.rank !== undefined && header.shape.length !== expect.rank) {
    throw new UserError(`${file}: expected ${expect.rank} dimensions but the header has shape (${header.shape.join(', ')})`);
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * SIZE[dtype];
  if (buf.length - dataStart !== need) {
    throw new UserError(`${file}: header shape (${header.shape.join(', ')}) needs ${need} data bytes but the file has ${buf.length - dataStart}`);
  }
  const bytes = new Uint8Array(need); // copy: aligned and independent of Buffer's pool
  bytes.set(buf.subarray(dataStart));
  const ab = bytes.buffer;
  const data = dtype === 'float32' ? new Float32Array(ab) : dtype === 'float64' ? new Float64Array(ab)
    : dtype === 'int32' ? new Int32Array(ab) : dtype === 'int64' ? new BigInt64Array(ab) : bytes;
  return { dtype, shape: header.shape, data };
}

/** Encodes an array as `.npy` bytes (format 1.0, or 2.0 when the header needs it). */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.data.length !== count) throw new Error(`encodeNpy: shape (${arr.shape.join(', ')}) needs ${count} values but data has ${arr.data.length}`);
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[arr.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  let major = 1;
  let pre = 10;
  if (dict.length + 1 + pre > 65535) {
    major = 2;
    pre = 12;
  }
  const pad = 64 - ((pre + dict.length + 1) % 64);
  dict = dict + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(pre + dict.length + arr.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  out.set(Buffer.from(dict, 'latin1'), pre);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), pre + dict.length);
  return out;
}

/** Writes a `.npy` file atomically. */
export function writeNpy(file: string, arr: NpyArray): void {
  writeFileAtomic(file, encodeNpy(arr));
}
