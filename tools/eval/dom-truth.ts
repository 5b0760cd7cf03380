// Ground truth for OCR evaluation, read from the DOM of a rendered page: where every visible word
// and every rendered line of text sits, in CSS pixels. The script runs inside the page
// (page.evaluate); it is plain JavaScript in a string because the project compiles without the DOM
// lib (adding it would change global types, e.g. setTimeout, for every other file).
import type { Rect } from '../../src/frames/rect.js';

export interface TextBox {
  text: string;
  box: Rect;
}

export interface DomText {
  words: TextBox[];
  lines: TextBox[];
}

/**
 * Runs in the page. Words come from Range.getClientRects() on each whitespace-separated token of
 * each text node; a word counts when its element is rendered visible (visibility, display,
 * effective opacity ≥ 0.1), at least 90% of it lies inside the viewport and every clipping
 * ancestor, and it is not covered by another element (hit test at its centre). Contrast is not
 * checked. Lines group the words of one block container that share a rendered line, split where
 * the horizontal gap exceeds one line height (the way a text detector separates table cells).
 */
export const DOM_TEXT_SCRIPT = String.raw`
(() => {
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const opacityCache = new Map();

  function effectiveOpacity(el) {
    if (!el) return 1;
    const cached = opacityCache.get(el);
    if (cached !== undefined) return cached;
    const value = Number(getComputedStyle(el).opacity) * effectiveOpacity(el.parentElement);
    opacityCache.set(el, value);
    return value;
  }

  function blockOf(el) {
    let cur = el;
    while (cur && cur !== document.body) {
      const display = getComputedStyle(cur).display;
      if (!display.startsWith('inline') && display !== 'contents') return cur;
      cur = cur.parentElement;
    }
    return document.body;
  }

  /** The part of the viewport not clipped away by overflow on any ancestor. */
  function visibleArea(el) {
    let left = 0;
    let top = 0;
    let right = vw;
    let bottom = vh;
    for (let cur = el; cur && cur !== document.documentElement; cur = cur.parentElement) {
      const style = getComputedStyle(cur);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const r = cur.getBoundingClientRect();
        left = Math.max(left, r.left);
        top = Math.max(top, r.top);
        right = Math.min(right, r.right);
        bottom = Math.min(bottom, r.bottom);
      }
    }
    return right > left && bottom > top ? new DOMRect(left, top, right - left, bottom - top) : null;
  }

  function transformText(text, transform) {
    if (transform === 'uppercase') return text.toUpperCase();
    if (transform === 'lowercase') return text.toLowerCase();
    if (transform === 'capitalize') return text.replace(/(^|\s)(\S)/g, (_m, s, c) => s + c.toUpperCase());
    return text;
  }

  function isShown(el, cx, cy) {
    const hit = document.elementFromPoint(cx, cy);
    return hit !== null && (hit === el || hit.contains(el));
  }

  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TEXTAREA|OPTION|TITLE)$/.test(el.tagName)) continue;
    if (!/\S/.test(node.data)) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || effectiveOpacity(el) < 0.1) continue;
    const clip = visibleArea(el);
    if (!clip) continue;
    const block = blockOf(el);
    const transform = style.textTransform;
    for (const m of node.data.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
      // A token split across lines (soft hyphen, break-all) has no single box: leave it out.
      if (rects.length !== 1) continue;
      const r = rects[0];
      const left = Math.max(r.left, clip.left);
      const top = Math.max(r.top, clip.top);
      const right = Math.min(r.right, clip.right);
      const bottom = Math.min(r.bottom, clip.bottom);
      if (right <= left || bottom <= top) continue;
      if ((right - left) * (bottom - top) < 0.9 * r.width * r.height) continue;
      if (!isShown(el, (left + right) / 2, (top + bottom) / 2)) continue;
      words.push({ text: transformText(m[0], transform), x: left, y: top, w: right - left, h: bottom - top, block });
    }
  }

  const lines = [];
  const byBlock = new Map();
  for (const w of words) {
    const list = byBlock.get(w.block) ?? [];
    list.push(w);
    byBlock.set(w.block, list);
  }
  for (const blockWords of byBlock.values()) {
    const rows = [];
    for (const w of blockWords) {
      const row = rows.find((r) => {
        const a = r[0];
        const overlap = Math.min(a.y + a.h, w.y + w.h) - Math.max(a.y, w.y);
        return overlap > 0.5 * Math.min(a.h, w.h);
      });
      if (row) row.push(w);
      else rows.push([w]);
    }
    for (const row of rows) {
      row.sort((a, b) => a.x - b.x);
      let segment = [];
      const flush = () => {
        if (segment.length === 0) return;
        const x = Math.min(...segment.map((s) => s.x));
        const y = Math.min(...segment.map((s) => s.y));
        const right = Math.max(...segment.map((s) => s.x + s.w));
        const bottom = Math.max(...segment.map((s) => s.y + s.h));
        let text = segment[0].text;
        for (let i = 1; i < segment.length; i++) {
          const prev = segment[i - 1];
          const gap = segment[i].x - (prev.x + prev.w);
          // Adjacent text nodes with no space between them ("foo<b>bar</b>") render as one word.
          text += (gap > 0.15 * prev.h ? ' ' : '') + segment[i].text;
        }
        lines.push({ text, box: { x, y, width: right - x, height: bottom - y } });
        segment = [];
      };
      for (const w of row) {
        const prev = segment[segment.length - 1];
        if (prev && w.x - (prev.x + prev.w) > Math.max(prev.h, w.h)) flush();
        segment.push(w);
      }
      flush();
    }
  }
  return {
    words: words.map((w) => ({ text: w.text, box: { x: w.x, y: w.y, width: w.w, height: w.h } })),
    lines,
  };
})()
`;

/** CSS-pixel box → physical-pixel box, rounded outward so the text stays inside. */
export function toPhysical(box: Rect, scale: number): Rect {
  const x = Math.floor(box.x * scale);
  const y = Math.floor(box.y * scale);
  return {
    x,
    y,
    width: Math.ceil((box.x + box.width) * scale) - x,
    height: Math.ceil((box.y + box.height) * scale) - y,
  };
}
