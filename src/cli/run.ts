import { CommanderError, type Command } from 'commander';
import { registerLayers } from '../layers.js';
import { UserError } from '../util/errors.js';

/** Whether the user asked for stack traces (--verbose anywhere on the command line, or DENET_VERBOSE=1). */
export function verbose(argv: string[] = process.argv): boolean {
  return argv.includes('--verbose') || process.env.DENET_VERBOSE === '1';
}

/**
 * Runs a program's main function: a failure prints one line naming the problem and exits non-zero;
 * the stack trace is shown only with --verbose.
 */
export async function runCli(main: (argv: string[]) => Promise<number | void>, argv: string[] = process.argv.slice(2)): Promise<void> {
  registerLayers();
  try {
    const code = await main(argv);
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (e) {
    const err = e as Error;
    if (verbose(argv)) console.error(err.stack ?? String(err));
    else console.error(`error: ${err instanceof UserError ? err.message : err?.message ?? String(err)}`);
    process.exitCode = err instanceof UserError ? 2 : 1;
  }
}

/**
 * Parses argv with a commander program (set here to throw instead of exiting, help on stdout,
 * nothing on stderr): returns false when --help was shown (the caller exits 0), true otherwise;
 * commander's own errors become one-line UserErrors.
 */
export function parseProgram(program: Command, argv: string[]): boolean {
  program.exitOverride().configureOutput({ writeOut: (t) => process.stdout.write(t), writeErr: () => {} });
  try {
    program.parse(argv, { from: 'user' });
    return true;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return false;
      throw new UserError(e.message.replace(/^error: /, ''));
    }
    throw e;
  }
}
