// Greedy CTC decoding (Graves et al., ICML 2006; PaddleOCR CTCLabelDecode): take the most likely
// class per step, merge repeats, drop blanks (class 0). Each kept character remembers the steps it
// came from, which places it horizontally: step t covers input columns [8t, 8t+8) of the resized line.
import type { Rect } from '../frames/rect.js';
import type { WordBox } from '../perception/element.js';
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
export function toLine(decoded: DecodedChar[], box: Rect, resizedWidth: number, blankBetween?: (from: number, to: number) => number): DecodedLine {
  const text = decoded.map((c) => c.char).join('').trim();
  if (decoded.length === 0 || text === '') return { text: '', confidence: 0, words: [] };
  const toFrame = box.width / resizedWidth;
  const centreOf = (c: DecodedChar): number => ((c.t0 + c.t1 + 1) / 2) * REC_STEP * toFrame;
  const pitches: number[] = [];
  for (let i = 1; i < decoded.length; i++) if (decoded[i]!.char !== ' ' && decoded[i - 1]!.char !== ' ') pitches.push(centreOf(decoded[i]!) - centreOf(decoded[i - 1]!));
  pitches.sort((a, b) => a - b);
  const pitch = pitches.length > 0 ? pitches[pitches.length >> 1]! : box.height * 0.5;
  const chars = withGapSpaces(decoded, centreOf, pitch, box.height, blankBetween);
  const centres = chars.map(centreOf);
  const half = pitch / 2;
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

/**
 * The Chinese PP-OCR recogniser often drops the space between words that DB merged into one line
 * (menu items "Tools  Help" read as "ToolsHelp", "European Time" as "EuropeanTime"). Two
 * neighbours are split by a space when the pixels between them hold a blank run wider than a
 * letter gap (a fifth of the line box's height), or, without pixels, when their centres lie
 * far beyond the line's pitch (CTC peaks jitter by a step, hence the wide margin).
 */
function withGapSpaces(chars: DecodedChar[], centreOf: (c: DecodedChar) => number, pitch: number, lineHeight: number, blankBetween?: (from: number, to: number) => number): DecodedChar[] {
  const out: DecodedChar[] = [];
  chars.forEach((c, i) => {
    const prev = chars[i - 1];
    if (prev && prev.char !== ' ' && c.char !== ' ') {
      const a = centreOf(prev);
      const b = centreOf(c);
      const split = blankBetween ? b - a > pitch * 1.2 && blankBetween(a, b) >= Math.max(3, lineHeight * 0.2) : b - a > Math.max(2.5 * pitch, 0.75 * lineHeight);
      if (split) out.push({ char: ' ', prob: 1, t0: prev.t1, t1: c.t0 });
    }
    out.push(c);
  });
  return out;
}
