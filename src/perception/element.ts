// The element half of the Perception contract (DESIGN.md "Core contracts"): elements with stable
// ids across frames, in frame pixels, and the diffs that keep a subscriber's copy up to date.
// Every engine speaks it: OCR gives `text`, the widget detector and the VLM the other kinds.
import type { Rect } from '../frames/rect.js';

export const ELEMENT_KINDS = ['text', 'field', 'button', 'checkbox', 'icon', 'image', 'window'] as const;
export type ElementKind = (typeof ELEMENT_KINDS)[number];

/** What an element's state can be, where its kind has one (a checkbox's `checked`, a field's `focused`). */
export interface ElementState {
  checked?: boolean;
  focused?: boolean;
  disabled?: boolean;
}

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
  /** The text it shows, or its label (a button's caption, a field's placeholder); may be empty. */
  text: string;
  /** Box in frame pixels (relative to the captured region). */
  box: Rect;
  confidence: number;
  /** Word boxes of `text`; empty for elements read without them. */
  words: WordBox[];
  /** The block (paragraph, column, toolbar group) this element belongs to. */
  blockId: string;
  /** Position in reading order over the whole frame, 0-based. */
  order: number;
  state?: ElementState;
}

/** What changed in the element set on one frame. */
export interface ElementsDiff {
  seq: number;
  added: UiElement[];
  removed: string[];
  changed: UiElement[];
}

export function isEmptyDiff(diff: ElementsDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}
