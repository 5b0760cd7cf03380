// Errors the OCR engine raises for a caller's or an installation's mistake, each with a stable
// code so that the pipeline and the protocol can report them without a stack trace.

export type OcrErrorCode =
  | 'OCR_MODEL_MISSING' // a model or charset file is not where it should be
  | 'OCR_MODEL_INVALID' // the file exists but is not the model it should be
  | 'OCR_BAD_FRAME' // pixel buffer and declared size disagree
  | 'OCR_CLOSED'; // the engine was used after close()

export class OcrError extends Error {
  constructor(
    readonly code: OcrErrorCode,
    message: string,
    /** The file concerned, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'OcrError';
  }
}

/** Rebuilds an OcrError that crossed the worker boundary (WorkerCallError keeps message and code). */
export function asOcrError(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('OCR_')) {
    const message = e.message ?? 'OCR error';
    const file = /\nfile: (.+)$/.exec(message)?.[1];
    return new OcrError(e.code as OcrErrorCode, message.replace(/\nfile: .+$/, ''), file);
  }
  return err;
}
