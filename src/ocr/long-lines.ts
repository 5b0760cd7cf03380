// Very long line crops are read in pieces. PP-OCRv4 rec was trained on crops around 320x48
// (aspect ~7) and drops letters all along a line of aspect ~60 (a 1152x18 px line of small serif
// text, measured in docs/ocr-accuracy.md), so such a line is cut at word gaps into pieces of
// moderate aspect, each recognised alone, and the pieces' texts joined with spaces.
import type { Rect } from '../frames/rect.js';
import type { OcrImage } from './image.js';
import { InkColumns } from './ink-columns.js';

/** Pieces no wider than this many line heights. */
export const MAX_PIECE_ASPECT = 24;

export function splitLongLine(image: OcrImage, box: Rect, maxAspect = MAX_PIECE_ASPECT): Rect[] {
  const maxWidth = Math.floor(maxAspect * box.height);
  if (box.width <= maxWidth) return [box];
  const ink = new InkColumns(image, box);
  const pieces: Rect[] = [];
  let start = 0;
  while (box.width - start > maxWidth) {
    // Cut at the widest blank run in the back half of the allowed width: a word gap, ideally.
    const { at, length } = ink.widestBlank(start + maxWidth / 2, start + maxWidth);
    const cut = length > 0 ? at : start + maxWidth;
    pieces.push({ x: box.x + start, y: box.y, width: cut - start, height: box.height });
    start = cut;
  }
  pieces.push({ x: box.x + start, y: box.y, width: box.width - start, height: box.height });
  return pieces;
}
