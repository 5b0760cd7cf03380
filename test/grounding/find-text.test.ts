// findText: ranking from exact to fuzzy, OCR-confusion tolerance, and targeting one word or a
// phrase inside a longer line through the word boxes; then on a real OCR read of a rendered page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findText, approximateSubstring, fold } from '../../src/grounding/find-text.js';
import type { UiElement, WordBox } from '../../src/perception/element.js';
import { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { PageRenderer } from '../../tools/eval/render-page.js';
import { formPage, pageFrame } from '../helpers/ocr-pages.js';
import { centre, pointNear } from '../../src/frames/rect.js';

/** A line at (x, y) whose words are 10 px per character with one 10 px space between. */
function line(id: string, text: string, x: number, y: number, confidence = 0.95, order = 0): UiElement {
  const words: WordBox[] = [];
  let cx = x;
  for (const w of text.split(' ')) {
    words.push({ text: w, box: { x: cx, y, width: w.length * 10, height: 20 }, confidence });
    cx += (w.length + 1) * 10;
  }
  return { id, kind: 'text', text, box: { x, y, width: text.length * 10, height: 20 }, confidence, words, blockId: 'b0', order };
}

test('an exact whole line ranks before the same text inside a longer line', () => {
  const els = [line('a', 'Save As', 0, 0, 0.99, 0), line('b', 'Save', 0, 30, 0.9, 1), line('c', 'Unsaved changes', 0, 60, 0.99, 2)];
  const matches = findText(els, 'Save');
  assert.deepEqual(matches.map((m) => m.element.id), ['b', 'a', 'c']);
  assert.deepEqual(matches.map((m) => m.how), ['exact', 'exact', 'normalized']);
  assert.equal(matches[0]!.score, 1);
});

test('prefers the occurrence on word boundaries, in a line and across lines', () => {
  const [it] = findText([line('a', 'submit it now', 0, 0)], 'it');
  assert.equal(it?.word?.text, 'it');
  assert.deepEqual(it?.span, [7, 9]);
  const ranked = findText([line('a', 'Unsaved', 0, 0, 0.99, 0), line('b', 'SAVE', 0, 30, 0.9, 1)], 'save');
  assert.deepEqual(ranked.map((m) => [m.element.id, m.how]), [['b', 'normalized'], ['a', 'exact']]);
});

test('a section number means the standalone token, not a part of a longer number', () => {
  const els = [line('a', '1.1.2 Installing', 0, 0, 0.99, 0), line('b', 'see 11.1.1 below', 0, 30, 0.99, 1), line('c', '1.1 Overview', 0, 60, 0.9, 2)];
  assert.equal(findText(els, '1.1')[0]?.element.id, 'c');
  // Inside one line too: the occurrence that stands alone wins, and punctuation at a token's edge is fine.
  const [m] = findText([line('a', 'in 1.1.2 and (1.1),', 0, 0)], '1.1');
  assert.deepEqual(m?.span, [14, 17]);
});

test('targets one word of a line by its word box', () => {
  const el = line('a', 'File Edit View Help', 100, 10);
  const [m] = findText([el], 'View');
  assert.equal(m!.how, 'exact');
  assert.equal(m!.word?.text, 'View');
  assert.deepEqual(m!.box, { x: 200, y: 10, width: 40, height: 20 });
});

test('targets a phrase spanning words with the union of their boxes', () => {
  const el = line('a', 'Last sign in was 3 days ago', 0, 0);
  const [m] = findText([el], '3 days');
  assert.equal(m!.word, undefined);
  assert.deepEqual(m!.box, { x: 170, y: 0, width: 60, height: 20 });
  assert.equal(m!.text, '3 days');
});

test('case and spacing differences match as normalized', () => {
  const els = [line('a', 'SAVE CHANGES', 0, 0), line('b', 'Signin', 0, 30)];
  assert.equal(findText(els, 'save changes')[0]?.how, 'normalized');
  assert.equal(findText(els, 'save changes')[0]?.element.id, 'a');
  const [signIn] = findText(els, 'Sign in');
  assert.equal(signIn?.element.id, 'b');
  assert.equal(signIn?.how, 'normalized');
});

test('typical OCR confusions match as fuzzy: 0/O, 1/l/I, rn/m, 5/S', () => {
  const els = [line('a', 'C1ose', 0, 0), line('b', 'rnenu', 0, 30), line('c', 'L0G0UT', 0, 60), line('d', '5ettings', 0, 90)];
  for (const [query, id] of [['Close', 'a'], ['menu', 'b'], ['Logout', 'c'], ['Settings', 'd']] as const) {
    const [m] = findText(els, query);
    assert.equal(m?.element.id, id, query);
    assert.equal(m?.how, 'fuzzy');
    assert.equal(m?.score, 0.95, 'a pure confusion scores just below normalized');
  }
});

test('fuzzy tolerates an edit or two, ranks closer matches first, and has a floor', () => {
  const els = [line('a', 'Preferances', 0, 0), line('b', 'Prxfxrxncxs', 0, 30)];
  const matches = findText(els, 'Preferences');
  assert.equal(matches[0]?.element.id, 'a');
  assert.ok(matches[0]!.score > 0.85);
  assert.ok(matches.every((m) => m.element.id !== 'b'), 'four edits in eleven fall under the default floor');
  assert.equal(findText(els, 'Preferences', { minScore: 0.5 }).length, 2);
  assert.deepEqual(findText(els, 'Completely different'), []);
  assert.deepEqual(findText(els, '   '), []);
});

test('a fuzzy match inside a line is boxed by the word it hits', () => {
  const el = line('a', 'Open Recent Fi1es', 0, 0);
  const [m] = findText([el], 'Files');
  assert.equal(m?.how, 'fuzzy');
  assert.equal(m?.word?.text, 'Fi1es');
  assert.deepEqual(m?.box, el.words[2]!.box);
});

test('approximate substring finds the span with the fewest edits', () => {
  assert.deepEqual(approximateSubstring('xxhelloxx', 'hello'), { start: 2, end: 7, distance: 0 });
  assert.equal(approximateSubstring('xxhelxoxx', 'hello')?.distance, 1);
  assert.equal(fold('rnOdel 1').text, 'modell');
  const emoji = line('a', '🙂 Reply all', 0, 0);
  assert.equal(findText([emoji], 'reply')[0]?.text, 'Reply');
});

test('grounds words on a real OCR read of a rendered page at 1x and 2x', async () => {
  const engine = await OcrEngine.create({ threads: 2 });
  const renderer = await PageRenderer.launch();
  try {
    for (const scale of [1, 2]) {
      const page = await renderer.render({ html: formPage(), width: 800, height: 420, deviceScaleFactor: scale });
      const elements = await engine.readFull(pageFrame(page, scale));
      for (const target of ['Cancel', 'Help', 'European', 'Items']) {
        const [m] = findText(elements, target);
        assert.ok(m, `${target} at ${scale}x`);
        const truth = page.words.filter((w) => w.text === target);
        assert.ok(truth.some((t) => pointNear(t.box, centre(m.box), 2 * scale)), `${target} at ${scale}x lands on ${JSON.stringify(m.box)}, truth ${JSON.stringify(truth.map((t) => t.box))}`);
      }
    }
  } finally {
    await engine.close();
    await renderer.close();
  }
});
