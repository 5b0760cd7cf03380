// The one error model (DESIGN.md "Layout"): every error sightline raises on purpose is a
// SightlineError with a stable `code` (SCREAMING_SNAKE, `ERR_` prefix), a `message` that says what
// happened and a `hint` that says what to do. The CLI prints such an error as one sentence and exits
// 2; anything else is a bug and gets "internal error" with its stack. Errors cross worker threads
// and the WebSocket as `ErrorData`, never as a message to be parsed back.

/** The structured form of an error: what crosses a thread boundary or the protocol. */
export interface ErrorData {
  code: string;
  message: string;
  hint?: string;
  /** The file concerned, when there is one (a model, a recording, a checkpoint). */
  file?: string;
}

export interface ErrorOptions {
  hint?: string;
  file?: string;
  cause?: unknown;
}

export class SightlineError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly file: string | undefined;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SightlineError';
    this.code = code;
    this.hint = options.hint;
    this.file = options.file;
  }

  /** The line a person reads: what happened, then what to do. */
  get sentence(): string {
    const text = this.hint ? `${this.message}; ${this.hint}` : this.message;
    return /[.!?)]$/.test(text) ? text : `${text}.`;
  }

  toData(): ErrorData {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...(this.file ? { file: this.file } : {}) };
  }

  static fromData(data: ErrorData): SightlineError {
    return new SightlineError(data.code, data.message, { ...(data.hint ? { hint: data.hint } : {}), ...(data.file ? { file: data.file } : {}) });
  }
}

export function isSightlineError(err: unknown): err is SightlineError {
  return err instanceof SightlineError;
}
