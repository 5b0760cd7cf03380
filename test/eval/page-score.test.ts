import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UiElement } from '../../src/perception/element.js';
import { findTextGrounder } from '../../tools/eval/grounder.js';
import { addScores, missReport, scorePage, summarize } from '../../tools/eval/page-score.js';
import { withEstimatedWords } from '../../tools/eval/estimated-words.js';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });

function element(id: string, text: string, b: ReturnType<typeof box>, words: Array<[string, number, number]>): UiElement {
  return {
    id,
    kind: 'text',
    text,
    box: b,
    confidence: 0.9,
    words: words.map(([t, x, w]) => ({ text: t, box: box(x, b.y, w, b.height), confidence: 0.9 })),
    blockId: 'b0',
    order: Number(id.slice(1)),
  };
}

// Two lines of truth: "Save file" and "Open recent". The engine reads the first right, misreads
// the second ("0pen recnt") and invents a third line.
const truth = {
  name: 'fixture',
  lines: [
    { text: 'Save file', box: box(10, 10, 90, 20) },
    { text: 'Open recent', box: box(10, 40, 110, 20) },
  ],
  words: [
    { text: 'Save', box: box(10, 10, 40, 20) },
    { text: 'file', box: box(60, 10, 40, 20) },
    { text: 'Open', box: box(10, 40, 40, 20) },
    { text: 'recent', box: box(60, 40, 60, 20) },
  ],
};
const read = [
  element('e0', 'Save file', box(9, 10, 92, 20), [['Save', 9, 41], ['file', 60, 41]]),
  element('e1', '0pen recnt', box(10, 41, 110, 19), [['0pen', 10, 40], ['recnt', 60, 60]]),
  element('e2', 'noise', box(300, 300, 50, 20), [['noise', 300, 50]]),
];

test('a page score counts lines, characters and grounding hits', () => {
  const s = summarize(scorePage(truth, read, findTextGrounder));
  assert.equal(s.precision, 2 / 3);
  assert.equal(s.recall, 1);
  // "Save file" exact; "Open recent" vs "0pen recnt": 2 edits over 11 characters.
  assert.equal(s.cer, 2 / 20);
  // Words: Save, file, Open, recent (the fuzzy fold finds 0pen and recnt). Phrases: "Save file", "Open recent".
  assert.equal(s.targets, 6);
  assert.equal(s.grounding, 1);
});

test('misses are classified: not detected, and grounded on the whole line', () => {
  const onlyLine = [element('e0', 'Save file', box(10, 10, 90, 20), [])];
  const score = scorePage(truth, onlyLine, findTextGrounder);
  const kinds = Object.fromEntries(missReport(score.misses).map((k) => [k.kind, k.count]));
  // Without word boxes "Save" and "file" resolve to the line box, whose centre (55, 20) is in neither
  // word; the whole phrase "Save file" is still right. Nothing was read on the second line.
  assert.deepEqual(kinds, { 'box off target': 2, 'not detected': 3 });
  assert.equal(summarize(score).grounding, 1 / 6);
});

test('scores add up over pages', () => {
  const one = scorePage(truth, read, findTextGrounder);
  const two = addScores(one, one);
  assert.equal(two.pages, 2);
  assert.equal(two.truthLines, 4);
  assert.equal(summarize(two).cer, summarize(one).cer);
});

test('proportional word boxes split a line by character counts', () => {
  const el = withEstimatedWords(element('e0', 'ab cdef', box(0, 0, 70, 10), []));
  assert.deepEqual(el.words.map((w) => [w.text, w.box.x, w.box.width]), [['ab', 0, 20], ['cdef', 30, 40]]);
});
