// The arithmetic of OCR evaluation: box matching, character error rate, grounding targets and hits.
// Pure functions over boxes and strings, so they are tested on hand-made cases.
import { centre, iou, pointNear, unionAll, type Rect } from '../../src/frames/rect.js';
import type { TextBox } from './dom-truth.js';

export interface LineMatch {
  truth: TextBox;
  detected: TextBox;
  iou: number;
}

export interface MatchResult {
  matches: LineMatch[];
  /** Truth lines left without a detection. */
  missed: TextBox[];
  /** Detections left without a truth line. */
  spurious: TextBox[];
}

/**
 * One-to-one matching at IoU ≥ threshold: pairs are taken greedily in order of falling IoU, each
 * box used at most once (the PASCAL VOC / ICDAR convention).
 */
export function matchBoxes(truth: TextBox[], detected: TextBox[], threshold = 0.5): MatchResult {
  const pairs: Array<{ t: number; d: number; iou: number }> = [];
  truth.forEach((tb, t) => {
    detected.forEach((db, d) => {
      const value = iou(tb.box, db.box);
      if (value >= threshold) pairs.push({ t, d, iou: value });
    });
  });
  pairs.sort((a, b) => b.iou - a.iou || a.t - b.t || a.d - b.d);
  const usedT = new Set<number>();
  const usedD = new Set<number>();
  const matches: LineMatch[] = [];
  for (const p of pairs) {
    if (usedT.has(p.t) || usedD.has(p.d)) continue;
    usedT.add(p.t);
    usedD.add(p.d);
    matches.push({ truth: truth[p.t]!, detected: detected[p.d]!, iou: p.iou });
  }
  return {
    matches,
    missed: truth.filter((_, i) => !usedT.has(i)),
    spurious: detected.filter((_, i) => !usedD.has(i)),
  };
}

/** Levenshtein distance over Unicode code points (insert, delete, substitute all cost 1). */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]!;
}

/** Whitespace collapsed to one space and trimmed: line breaks and spacing are layout, not text. */
function normalizeSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface CharErrors {
  /** Sum of edit distances. */
  errors: number;
  /** Sum of truth lengths in code points. */
  chars: number;
}

/** Errors and length of one truth/read pair; `ignoreSpaces` drops all whitespace first. */
export function charErrors(truth: string, read: string, ignoreSpaces = false): CharErrors {
  const clean = (s: string): string => (ignoreSpaces ? s.replace(/\s+/g, '') : normalizeSpaces(s));
  const t = clean(truth);
  return { errors: editDistance(t, clean(read)), chars: Array.from(t).length };
}

/** Character error rate pooled over pairs: total edits / total truth characters. */
export function cer(pairs: Array<{ truth: string; read: string }>, ignoreSpaces = false): number {
  let errors = 0;
  let chars = 0;
  for (const p of pairs) {
    const e = charErrors(p.truth, p.read, ignoreSpaces);
    errors += e.errors;
    chars += e.chars;
  }
  return chars === 0 ? 0 : errors / chars;
}

const EDGE_PUNCTUATION = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;

/** A token as a user would search for it: surrounding punctuation ("comma." → "comma") removed. */
export function queryText(token: string): string {
  return token.replace(EDGE_PUNCTUATION, '');
}

export interface GroundingTarget {
  query: string;
  kind: 'word' | 'phrase';
  /** Every place the query occurs as whole tokens: a hit on any of them is right. */
  boxes: Rect[];
}

/**
 * What grounding is asked to find on one page. Words: every distinct visible token (surrounding
 * punctuation removed; tokens of only punctuation skipped). Phrases: within each rendered line, the
 * 2 tokens starting at every token index ≡ 0 (mod 4) and the 3 tokens starting at every index ≡ 2
 * (mod 4) that fit in the line. A query that occurs several times is asked once and is right when
 * the top result lands in any occurrence — the query alone cannot say which one the user meant.
 */
export function groundingTargets(lines: TextBox[], words: TextBox[]): GroundingTarget[] {
  const lineWords = lines.map((line) =>
    words.filter((w) => pointNear(line.box, centre(w.box))).sort((a, b) => a.box.x - b.box.x),
  );
  // Phrases keep inner punctuation ("foo, bar"): only the outer edges are trimmed.
  const queryOf = (tokens: TextBox[]): string | null =>
    tokens.some((t) => queryText(t.text).length === 0) ? null : queryText(tokens.map((t) => t.text).join(' '));
  const sampled = new Map<string, GroundingTarget>();
  const sample = (kind: 'word' | 'phrase', tokens: TextBox[]): void => {
    const query = queryOf(tokens);
    if (query !== null && !sampled.has(`${tokens.length}\u0000${query}`)) {
      sampled.set(`${tokens.length}\u0000${query}`, { query, kind, boxes: [] });
    }
  };
  for (const tokens of lineWords) {
    tokens.forEach((t) => sample('word', [t]));
    for (let i = 0; i < tokens.length; i++) {
      const n = i % 4 === 0 ? 2 : i % 4 === 2 ? 3 : 0;
      if (n > 0 && i + n <= tokens.length) sample('phrase', tokens.slice(i, i + n));
    }
  }
  // Every occurrence, sampled or not, is a right answer.
  for (const tokens of lineWords) {
    for (let n = 1; n <= 3; n++) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const run = tokens.slice(i, i + n);
        const query = queryOf(run);
        const target = query === null ? undefined : sampled.get(`${n}\u0000${query}`);
        target?.boxes.push(unionAll(run.map((t) => t.box)));
      }
    }
  }
  return [...sampled.values()];
}

/** A target is found when the centre of the top result lies inside one of its true boxes. */
export function isHit(target: GroundingTarget, top: Rect | undefined): boolean {
  if (!top) return false;
  const p = centre(top);
  return target.boxes.some((b) => pointNear(b, p));
}

export function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}
