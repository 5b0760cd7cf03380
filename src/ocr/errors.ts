// Errors the OCR engine raises for a caller's or an installation's mistake: SightlineErrors with
// stable codes, so that the pipeline, the protocol and the CLI report them without a stack trace.
import { SightlineError, type ErrorData, type ErrorOptions } from '../errors.js';

export type OcrErrorCode =
  | 'ERR_OCR_MODEL_MISSING' // a model or charset file is not where it should be
  | 'ERR_OCR_MODEL_INVALID' // the file exists but is not the model it should be
  | 'ERR_OCR_BAD_FRAME' // pixel buffer and declared size disagree
  | 'ERR_OCR_CLOSED'; // the engine was used after close()

export class OcrError extends SightlineError {
  declare readonly code: OcrErrorCode;

  /** `file` may be given alone (the file concerned) or with a hint and cause. */
  constructor(code: OcrErrorCode, message: string, fileOrOptions: string | ErrorOptions = {}) {
    super(code, message, typeof fileOrOptions === 'string' ? { file: fileOrOptions } : fileOrOptions);
    this.name = 'OcrError';
  }
}

/** Rebuilds the OcrError a worker raised from the structured data that crossed the thread boundary. */
export function ocrErrorFromData(data: ErrorData): SightlineError {
  if (!data.code.startsWith('ERR_OCR_')) return SightlineError.fromData(data);
  return new OcrError(data.code as OcrErrorCode, data.message, { ...(data.hint ? { hint: data.hint } : {}), ...(data.file ? { file: data.file } : {}) });
}
