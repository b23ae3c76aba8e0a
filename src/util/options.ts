/**
 * Program options as data: each program has one table of `OptionSpec`s (flag, value parser,
 * default, help, aliases, whether `--resume` compares it). src/cli/options.ts builds the commander
 * program and the typed config from a table; docs/cli.md is generated from the programs.
 * The value parsers below are the only ones the programs use; each failure is `invalidArg`'s line.
 */
import { invalidArg } from './errors.js';

export interface OptionSpec<T = unknown> {
  /** The flag without dashes (`lr` for `--lr`); `no-X` is a switch that is on by default. */
  flag: string;
  /** Commander's value syntax (`<rate>`, `<tokens...>`, `[path]`); absent for a switch. */
  value?: string;
  help: string;
  /** Turns the text (and the value so far, for lists) into the value; absent: the text itself. */
  parse?: (text: string, previous: T | undefined) => T;
  default?: T;
  /** Other accepted flags (without dashes): the original DeNet tool's names and earlier ones. */
  aliases?: readonly string[];
  /** Whether `--resume` warns when the value differs from the interrupted run's. */
  resume?: boolean;
  /** A one-line error when the flag is missing. */
  required?: boolean;
}

/** Declares one option; its config value is never undefined when it has a default or is required. */
export function option<T = string>(spec: OptionSpec<T> & { default: T }): OptionSpec<T> & { default: T };
export function option<T = string>(spec: OptionSpec<T> & { required: true }): OptionSpec<T> & { required: true };
export function option<T = string>(spec: OptionSpec<T>): OptionSpec<T>;
export function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

/** A switch: false unless given (`no-X` flags: true unless given). */
export function flag(name: string, help: string, o: { aliases?: readonly string[]; resume?: boolean } = {}): OptionSpec<boolean> & { default: boolean } {
  return { flag: name, help, default: name.startsWith('no-'), ...o };
}

export type OptionTable = Record<string, OptionSpec<any>>;

/** The typed config of a table: each key's value type, `| undefined` unless it has a default. */
export type ConfigOf<T extends OptionTable> = {
  [K in keyof T]: T[K] extends OptionSpec<infer V> ? (T[K] extends { default: unknown } | { required: true } ? V : V | undefined) : never;
};

// ---- value parsers ------------------------------------------------------------------------------

const numeric = (text: string) => (text.trim() === '' ? NaN : Number(text));

/** A number satisfying `ok`, or invalidArg naming `--flag` and what was expected. */
function numberParser(flag: string, expected: string, ok: (n: number) => boolean) {
  return (text: string): number => {
    const n = numeric(text);
    if (!Number.isFinite(n) || !ok(n)) throw invalidArg(`--${flag}`, expected, text);
    return n;
  };
}

export const positive = (flag: string) => numberParser(flag, 'a positive number', (n) => n > 0);
export const nonNegative = (flag: string) => numberParser(flag, 'a non-negative number', (n) => n >= 0);
export const positiveInt = (flag: string) => numberParser(flag, 'a positive integer', (n) => Number.isInteger(n) && n > 0);
export const nonNegativeInt = (flag: string) => numberParser(flag, 'a non-negative integer', (n) => Number.isInteger(n) && n >= 0);
export const integer = (flag: string) => numberParser(flag, 'an integer', Number.isInteger);
export const fraction = (flag: string) => numberParser(flag, 'a number in [0, 1]', (n) => n >= 0 && n <= 1);
/** A number in [0, 1) (a decay or momentum). */
export const belowOne = (flag: string, what: string) => numberParser(flag, `${what} in [0, 1)`, (n) => n >= 0 && n < 1);

/** One of `choices`. */
export function oneOf<C extends string>(flag: string, choices: readonly C[]) {
  return (text: string): C => {
    if (!(choices as readonly string[]).includes(text)) throw invalidArg(`--${flag}`, `one of ${choices.join(', ')}`, text);
    return text as C;
  };
}

/** A variadic option: each value through `one`, collected into a list. */
export function listOf<T>(one: (text: string) => T) {
  return (text: string, previous: T[] | undefined): T[] => [...(previous ?? []), one(text)];
}
