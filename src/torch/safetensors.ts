/**
 * safetensors read and write (https://github.com/huggingface/safetensors format): an 8-byte
 * little-endian header length N, an N-byte JSON header {name: {dtype, shape, data_offsets},
 * "__metadata__": {string: string}}, then the raw little-endian tensor bytes. Nothing in the file
 * can execute code.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { DTYPE_CODE, ELEMENT_SIZE, type DType } from './dtype.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';

const TO_ST: Record<DType, string> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const FROM_ST = new Map(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Serialises tensors (CPU copies, row-major) and string metadata into safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`safetensors metadata "${k}" must be a string`);
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  // Sorted names give byte-identical files for identical contents.
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name]!;
    const bytes = new Uint8Array(native.toBuffer(t.handle) as ArrayBuffer);
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  return [len, headerBytes, ...chunks];
}

/** Parses safetensors bytes; every offset and size is checked before any tensor is made. */
export function decodeSafetensors(bytes: Uint8Array, source = 'buffer'): SafetensorsContents {
  const fail = (why: string) => new UserError(`${source} is not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw fail('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8 || n > 100_000_000) throw fail(`header length ${n} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  } catch {
    throw fail('header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = header.__metadata__ ?? {};
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  // The data section must be covered exactly, without gaps or overlaps.
  const spans = entries.map(([name, e]) => {
    const dtype = FROM_ST.get(e?.dtype);
    if (!dtype) throw fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(e?.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((s: unknown) => Number.isInteger(s) && (s as number) >= 0)) throw fail(`tensor "${name}" has a bad shape`);
    const [b, en] = e.data_offsets ?? [];
    if (!Number.isInteger(b) || !Number.isInteger(en) || b < 0 || en < b || en > dataLen) throw fail(`tensor "${name}" has data offsets outside the file (truncated?)`);
    const numel = (e.shape as number[]).reduce((a, c) => a * c, 1);
    if (numel * ELEMENT_SIZE[dtype] !== en - b) throw fail(`tensor "${name}" has ${en - b} bytes for shape [${e.shape}] of ${dtype}`);
    return { name, dtype, shape: e.shape as number[], b: b as number, en: en as number };
  });
  const sorted = [...spans].sort((x, y) => x.b - y.b || x.en - y.en);
  let pos = 0;
  for (const s of sorted) {
    if (s.b !== pos) throw fail(`tensor "${s.name}" does not start where the previous one ends (gap or overlap)`);
    pos = s.en;
  }
  if (pos !== dataLen) throw fail(`data section has ${dataLen - pos} bytes not covered by any tensor`);
  const tensors: Record<string, Tensor> = {};
  for (const s of spans) {
    // fromBuffer copies the bytes (memcpy), so unaligned offsets are fine.
    tensors[s.name] = Tensor.wrap(native.fromBuffer(bytes.subarray(dataStart + s.b, dataStart + s.en), s.shape, DTYPE_CODE[s.dtype]));
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically (temp file + rename). */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a whole safetensors file. */
export function readSafetensors(path: string): SafetensorsContents {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UserError(`cannot open model file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return decodeSafetensors(bytes, path);
  } finally {
    closeSync(fd);
  }
}
