// Greedy CTC decoding (Graves et al., ICML 2006; PaddleOCR CTCLabelDecode): take the most likely
// class per step, merge repeats, drop blanks (class 0). Each kept character remembers the steps it
// came from, which places it horizontally: step t covers input columns [8t, 8t+8) of the resized line.
import type { Rect } from '../frames/frame.js';
import type { WordBox } from './element.js';
import type { Charset } from './charset.js';
import { REC_STEP } from './rec-preprocess.js';

export interface DecodedChar {
  char: string;
  prob: number;
  /** First and last CTC step of the character's run. */
  t0: number;
  t1: number;
}

/** Decodes sequence `n` of a [N, T, C] softmax output. */
export function ctcGreedy(output: Float32Array, n: number, steps: number, classes: number, charset: Charset): DecodedChar[] {
  const chars: DecodedChar[] = [];
  let prev = 0;
  for (let t = 0; t < steps; t++) {
    const base = (n * steps + t) * classes;
    let best = 0;
    let bestP = output[base]!;
    for (let c = 1; c < classes; c++) {
      const p = output[base + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best === prev) {
      const last = chars[chars.length - 1]!;
      last.t1 = t;
      if (bestP > last.prob) last.prob = bestP;
    } else if (best !== 0) {
      chars.push({ char: charset.classes[best] ?? '', prob: bestP, t0: t, t1: t });
    }
    prev = best;
  }
  return chars;
}

export interface DecodedLine {
  text: string;
  confidence: number;
  words: WordBox[];
}

/**
 * Turns decoded characters into the line's text and word boxes in frame pixels. `box` is the
 * crop in the frame, `resizedWidth` its width at height 48. A character's extent is half the
 * typical character pitch either side of its centre (CTC peaks are narrower than the glyphs).
 */
export function toLine(chars: DecodedChar[], box: Rect, resizedWidth: number): DecodedLine {
  const text = chars.map((c) => c.char).join('').trim();
  if (chars.length === 0 || text === '') return { text: '', confidence: 0, words: [] };
  const toFrame = box.width / resizedWidth;
  const centres = chars.map((c) => ((c.t0 + c.t1 + 1) / 2) * REC_STEP * toFrame);
  const pitches: number[] = [];
  for (let i = 1; i < chars.length; i++) if (chars[i]!.char !== ' ' && chars[i - 1]!.char !== ' ') pitches.push(centres[i]! - centres[i - 1]!);
  pitches.sort((a, b) => a - b);
  const half = (pitches.length > 0 ? pitches[pitches.length >> 1]! : box.height * 0.5) / 2;
  const words: WordBox[] = [];
  let start = -1;
  const flush = (end: number): void => {
    if (start < 0) return;
    const slice = chars.slice(start, end);
    const x0 = Math.max(0, centres[start]! - half);
    const x1 = Math.min(box.width, centres[end - 1]! + half);
    words.push({
      text: slice.map((c) => c.char).join(''),
      box: { x: Math.floor(box.x + x0), y: box.y, width: Math.max(1, Math.ceil(box.x + x1) - Math.floor(box.x + x0)), height: box.height },
      confidence: slice.reduce((s, c) => s + c.prob, 0) / slice.length,
    });
    start = -1;
  };
  chars.forEach((c, i) => {
    if (c.char === ' ') flush(i);
    else if (start < 0) start = i;
  });
  flush(chars.length);
  const kept = chars.filter((c) => c.char !== ' ');
  const confidence = kept.reduce((s, c) => s + c.prob, 0) / Math.max(1, kept.length);
  return { text: words.map((w) => w.text).join(' '), confidence, words };
}
