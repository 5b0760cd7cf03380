// Finding a text target among OCR elements: "click Save" must land on the word Save even when it
// sits inside a longer line, reads "Sa ve" or "SAVE", or came out of OCR as "Sav3". Matches are
// tried from strict to loose — exact, normalised (case, spacing), fuzzy (OCR confusions folded,
// then edit distance) — and ranked in that order, then by score and by OCR confidence.
import { horizontalSlice, union, type Rect } from '../frames/rect.js';
import type { UiElement, WordBox } from '../perception/element.js';

export type MatchKind = 'exact' | 'normalized' | 'fuzzy';

export interface TextMatch {
  element: UiElement;
  /** The word hit, when the match lies inside one word of the line. */
  word?: WordBox;
  /** Box of the matched span in frame pixels (the words it covers, or the line). */
  box: Rect;
  /** The matched span of the element's text, and its [start, end) offsets in it. */
  text: string;
  span: [number, number];
  /** OCR confidence of the covered words (or the line). */
  confidence: number;
  how: MatchKind;
  /** 1 for an exact match, down to `minScore` for the loosest fuzzy one. */
  score: number;
}

export interface FindTextOptions {
  /** Fuzzy matches scoring below this (1 − edits/length) are dropped; default 0.7. */
  minScore?: number;
  /** At most this many matches; default all. */
  limit?: number;
}

const RANK: Record<MatchKind, number> = { exact: 0, normalized: 1, fuzzy: 2 };

/** Score of an exact or normalised match. */
const FULL_SCORE = 1;
/**
 * Score of a fuzzy match with no edit left once OCR confusions are folded ("Sav3" for "Save"):
 * below a true match of the same text, above any match that needed an edit in a word of up to 19 letters.
 */
const FOLDED_SCORE = 0.95;

export function findText(elements: readonly UiElement[], query: string, opts: FindTextOptions = {}): TextMatch[] {
  const minScore = opts.minScore ?? 0.7;
  const q = query.trim();
  if (q === '') return [];
  const qNorm = normalise(q).text;
  const qFold = fold(q).text;
  if (qNorm === '') return [];
  const matches: TextMatch[] = [];
  for (const el of elements) {
    const m = matchElement(el, q, qNorm, qFold, minScore);
    if (m) matches.push(m);
  }
  // A whole-word match beats a part-word one of any kind: "save" should find the Save button
  // before the inside of "Unsaved".
  matches.sort(
    (a, b) =>
      wholeWords(b) - wholeWords(a) ||
      tokenEdges(b) - tokenEdges(a) ||
      RANK[a.how] - RANK[b.how] ||
      b.score - a.score ||
      wholeness(b) - wholeness(a) ||
      b.confidence - a.confidence ||
      a.element.order - b.element.order,
  );
  return opts.limit === undefined ? matches : matches.slice(0, opts.limit);
}

function matchElement(el: UiElement, q: string, qNorm: string, qFold: string, minScore: number): TextMatch | null {
  const exact = bestOccurrence(el.text, allIndices(el.text, q).map((i) => [i, i + q.length] as const));
  if (exact) return spanMatch(el, exact[0], exact[1], 'exact', FULL_SCORE);
  const norm = normalise(el.text);
  const spans = allIndices(norm.text, qNorm).map((n) => [norm.map[n]!, norm.map[n + qNorm.length - 1]! + 1] as const);
  const normalized = bestOccurrence(el.text, spans);
  if (normalized) return spanMatch(el, normalized[0], normalized[1], 'normalized', FULL_SCORE);
  const folded = fold(el.text);
  const best = approximateSubstring(folded.text, qFold);
  if (!best) return null;
  const score = best.distance === 0 ? FOLDED_SCORE : 1 - best.distance / qFold.length;
  if (score < minScore) return null;
  return spanMatch(el, folded.map[best.start]!, folded.map[best.end - 1]! + 1, 'fuzzy', score);
}

function allIndices(text: string, q: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(q); i >= 0; i = text.indexOf(q, i + 1)) out.push(i);
  return out;
}

/**
 * Of several occurrences in one line, the one on word boundaries: in "submit it now" the query
 * "it" means the word, not the end of "submit". Ties go to the first.
 */
function bestOccurrence(text: string, spans: ReadonlyArray<readonly [number, number]>): readonly [number, number] | null {
  let best: readonly [number, number] | null = null;
  let bestScore = -1;
  for (const span of spans) {
    const score = boundaries(text, span[0], span[1]) * 4 + tokenEdgeScore(text, span[0], span[1]);
    if (score > bestScore) {
      best = span;
      bestScore = score;
    }
  }
  return best;
}

/** 2 when [start, end) is bounded by non-word characters (or the line's ends) on both sides. */
function boundaries(text: string, start: number, end: number): number {
  const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
  return (isWord(text[start - 1]) ? 0 : 1) + (isWord(text[end]) ? 0 : 1);
}

/**
 * How cleanly [start, end) stands as a whole token, 0..2: one point per side that reaches
 * whitespace or the line's end, directly or through punctuation only ("(1.1),"). Section numbers
 * need it: "1.1" is a whole word by `boundaries` inside "1.1.2" and "11.1.1", but only the
 * standalone "1.1" is the token a user asked for.
 */
function tokenEdgeScore(text: string, start: number, end: number): number {
  const clean = (from: number, step: -1 | 1): number => {
    for (let j = from; ; j += step) {
      const c = text[j];
      if (c === undefined || /\s/u.test(c)) return 1;
      if (/[\p{L}\p{N}_]/u.test(c)) return 0;
    }
  };
  return clean(start - 1, -1) + clean(end, 1);
}

interface Mapped {
  text: string;
  /** Index in the original string of each character of `text`. */
  map: number[];
}

/** Lower case, no whitespace, compatibility forms unified (NFKC, per character to keep the map). */
export function normalise(s: string): Mapped {
  const out: Mapped = { text: '', map: [] };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (/\s/.test(ch)) continue;
    // One map entry per UTF-16 unit, so that indices into `text` (emoji included) stay aligned.
    const folded = ch.normalize('NFKC').toLowerCase();
    out.text += folded;
    for (let k = 0; k < folded.length; k++) out.map.push(i);
  }
  return out;
}

/**
 * normalise(), then the confusions OCR makes on UI fonts folded to one form: O/0/o, I/l/1/|/!/i,
 * 5→s, 8→b, then rn→m, vv→w, cl→d (after the singles, so "c1" folds like "cl"). Applied to both
 * sides, so "C1ose" finds "Close" and "rnenu" finds "menu".
 */
export function fold(s: string): Mapped {
  const n = normalise(s);
  const singles = n.text.split('').map((c) => SINGLES[c] ?? c).join('');
  const out: Mapped = { text: '', map: [] };
  for (let i = 0; i < singles.length; i++) {
    const merged = PAIRS[singles.slice(i, i + 2)];
    out.text += merged ?? singles[i]!;
    out.map.push(n.map[i]!);
    if (merged) i++;
  }
  return out;
}

const PAIRS: Record<string, string> = { rn: 'm', vv: 'w', cl: 'd' };
const SINGLES: Record<string, string> = { '0': 'o', '1': 'l', i: 'l', '|': 'l', '!': 'l', '5': 's', '8': 'b', '$': 's' };

/**
 * Best approximate occurrence of `pattern` in `text` (Sellers, 1980: edit distance with a free
 * start and end in the text). Returns the span [start, end) with the fewest edits.
 */
export function approximateSubstring(text: string, pattern: string): { start: number; end: number; distance: number } | null {
  const m = pattern.length;
  const n = text.length;
  if (m === 0 || n === 0) return null;
  let prev = new Array<number>(n + 1).fill(0);
  let prevStart = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1);
    const curStart = new Array<number>(n + 1);
    cur[0] = i;
    curStart[0] = 0;
    for (let j = 1; j <= n; j++) {
      const sub = prev[j - 1]! + (pattern[i - 1] === text[j - 1] ? 0 : 1);
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      if (sub <= del && sub <= ins) {
        cur[j] = sub;
        curStart[j] = prevStart[j - 1]!;
      } else if (del <= ins) {
        cur[j] = del;
        curStart[j] = prevStart[j]!;
      } else {
        cur[j] = ins;
        curStart[j] = curStart[j - 1]!;
      }
    }
    prev = cur;
    prevStart = curStart;
  }
  let best = -1;
  for (let j = 1; j <= n; j++) if (best < 0 || prev[j]! < prev[best]!) best = j;
  const start = prevStart[best]!;
  if (best <= start) return null;
  return { start, end: best, distance: prev[best]! };
}

/** Builds the match for characters [start, end) of the element's text, boxed by the words they touch. */
function spanMatch(el: UiElement, start: number, end: number, how: MatchKind, score: number): TextMatch {
  const text = el.text.slice(start, end);
  const span: [number, number] = [start, end];
  const ranges = wordRanges(el);
  const touched = ranges.filter((r) => r.start < end && r.end > start);
  if (touched.length === 0) return { element: el, box: el.box, text, span, confidence: el.confidence, how, score };
  if (touched.length === 1) {
    const r = touched[0]!;
    const word = r.word;
    const box = start > r.start || end < r.end ? horizontalSlice(word.box, (start - r.start) / r.length, (Math.min(end, r.end) - r.start) / r.length) : word.box;
    return { element: el, word, box, text, span, confidence: word.confidence, how, score };
  }
  let box = touched[0]!.word.box;
  for (const r of touched.slice(1)) box = union(box, r.word.box);
  const confidence = touched.reduce((s, r) => s + r.word.confidence, 0) / touched.length;
  return { element: el, box, text, span, confidence, how, score };
}

interface WordRange {
  word: WordBox;
  start: number;
  end: number;
  length: number;
}

/** Where each word sits in the element's text (words appear in order, separated by spaces). */
function wordRanges(el: UiElement): WordRange[] {
  const out: WordRange[] = [];
  let from = 0;
  for (const word of el.words) {
    const at = el.text.indexOf(word.text, from);
    if (at < 0) return [];
    out.push({ word, start: at, end: at + word.text.length, length: Math.max(1, word.text.length) });
    from = at + word.text.length;
  }
  return out;
}

function tokenEdges(m: TextMatch): number {
  return tokenEdgeScore(m.element.text, m.span[0], m.span[1]);
}

function wholeWords(m: TextMatch): number {
  return boundaries(m.element.text, m.span[0], m.span[1]) === 2 ? 1 : 0;
}

/** 1 when the match covers the whole line, 0.5 when whole words, 0 for part of a word. */
function wholeness(m: TextMatch): number {
  if (m.text.trim() === m.element.text.trim()) return 1;
  if (m.word) return m.text === m.word.text ? 0.5 : 0;
  return 0.5;
}
