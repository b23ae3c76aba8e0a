/**
 * The layer registry: one entry per token type, with its arguments (names, types, defaults),
 * allowed tags and builder. Open: the detector layers (DNC/DNS/DND) register themselves the same
 * way. Argument names are what `--modify-layer TYPE key=value` uses.
 */
import type { BuildContext, Layer, LayerToken } from '../nn/layer.js';
import { UserError } from '../util/errors.js';

export interface ArgSpec {
  name: string;
  type: 'int' | 'number';
  /**
   * The default; `undefined` = required; `'auto'` = chosen by the layer from the input shape or
   * environment (for example the pool size, which defaults to the whole input).
   */
  default?: number | 'auto';
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  about?: string;
}

/** Arguments after defaults: a number, or undefined for an `'auto'` argument not given. */
export type ResolvedArgs = Record<string, number | undefined>;

export interface LayerSpec {
  type: string;
  about: string;
  /** Other names accepted by `--modify-layer` (for example `denet-sparse`). */
  aliases?: string[];
  args: ArgSpec[];
  /** Allowed single-character tags and what each does. */
  tags: Record<string, string>;
  /** An example token that builds on a 3×32×32 input after `SKIPSRC[9]` (the registry-wide test uses it). */
  example: string;
  /** Tokens the example needs before it (the detector layers need an earlier DNC or DNS); placed after `SKIPSRC[9]`. */
  examplePrefix?: string;
  build(token: LayerToken, args: ResolvedArgs, ctx: BuildContext): Layer;
}

const registry = new Map<string, LayerSpec>();

export function registerLayer(spec: LayerSpec): void {
  if (registry.has(spec.type)) throw new Error(`layer type ${spec.type} is registered twice`);
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(spec.type)) throw new Error(`bad layer type name ${spec.type}`);
  registry.set(spec.type, spec);
}

export function layerSpec(type: string): LayerSpec | undefined {
  return registry.get(type);
}

/** Looks a type up by its token name or an alias (case-sensitive for tokens, then aliases). */
export function findLayerSpec(name: string): LayerSpec {
  const s = registry.get(name) ?? [...registry.values()].find((r) => r.aliases?.includes(name) || r.type.toLowerCase() === name.toLowerCase());
  if (!s) throw new UserError(`unknown layer type "${name}": expected one of ${[...registry.keys()].join(', ')}`);
  return s;
}

export function layerSpecs(): LayerSpec[] {
  return [...registry.values()];
}
