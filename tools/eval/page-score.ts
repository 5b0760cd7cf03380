// Scores what an OCR engine read on one rendered page against the page's DOM ground truth, and
// sums scores over pages. Both engines (sightline and the peer) are scored by this same code.
import { intersects, type Rect } from '../../src/frames/rect.js';
import type { UiElement } from '../../src/perception/element.js';
import type { TextBox } from './dom-truth.js';
import { charErrors, groundingTargets, isHit, matchBoxes, ratio, type GroundingTarget } from './metrics.js';

/** Where the engine says `query` is: the box of its top result, if any. */
export type Grounder = (elements: UiElement[], query: string) => Rect | undefined;

export type MissKind = 'not detected' | 'misread' | 'box off target' | 'wrong place';

export interface GroundingMiss {
  page: string;
  query: string;
  kind: MissKind;
  /** What the engine read where the target is (for misreads). */
  read?: string;
}

export interface Score {
  pages: number;
  truthLines: number;
  detectedLines: number;
  matchedLines: number;
  charErrors: number;
  chars: number;
  charErrorsNoSpace: number;
  charsNoSpace: number;
  wordTargets: number;
  wordHits: number;
  phraseTargets: number;
  phraseHits: number;
  misses: GroundingMiss[];
}

export function emptyScore(): Score {
  return {
    pages: 0,
    truthLines: 0,
    detectedLines: 0,
    matchedLines: 0,
    charErrors: 0,
    chars: 0,
    charErrorsNoSpace: 0,
    charsNoSpace: 0,
    wordTargets: 0,
    wordHits: 0,
    phraseTargets: 0,
    phraseHits: 0,
    misses: [],
  };
}

export interface PageTruth {
  name: string;
  lines: TextBox[];
  words: TextBox[];
}

export function scorePage(truth: PageTruth, elements: UiElement[], ground: Grounder): Score {
  const score = emptyScore();
  score.pages = 1;
  const detected = elements.map((e) => ({ text: e.text, box: e.box }));
  const match = matchBoxes(truth.lines, detected);
  score.truthLines = truth.lines.length;
  score.detectedLines = detected.length;
  score.matchedLines = match.matches.length;
  for (const m of match.matches) {
    const withSpaces = charErrors(m.truth.text, m.detected.text);
    const noSpaces = charErrors(m.truth.text, m.detected.text, true);
    score.charErrors += withSpaces.errors;
    score.chars += withSpaces.chars;
    score.charErrorsNoSpace += noSpaces.errors;
    score.charsNoSpace += noSpaces.chars;
  }
  for (const target of groundingTargets(truth.lines, truth.words)) {
    const top = ground(elements, target.query);
    const hit = isHit(target, top);
    if (target.kind === 'word') {
      score.wordTargets++;
      if (hit) score.wordHits++;
    } else {
      score.phraseTargets++;
      if (hit) score.phraseHits++;
    }
    if (!hit) score.misses.push(classifyMiss(truth.name, target, top, elements));
  }
  return score;
}

/** Why a target was missed, judged from its first occurrence: the failure kinds tuning needs. */
function classifyMiss(page: string, target: GroundingTarget, top: Rect | undefined, elements: UiElement[]): GroundingMiss {
  const where = target.boxes[0]!;
  const covering = elements.filter((e) => intersects(e.box, where));
  if (covering.length === 0) return { page, query: target.query, kind: 'not detected' };
  if (top && target.boxes.some((b) => intersects(b, top))) return { page, query: target.query, kind: 'box off target' };
  const read = covering.map((e) => e.text).join(' | ');
  if (!top || !read.includes(target.query)) return { page, query: target.query, kind: 'misread', read };
  return { page, query: target.query, kind: 'wrong place', read };
}

export function addScores(a: Score, b: Score): Score {
  return {
    pages: a.pages + b.pages,
    truthLines: a.truthLines + b.truthLines,
    detectedLines: a.detectedLines + b.detectedLines,
    matchedLines: a.matchedLines + b.matchedLines,
    charErrors: a.charErrors + b.charErrors,
    chars: a.chars + b.chars,
    charErrorsNoSpace: a.charErrorsNoSpace + b.charErrorsNoSpace,
    charsNoSpace: a.charsNoSpace + b.charsNoSpace,
    wordTargets: a.wordTargets + b.wordTargets,
    wordHits: a.wordHits + b.wordHits,
    phraseTargets: a.phraseTargets + b.phraseTargets,
    phraseHits: a.phraseHits + b.phraseHits,
    misses: [...a.misses, ...b.misses],
  };
}

export interface Summary {
  pages: number;
  precision: number;
  recall: number;
  cer: number;
  cerNoSpace: number;
  wordGrounding: number;
  phraseGrounding: number;
  grounding: number;
  targets: number;
}

export function summarize(s: Score): Summary {
  return {
    pages: s.pages,
    precision: ratio(s.matchedLines, s.detectedLines),
    recall: ratio(s.matchedLines, s.truthLines),
    cer: ratio(s.charErrors, s.chars),
    cerNoSpace: ratio(s.charErrorsNoSpace, s.charsNoSpace),
    wordGrounding: ratio(s.wordHits, s.wordTargets),
    phraseGrounding: ratio(s.phraseHits, s.phraseTargets),
    grounding: ratio(s.wordHits + s.phraseHits, s.wordTargets + s.phraseTargets),
    targets: s.wordTargets + s.phraseTargets,
  };
}

/** Misses grouped by kind, most frequent first, with a few examples each. */
export function missReport(misses: GroundingMiss[], examples = 4): Array<{ kind: MissKind; count: number; examples: GroundingMiss[] }> {
  const byKind = new Map<MissKind, GroundingMiss[]>();
  for (const m of misses) byKind.set(m.kind, [...(byKind.get(m.kind) ?? []), m]);
  return [...byKind.entries()]
    .map(([kind, list]) => ({ kind, count: list.length, examples: spread(list, examples) }))
    .sort((a, b) => b.count - a.count);
}

/** `n` items spread evenly over the list, so examples are not all from the first page. */
export function spread<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]!);
}
