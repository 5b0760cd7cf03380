// The CTC class table of PP-OCRv4 recognition (PaddleOCR ppocr/postprocess/rec_postprocess.py,
// CTCLabelDecode): class 0 is the CTC blank, classes 1..n are the lines of ppocr_keys_v1.txt in
// order, and with use_space_char the last class is ' '. For ppocr_keys_v1 that is 1 + 6623 + 1 = 6625,
// which is the size of the model's output axis; a mismatch means the wrong charset.
import { readFileSync } from 'node:fs';
import { invalidModel, missingModel } from './model-files.js';

export interface Charset {
  /** Index = CTC class; index 0 (blank) is ''. */
  readonly classes: readonly string[];
}

export function loadCharset(path: string): Charset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw missingModel(path, 'charset');
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 10 || lines.some((l) => [...l].length !== 1)) {
    throw invalidModel(path, 'OCR charset must hold one character per line');
  }
  return { classes: ['', ...lines, ' '] };
}

/** Throws when the recognition model's class count does not match the charset. */
export function checkCharsetMatches(charset: Charset, modelClasses: number, charsetPath: string): void {
  if (charset.classes.length !== modelClasses) {
    throw invalidModel(charsetPath, `OCR charset has ${charset.classes.length - 2} characters but the recognition model expects ${modelClasses - 2}`);
  }
}
