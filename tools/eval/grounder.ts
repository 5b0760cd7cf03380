// Grounding as the runtime does it: the box of findText's top-ranked match.
import type { Rect } from '../../src/frames/rect.js';
import type { UiElement } from '../../src/perception/element.js';
import { findText } from '../../src/grounding/find-text.js';

export function findTextGrounder(elements: UiElement[], query: string): Rect | undefined {
  return findText(elements, query, { limit: 1 })[0]?.box;
}
