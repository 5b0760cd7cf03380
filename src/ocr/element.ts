// The Perception contract (DESIGN.md): elements with stable ids across frames, in frame pixels.
import type { Rect } from '../frames/frame.js';

export type ElementKind = 'text';

/** One word inside a line, with its own box (from the CTC alignment) so it can be targeted alone. */
export interface WordBox {
  text: string;
  box: Rect;
  confidence: number;
}

/** A line of text on screen (for OCR), or another perceived element. */
export interface UiElement {
  /** Stable across frames while the element stays put and unchanged, e.g. "e12". */
  id: string;
  kind: ElementKind;
  text: string;
  /** Box in frame pixels (relative to the captured region). */
  box: Rect;
  confidence: number;
  words: WordBox[];
  /** The block (paragraph, column, toolbar group) this line belongs to. */
  blockId: string;
  /** Position in reading order over the whole frame, 0-based. */
  order: number;
}

/** What changed in the element set on one frame. */
export interface ElementsDiff {
  seq: number;
  added: UiElement[];
  removed: string[];
  changed: UiElement[];
}
