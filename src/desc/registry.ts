/**
 * The layer registry the parser and the model builder look token types up in. It starts empty;
 * src/layers.ts, the one table of every layer type, fills it (`registerLayers()`, which the
 * library entry and every program call).
 */
import type { LayerSpec } from '../nn/layer.js';
import { UserError } from '../util/errors.js';

export type { ArgSpec, LayerSpec, ResolvedArgs } from '../nn/layer.js';

const registry = new Map<string, LayerSpec>();

/** Adds layer types; registering the same spec object again is a no-op, another spec under a taken name an error. */
export function registerLayerTypes(specs: readonly LayerSpec[]): void {
  for (const spec of specs) {
    const had = registry.get(spec.type);
    if (had === spec) continue;
    if (had) throw new Error(`layer type ${spec.type} is registered twice`);
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(spec.type)) throw new Error(`bad layer type name ${spec.type}`);
    registry.set(spec.type, spec);
  }
}

export function layerSpec(type: string): LayerSpec | undefined {
  return registry.get(type);
}

/** Why `name` is not a layer type: the known ones, or that none are registered yet. */
export function unknownTypeMessage(name: string): string {
  if (registry.size === 0) return `unknown layer type "${name}": no layer types are registered (call registerLayers() from src/layers.ts; the library entry does)`;
  return `unknown layer type "${name}": expected one of ${[...registry.keys()].join(', ')}`;
}

/** Looks a type up by its token name or an alias (case-sensitive for tokens, then aliases). */
export function findLayerSpec(name: string): LayerSpec {
  const s = registry.get(name) ?? [...registry.values()].find((r) => r.aliases?.includes(name) || r.type.toLowerCase() === name.toLowerCase());
  if (!s) throw new UserError(unknownTypeMessage(name));
  return s;
}

export function layerSpecs(): LayerSpec[] {
  return [...registry.values()];
}
