// Word boxes for an engine that reports only line boxes (the peer), so its lines can be grounded
// word by word the way its users would have to.
import type { UiElement } from '../../src/perception/element.js';

/**
 * The peer's line with word boxes estimated by splitting the line box in proportion to character
 * counts: what a user of the peer would do to click one word. Reported beside the peer as-is.
 */
export function withEstimatedWords(el: UiElement): UiElement {
  const chars = Array.from(el.text);
  if (chars.length === 0) return el;
  const perChar = el.box.width / chars.length;
  const words = [...el.text.matchAll(/\S+/g)].map((m) => {
    const start = Array.from(el.text.slice(0, m.index)).length;
    const len = Array.from(m[0]).length;
    const x = Math.round(el.box.x + start * perChar);
    const right = Math.round(el.box.x + (start + len) * perChar);
    return { text: m[0], box: { x, y: el.box.y, width: Math.max(1, right - x), height: el.box.height }, confidence: el.confidence };
  });
  return { ...el, words };
}
