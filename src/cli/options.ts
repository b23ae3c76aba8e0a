/**
 * Builds a commander program from an option table (src/util/options.ts) and parses argv into the
 * table's typed config. Aliases are rewritten to their flag before commander sees them, so an old
 * name (`--learn-rate`, `--output-prefix`) works everywhere the new one does.
 */
import { Command, Option } from 'commander';
import type { ConfigOf, OptionSpec, OptionTable } from '../util/options.js';
import { UserError } from '../util/errors.js';
import { parseProgram } from './run.js';

const camel = (flag: string) => flag.replace(/^no-/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function addOption(program: Command, spec: OptionSpec): void {
  const aliases = spec.aliases?.length ? ` (also ${spec.aliases.map((a) => `--${a}`).join(', ')})` : '';
  const o = new Option(`--${spec.flag}${spec.value ? ` ${spec.value}` : ''}`, spec.help + (spec.required ? ' (required)' : '') + aliases);
  if (spec.parse) o.argParser((text: string, previous: unknown) => spec.parse!(text, previous));
  if (spec.default !== undefined && spec.value) o.default(spec.default);
  program.addOption(o);
}

/** The commander program of a table (help on stdout; errors as UserErrors through parseProgram). */
export function buildProgram(name: string, description: string, table: OptionTable): Command {
  const program = new Command(name).description(description).allowExcessArguments(false);
  for (const spec of Object.values(table)) addOption(program, spec);
  return program;
}

/** argv with every alias (`--old` or `--old=value`) replaced by its flag. */
export function resolveAliases(table: OptionTable, argv: string[]): string[] {
  const to = new Map<string, string>();
  for (const spec of Object.values(table)) for (const a of spec.aliases ?? []) to.set(`--${a}`, `--${spec.flag}`);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = to.get(name);
    out.push(flag ? flag + (eq > 0 ? arg.slice(eq) : '') : arg);
  }
  return out;
}

/**
 * Parses argv with the table's program into its typed config; undefined when --help was shown.
 * A missing required flag is a UserError naming it.
 */
export function parseOptions<T extends OptionTable>(program: Command, table: T, argv: string[]): ConfigOf<T> | undefined {
  if (!parseProgram(program, resolveAliases(table, argv))) return undefined;
  const opts = program.opts();
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    let v = opts[camel(spec.flag)];
    if (spec.flag.startsWith('no-')) v = v !== false;
    else if (!spec.value && v === undefined) v = false;
    if (spec.required && v === undefined) throw new UserError(`--${spec.flag}${spec.value ? ` ${spec.value.replace(/[<>[\]]/g, '').replace('...', '…').toUpperCase()}` : ''} is required`);
    config[key] = v;
  }
  return config as ConfigOf<T>;
}

/** The keys of a table whose options `--resume` compares with the interrupted run. */
export function resumeKeys<T extends OptionTable>(table: T): (keyof T & string)[] {
  return Object.entries(table).flatMap(([k, s]) => (s.resume ? [k] : []));
}
