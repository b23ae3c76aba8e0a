/**
 * Parser and printer of the model description language: a list of tokens `TYPE.TAGS[ARGS]`.
 * `TYPE` is a registered layer type, `TAGS` single-character switches, `ARGS` comma-separated
 * numbers (trailing ones optional). A leading count is shorthand for the repeated types:
 * `3RSN[64]` is `nRSN[3,64]` and `4BRSN.O[512,3,2]` is `nBRSN.O[4,512,3,2]`.
 * Errors name the token, its 0-based index (the `layers.<index>` it would build) and what was expected.
 */
import type { LayerToken } from '../nn/layer.js';
import { UserError } from '../util/errors.js';
import { layerSpec, layerSpecs, unknownTypeMessage, type LayerSpec, type ResolvedArgs } from './registry.js';

/** Splits a description into tokens at whitespace outside brackets (`C[128, 3]` stays one token). */
export function tokenize(desc: string | string[]): string[] {
  const text = Array.isArray(desc) ? desc.join(' ') : desc;
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (/\s/.test(ch) && depth <= 0) {
      if (cur) out.push(cur);
      cur = '';
    } else if (!/\s/.test(ch)) cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export function tokenError(index: number, text: string, why: string): UserError {
  return new UserError(`token ${index} "${text}": ${why}`);
}

// Tags may be written together (`DND.JB`) or each after its own dot (`DND.J.B`).
const TOKEN_RE = /^(\d*)([A-Za-z][A-Za-z0-9_-]*?)((?:\.[A-Za-z]+)*)(?:\[([^\]]*)\])?$/;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses and validates one token against the registry. */
export function parseToken(text: string, index: number): LayerToken {
  const fail = (why: string) => tokenError(index, text, why);
  const m = TOKEN_RE.exec(text);
  if (!m) throw fail('expected TYPE, TYPE.TAGS, TYPE[ARGS] or TYPE.TAGS[ARGS] with numeric ARGS');
  const [, count, name, dotted = '', argText] = m;
  const tags = dotted.replaceAll('.', '');
  let type = name!;
  const args: number[] = [];
  if (count) {
    if (!layerSpec(`n${type}`)) throw fail(`a leading count needs a repeatable type (${layerSpecs().filter((s) => s.type.startsWith('n') && layerSpec(s.type.slice(1))).map((s) => s.type.slice(1)).join(', ')}), not ${type}`);
    type = `n${type}`;
    args.push(Number(count));
  }
  const spec = layerSpec(type);
  if (!spec) throw fail(unknownTypeMessage(type));
  const seen = new Set<string>();
  for (const t of tags) {
    if (!(t in spec.tags)) {
      const allowed = Object.keys(spec.tags);
      throw fail(`unknown tag ".${t}" for ${type}: ${allowed.length ? `expected ${allowed.map((a) => `.${a}`).join(', ')}` : 'it takes no tags'}`);
    }
    if (seen.has(t)) throw fail(`tag ".${t}" given twice`);
    seen.add(t);
  }
  if (argText !== undefined) {
    const parts = argText.split(',').map((s) => s.trim());
    if (!(parts.length === 1 && parts[0] === '' && !count)) {
      for (const p of parts) {
        if (!NUMBER_RE.test(p)) throw fail(`argument "${p}" is not a number`);
        args.push(Number(p));
      }
    }
  }
  if (args.length > spec.args.length) {
    throw fail(`too many arguments: ${type} takes at most ${spec.args.length} (${spec.args.map((a) => a.name).join(', ') || 'none'}), got ${args.length}`);
  }
  args.forEach((v, i) => checkArg(spec, i, v, fail));
  const required = spec.args.findIndex((a) => a.default === undefined);
  const lastRequired = spec.args.reduce((acc, a, i) => (a.default === undefined ? i : acc), -1);
  if (args.length <= lastRequired) {
    throw fail(`missing argument ${spec.args[Math.max(required, args.length)]!.name}: ${type} needs ${spec.args.slice(0, lastRequired + 1).map((a) => a.name).join(', ')}`);
  }
  const order = Object.keys(spec.tags);
  return { type, tags: [...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(''), args };
}

function checkArg(spec: LayerSpec, i: number, v: number, fail: (why: string) => UserError): void {
  const a = spec.args[i]!;
  if (!Number.isFinite(v)) throw fail(`${a.name} must be a finite number, got ${v}`);
  if (a.type === 'int' && !Number.isInteger(v)) throw fail(`${a.name} must be an integer, got ${v}`);
  if (a.min !== undefined && v < a.min) throw fail(`${a.name} must be at least ${a.min}, got ${v}`);
  if (a.max !== undefined && v > a.max) throw fail(`${a.name} must be at most ${a.max}, got ${v}`);
}

/** Named argument values: the given ones, then defaults (`'auto'` ones stay undefined). */
export function resolveArgs(spec: LayerSpec, token: LayerToken): ResolvedArgs {
  const out: ResolvedArgs = {};
  spec.args.forEach((a, i) => {
    const v = token.args[i] ?? a.default;
    out[a.name] = typeof v === 'number' ? v : undefined;
  });
  return out;
}

/** Parses a whole description. */
export function parseDescription(desc: string | string[]): LayerToken[] {
  const tokens = tokenize(desc);
  if (!tokens.length) throw new UserError('the model description is empty');
  return tokens.map((t, i) => parseToken(t, i));
}

/** Prints one token in canonical form (tags in registry order, numbers as JS prints them). */
export function printToken(t: LayerToken): string {
  return `${t.type}${t.tags ? `.${t.tags}` : ''}${t.args.length ? `[${t.args.map(String).join(',')}]` : ''}`;
}

/** Prints a description; it parses back to the same tokens. */
export function printDescription(tokens: LayerToken[]): string {
  return tokens.map(printToken).join(' ');
}

/**
 * Sets named arguments of a token (`--modify-layer`), filling earlier unset positions with their
 * defaults; an `'auto'` argument before a set one takes `autoValue(name)` (the value the layer
 * resolved). Returns a new token.
 */
export function setTokenArgs(spec: LayerSpec, token: LayerToken, values: Record<string, number>, autoValue: (name: string) => number | undefined): LayerToken {
  const args = [...token.args];
  for (const [key, v] of Object.entries(values)) {
    const i = spec.args.findIndex((a) => a.name === key);
    if (i < 0) throw new UserError(`${spec.type} has no argument "${key}": expected ${spec.args.map((a) => a.name).join(', ') || 'none'}`);
    for (let j = args.length; j < i; j++) {
      const d = spec.args[j]!.default;
      const fill = typeof d === 'number' ? d : autoValue(spec.args[j]!.name);
      if (fill === undefined) throw new UserError(`cannot set ${key} of ${spec.type} without ${spec.args[j]!.name}`);
      args.push(fill);
    }
    args[i] = v;
  }
  return { ...token, args };
}
