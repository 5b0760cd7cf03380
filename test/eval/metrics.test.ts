import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cer,
  charErrors,
  editDistance,
  groundingTargets,
  isHit,
  matchBoxes,
  queryText,
} from '../../tools/eval/metrics.js';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
const tb = (text: string, x: number, y: number, width: number, height: number) => ({ text, box: box(x, y, width, height) });

test('matching is one-to-one and prefers the higher IoU', () => {
  const truth = [tb('a', 0, 0, 100, 10), tb('b', 0, 20, 100, 10)];
  // d0 overlaps a well (IoU 0.9) and d1 overlaps a a bit less (0.8); only one may take a.
  const detected = [tb('a', 0, 0, 90, 10), tb('a2', 0, 0, 80, 10), tb('b', 0, 21, 100, 10), tb('x', 500, 500, 10, 10)];
  const r = matchBoxes(truth, detected);
  assert.equal(r.matches.length, 2);
  assert.equal(r.matches.find((m) => m.truth.text === 'a')!.detected.text, 'a');
  assert.deepEqual(r.spurious.map((d) => d.text).sort(), ['a2', 'x']);
  assert.deepEqual(r.missed, []);
});

test('matching rejects IoU below the threshold and keeps it at exactly the threshold', () => {
  const truth = [tb('a', 0, 0, 100, 10)];
  assert.equal(matchBoxes(truth, [tb('a', 0, 0, 49, 10)]).matches.length, 0);
  assert.equal(matchBoxes(truth, [tb('a', 0, 0, 50, 10)]).matches.length, 1);
  assert.equal(matchBoxes(truth, [tb('a', 0, 0, 50, 10)], 0.6).missed.length, 1);
});

test('edit distance counts substitutions, insertions, deletions over code points', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('abc', ''), 3);
  assert.equal(editDistance('abc', 'abc'), 0);
  assert.equal(editDistance('flaw', 'lawn'), 2);
  // One astral code point is one character, not two UTF-16 units.
  assert.equal(editDistance('a😀b', 'ab'), 1);
});

test('CER pools edits over truth characters and normalises spacing', () => {
  assert.equal(charErrors('hello  world', 'hello world').errors, 0);
  assert.equal(charErrors('hello world', 'helloworld').errors, 1);
  assert.equal(charErrors('hello world', 'helloworld', true).errors, 0);
  // 1 edit over 4 chars and 0 over 6: pooled 1/10, not the mean of per-line rates (0.125).
  assert.equal(cer([{ truth: 'abcd', read: 'abed' }, { truth: 'efghij', read: 'efghij' }]), 0.1);
  assert.equal(cer([]), 0);
});

test('queries drop surrounding punctuation only', () => {
  assert.equal(queryText('comma.'), 'comma');
  assert.equal(queryText('(git-log)'), 'git-log');
  assert.equal(queryText('--'), '');
});

test('grounding targets: every word once, phrases by the mod-4 rule, all occurrences kept', () => {
  const lines = [tb('the cat, the dog sat', 0, 0, 500, 20), tb('the dog --', 0, 40, 300, 20)];
  const words = [
    tb('the', 0, 0, 30, 20),
    tb('cat,', 40, 0, 40, 20),
    tb('the', 90, 0, 30, 20),
    tb('dog', 130, 0, 30, 20),
    tb('sat', 170, 0, 30, 20),
    tb('the', 0, 40, 30, 20),
    tb('dog', 40, 40, 30, 20),
    tb('--', 80, 40, 20, 20),
  ];
  const targets = groundingTargets(lines, words);
  const byQuery = new Map(targets.map((t) => [t.query, t]));
  // Words: the, cat, dog, sat ("--" is punctuation only). Phrases from line 1: index 0 → "the cat,"
  // → trimmed to "the cat"; index 2 → "the dog sat". Line 2: index 0 → "the dog"; index 2 would be
  // "--" alone (no room for 3). "the dog" is not sampled on line 1 but its occurrence there counts.
  assert.deepEqual(targets.filter((t) => t.kind === 'word').map((t) => t.query).sort(), ['cat', 'dog', 'sat', 'the']);
  assert.deepEqual(targets.filter((t) => t.kind === 'phrase').map((t) => t.query).sort(), ['the cat', 'the dog', 'the dog sat']);
  assert.equal(byQuery.get('the')!.boxes.length, 3);
  assert.deepEqual(byQuery.get('the dog')!.boxes, [box(90, 0, 70, 20), box(0, 40, 70, 20)]);
  assert.deepEqual(byQuery.get('the dog sat')!.boxes, [box(90, 0, 110, 20)]);
});

test('a hit needs the centre of the top result inside a true box', () => {
  const target = { query: 'dog', kind: 'word' as const, boxes: [box(100, 0, 30, 20), box(0, 40, 30, 20)] };
  assert.equal(isHit(target, box(95, 2, 40, 16)), true); // centre (115, 10)
  assert.equal(isHit(target, box(0, 40, 30, 20)), true);
  assert.equal(isHit(target, box(0, 0, 100, 20)), false); // centre (50, 10): the line, not the word
  assert.equal(isHit(target, undefined), false);
});
