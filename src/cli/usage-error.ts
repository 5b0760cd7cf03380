// A mistake in how the user called a command (bad flag, missing argument): a SightlineError the
// CLI prints as one sentence, exiting with `exitCode` (2 unless a command says otherwise).
import { SightlineError } from '../errors.js';

export class UsageError extends SightlineError {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super('ERR_USAGE', message);
    this.name = 'UsageError';
  }
}
