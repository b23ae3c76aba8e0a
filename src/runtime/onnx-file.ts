/**
 * Reading an exported model file: the ONNX protobuf (onnx-proto), its `denet` metadata, and for a
 * detector the two graphs the runtime runs around the corner search: the backbone (`images` →
 * `features`) and the head (`features`, `rois` → probabilities and deltas). Both are cut from the
 * one exported graph by following which nodes `features` depends on.
 */
import onnxProto from 'onnx-proto';
import { UserError } from '../util/errors.js';
import { INFO_FORMAT, INFO_KEY, type ModelInfo } from './model-info.js';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.ModelProto;
type GraphProto = onnxProto.onnx.GraphProto;
type NodeProto = onnxProto.onnx.NodeProto;
/** A decoded model's graph (decoding fills every repeated field). */
const graphOf = (p: ModelProto): GraphProto => p.graph as GraphProto;

/** A model file the runtime cannot use; the message names the file and the reason. */
export class ModelFileError extends UserError {
  override name = 'ModelFileError';
}

export interface ParsedModel {
  proto: ModelProto;
  info: ModelInfo;
}

/** Decodes an exported model; `source` names it in messages. */
export function parseModel(bytes: Uint8Array, source: string): ParsedModel {
  let proto: ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFileError(`${source} is not a readable ONNX model (${(e as Error).message})`);
  }
  if (!proto.graph || !graphOf(proto).node.length) throw new ModelFileError(`${source} is not a readable ONNX model (no graph)`);
  const entry = proto.metadataProps.find((p) => p.key === INFO_KEY);
  if (entry && typeof entry.value !== 'string') throw new ModelFileError(`${source}: bad "${INFO_KEY}" metadata`);
  if (!entry) throw new ModelFileError(`${source} is an ONNX model but not one written by denet export (no "${INFO_KEY}" metadata)`);
  let info: ModelInfo;
  try {
    info = JSON.parse(entry.value as string);
  } catch {
    throw new ModelFileError(`${source}: its "${INFO_KEY}" metadata is not JSON`);
  }
  if (info.format !== INFO_FORMAT) throw new ModelFileError(`${source}: metadata format "${info.format}", this runtime reads ${INFO_FORMAT}`);
  return { proto, info };
}

/** The sub-model computing `outputs` from `inputs` (value infos taken from the full graph). */
function subModel(proto: ModelProto, nodes: NodeProto[], inputs: onnxProto.onnx.IValueInfoProto[], outputs: onnxProto.onnx.IValueInfoProto[]): Uint8Array {
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const g = graphOf(proto);
  const sub = onnx.ModelProto.create({
    irVersion: proto.irVersion,
    opsetImport: proto.opsetImport,
    producerName: proto.producerName,
    graph: { name: g.name, node: nodes, initializer: g.initializer.filter((t) => used.has(t.name as string)), input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(sub).finish();
}

/** A detector's backbone and head as two serialised models. */
export function splitDetector(proto: ModelProto, source: string): { backbone: Uint8Array; head: Uint8Array } {
  const g = graphOf(proto);
  const producer = new Map<string, number>();
  (g.node as NodeProto[]).forEach((n, i) => n.output.forEach((o) => producer.set(o, i)));
  const inBackbone = new Set<number>();
  const stack = ['features'];
  while (stack.length) {
    const i = producer.get(stack.pop()!);
    if (i === undefined || inBackbone.has(i)) continue;
    inBackbone.add(i);
    stack.push(...(g.node[i] as NodeProto).input);
  }
  const featuresInfo = g.output.find((o) => o.name === 'features');
  const roisInfo = g.input.find((o) => o.name === 'rois');
  if (!featuresInfo || !roisInfo || !inBackbone.size) throw new ModelFileError(`${source}: a detector graph needs the input "rois" and the output "features"`);
  const nodes = g.node as NodeProto[];
  const headNodes = nodes.filter((_, i) => !inBackbone.has(i));
  const inits = new Set(g.initializer.map((t) => t.name as string));
  const headMade = new Set(headNodes.flatMap((n) => n.output));
  const foreign = headNodes.flatMap((n) => n.input).filter((x) => x && !headMade.has(x) && !inits.has(x) && x !== 'features' && x !== 'rois');
  if (foreign.length) throw new ModelFileError(`${source}: the detector head reads "${foreign[0]}" from the backbone besides "features"`);
  return {
    backbone: subModel(proto, nodes.filter((_, i) => inBackbone.has(i)), g.input.filter((i) => i.name === 'images'), [featuresInfo]),
    head: subModel(proto, headNodes, [featuresInfo, roisInfo], g.output.filter((o) => o.name !== 'features')),
  };
}
