/**
 * A small builder for ONNX graphs over the `onnx-proto` message classes (protobufjs code
 * generated from onnx.proto): nodes, float and int64 initializers, graph inputs and outputs, and
 * the lowest opset the graph's operators need.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.NodeProto;
export type TensorProto = onnxProto.onnx.TensorProto;

/** A float attribute (a plain number is an int attribute). */
export interface FloatAttr {
  float: number;
}
export const float = (v: number): FloatAttr => ({ float: v });
export type AttrValue = number | number[] | string | FloatAttr;

/** Little-endian bytes of a typed array (the layout of TensorProto.raw_data). */
export function rawBytes(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object') return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INT, i: v };
}

/** A dimension: a fixed size or a symbolic name (dynamic batch). */
export type Dim = number | string;

export function valueInfo(name: string, dims: Dim[], elemType = onnx.TensorProto.DataType.FLOAT): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  /** The lowest opset every operator emitted so far supports, and the operator that set it. */
  minOpset = 11;
  minOpsetReason = 'Resize, Pad and Clip with tensor inputs';
  #names = new Set<string>();
  #consts = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** A fresh tensor name starting with `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  /** Records that an operator needs at least `opset` (`why` names it for the error message). */
  need(opset: number, why: string): void {
    if (opset > this.minOpset) {
      this.minOpset = opset;
      this.minOpsetReason = why;
    }
  }

  /** A float32 initializer; returns its name. */
  floats(base: string, data: Float32Array, dims: number[]): TensorProto {
    const t = onnx.TensorProto.create({ name: this.fresh(base), dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: rawBytes(data) });
    this.initializers.push(t);
    return t;
  }

  /** A float32 constant (shared between uses); returns its name. */
  constFloats(values: number[], dims: number[] = [values.length]): string {
    const key = `f${dims.join('x')}:${values.join(',')}`;
    let name = this.#consts.get(key);
    if (!name) this.#consts.set(key, (name = this.floats('const', Float32Array.from(values), dims).name));
    return name;
  }

  /** An int64 constant (shapes, axes, pads; shared between uses); returns its name. */
  constInts(values: number[], dims: number[] = [values.length]): string {
    const key = `i${dims.join('x')}:${values.join(',')}`;
    let name = this.#consts.get(key);
    if (!name) {
      const t = onnx.TensorProto.create({ name: this.fresh('const'), dims, dataType: onnx.TensorProto.DataType.INT64, rawData: rawBytes(BigInt64Array.from(values, (v) => BigInt(v))) });
      this.initializers.push(t);
      this.#consts.set(key, (name = t.name));
    }
    return name;
  }

  /** Adds a node; returns it (its outputs are fresh names from `out`). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out = opType.toLowerCase(), outputs = 1): NodeProto {
    const n = onnx.NodeProto.create({
      opType,
      input: inputs,
      output: Array.from({ length: outputs }, () => this.fresh(out)),
      name: this.fresh(`${out}/${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    this.nodes.push(n);
    return n;
  }

  /** Adds a one-output node; returns the output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.node(opType, inputs, attrs, out).output[0]!;
  }

  /** Renames a node output to `name` (for graph outputs with fixed names). */
  rename(from: string, to: string): string {
    if (this.#names.has(to)) throw new Error(`graph name ${to} is taken`);
    this.#names.add(to);
    for (const n of this.nodes) {
      n.output = n.output.map((o) => (o === from ? to : o));
      n.input = n.input.map((i) => (i === from ? to : i));
    }
    return to;
  }
}
