/**
 * Reads TensorBoard event files back (TFRecord framing, every CRC checked, scalar summaries) for
 * the tests of src/train/tensorboard.ts and of the trainer's run folders.
 */
import { readFileSync } from 'node:fs';
import { maskedCrc32c } from '../../src/train/tensorboard.js';

class ProtoReader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  get done(): boolean { return this.pos >= this.b.length; }
  varint(): bigint {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.b[this.pos++]!;
      x |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return x;
      shift += 7n;
    }
  }
  field(): { field: number; wire: number } {
    const t = Number(this.varint());
    return { field: t >>> 3, wire: t & 7 };
  }
  fixed(n: number): DataView {
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

export interface ScalarRecord { wallTime: number; step: number; tag: string; value: number }

/** Parses an event file, checking every CRC; returns the file version and the scalar values. */
export function readEventFile(path: string): { fileVersion?: string; scalars: ScalarRecord[] } {
  const buf = new Uint8Array(readFileSync(path));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const scalars: ScalarRecord[] = [];
  let fileVersion: string | undefined;
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new Error(`${path}: truncated record header at byte ${pos}`);
    const len = Number(view.getBigUint64(pos, true));
    if (view.getUint32(pos + 8, true) !== maskedCrc32c(buf.subarray(pos, pos + 8))) throw new Error(`${path}: bad length CRC at byte ${pos}`);
    const data = buf.subarray(pos + 12, pos + 12 + len);
    if (data.length !== len || pos + 16 + len > buf.length) throw new Error(`${path}: truncated record at byte ${pos}`);
    if (view.getUint32(pos + 12 + len, true) !== maskedCrc32c(data)) throw new Error(`${path}: bad data CRC at byte ${pos}`);
    pos += 16 + len;
    const r = new ProtoReader(data);
    let wallTime = 0;
    let step = 0;
    let values: { tag: string; value: number }[] = [];
    while (!r.done) {
      const { field, wire } = r.field();
      if (field === 1 && wire === 1) wallTime = r.fixed(8).getFloat64(0, true);
      else if (field === 2 && wire === 0) step = Number(r.varint());
      else if (field === 3 && wire === 2) fileVersion = new TextDecoder().decode(r.bytes());
      else if (field === 5 && wire === 2) {
        const s = new ProtoReader(r.bytes());
        while (!s.done) {
          const f = s.field();
          if (f.field !== 1 || f.wire !== 2) { s.skip(f.wire); continue; }
          const v = new ProtoReader(s.bytes());
          let tag = '';
          let value = NaN;
          while (!v.done) {
            const g = v.field();
            if (g.field === 1 && g.wire === 2) tag = new TextDecoder().decode(v.bytes());
            else if (g.field === 2 && g.wire === 5) value = v.fixed(4).getFloat32(0, true);
            else v.skip(g.wire);
          }
          values.push({ tag, value });
        }
      } else r.skip(wire);
    }
    for (const v of values) scalars.push({ wallTime, step, ...v });
    values = [];
  }
  return { fileVersion, scalars };
}
