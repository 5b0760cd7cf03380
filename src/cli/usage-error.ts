// A mistake of the user's (bad flag, no display, port in use): printed as one sentence, exit code 2,
// never a stack trace.
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Errors whose message is written for the user: ours, and those of sources/engines that carry a code. */
export function isUserFacing(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown })?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_');
}
