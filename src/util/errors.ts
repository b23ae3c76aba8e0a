/**
 * An error caused by the user's input (bad flag, malformed file, wrong shape). The CLI prints its
 * message as one line without a stack trace; anything else is a bug and shows more with --verbose.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/**
 * Builds the project's one message shape: "Expected <what> for <name> but received <value>" (a
 * string value quoted, any other value followed by its type, as sharp does).
 */
export function invalidArg(name: string, expected: string, value: unknown): UserError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : `${String(value)} of type ${typeof value}`;
  return new UserError(`Expected ${expected} for ${name} but received ${shown}`);
}
