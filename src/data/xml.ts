/** Small XML helpers over fast-xml-parser: validated parsing with errors that name the file. */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UserError } from '../util/errors.js';

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'object' });

/** Reads and parses an XML file into plain objects (all leaf values are strings; `object` is always an array). */
export function readXml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: annotation file not found`);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new UserError(`${file}: malformed XML (line ${valid.err.line}: ${valid.err.msg})`);
  return parser.parse(text) as Record<string, unknown>;
}

/** Reads a numeric leaf, throwing a `UserError` naming the file and the field. */
export function xmlNumber(node: unknown, field: string, file: string): number {
  const v = (node as Record<string, unknown> | undefined)?.[field];
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UserError(`${file}: missing or non-numeric <${field}>`);
  return n;
}
