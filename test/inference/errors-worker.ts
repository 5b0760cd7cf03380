// A worker for worker-rpc.test.ts: raises a SightlineError, a subclass and a plain bug.
import { serveWorker } from '../../src/inference/worker-rpc.js';
import { SightlineError } from '../../src/errors.js';
import { OcrError } from '../../src/ocr/errors.js';

export const errorsWorkerApi = {
  userMistake: async (file: string): Promise<never> => {
    throw new SightlineError('ERR_MODEL_MISSING', `model file not found: ${file}`, { file, hint: 'build it' });
  },
  ocrMistake: async (file: string): Promise<never> => {
    throw new OcrError('ERR_OCR_MODEL_INVALID', 'damaged', { file, hint: 'reinstall' });
  },
  bug: async (_: null): Promise<never> => {
    throw new TypeError('cannot read properties of undefined');
  },
  echo: async (value: number): Promise<number> => value,
};

export type ErrorsWorkerApi = typeof errorsWorkerApi;

serveWorker(errorsWorkerApi);
