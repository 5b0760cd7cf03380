// Word breaks from the pixels: the PP-OCRv4 Chinese recogniser often drops the space between two
// English words, but on a screen a word space is a run of background columns several pixels wide,
// far wider than the gap between two letters of a word. This measures that run.
import type { Rect } from '../frames/rect.js';
import type { OcrImage } from './image.js';

/** Luminance difference from the background that counts as ink. */
const INK = 48;

export class InkColumns {
  private readonly ink: Uint8Array;

  /** Marks, for each column of `box`, whether any pixel in its middle rows differs from the background. */
  constructor(image: OcrImage, readonly box: Rect) {
    const { data, width } = image;
    const lum = (x: number, y: number): number => {
      const i = (y * width + x) * 4;
      return (data[i]! * 77 + data[i + 1]! * 150 + data[i + 2]! * 29) >> 8;
    };
    // The background is the commonest luminance along the box's top and bottom rows.
    const counts = new Uint32Array(256);
    for (let x = box.x; x < box.x + box.width; x++) {
      counts[lum(x, box.y)]!++;
      counts[lum(x, box.y + box.height - 1)]!++;
    }
    let bg = 0;
    for (let v = 1; v < 256; v++) if (counts[v]! > counts[bg]!) bg = v;
    this.ink = new Uint8Array(box.width);
    const y0 = box.y + Math.floor(box.height * 0.2);
    const y1 = box.y + Math.ceil(box.height * 0.8);
    for (let x = 0; x < box.width; x++) {
      for (let y = y0; y < y1; y++) {
        if (Math.abs(lum(box.x + x, y) - bg) > INK) {
          this.ink[x] = 1;
          break;
        }
      }
    }
  }

  /** Longest run of ink-free columns between crop-local x positions `from` and `to`. */
  longestBlank(from: number, to: number): number {
    let best = 0;
    let run = 0;
    for (let x = Math.max(0, Math.floor(from)); x < Math.min(this.ink.length, Math.ceil(to)); x++) {
      run = this.ink[x] ? 0 : run + 1;
      if (run > best) best = run;
    }
    return best;
  }

  /** The widest ink-free run between `from` and `to`: its middle column and its length. */
  widestBlank(from: number, to: number): { at: number; length: number } {
    let best = { at: Math.floor(to), length: 0 };
    let run = 0;
    const end = Math.min(this.ink.length, Math.ceil(to));
    for (let x = Math.max(0, Math.floor(from)); x < end; x++) {
      run = this.ink[x] ? 0 : run + 1;
      if (run > best.length) best = { at: x - Math.floor(run / 2), length: run };
    }
    return best;
  }
}
