// Detection and recognition against pages rendered in Chromium with known text (DOM ground truth),
// at 1x and 2x device scale, and on real screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { PageRenderer, type RenderedPage } from '../../tools/eval/render-page.js';
import { formPage, pageFrame, screenFrame } from '../helpers/ocr-pages.js';
import { centre, pointNear } from '../../src/frames/rect.js';
import { findText } from '../../src/grounding/find-text.js';

let engine: OcrEngine;
let renderer: PageRenderer;

before(async () => {
  engine = await OcrEngine.create({ threads: 2 });
  renderer = await PageRenderer.launch();
});
after(async () => {
  await engine.close();
  await renderer.close();
});

/** Share of the page's DOM words read exactly by some OCR word whose box holds the word's centre. */
async function wordRecall(page: RenderedPage, scale: number): Promise<{ recall: number; missed: string[] }> {
  const elements = await engine.readFull(pageFrame(page, scale));
  const words = elements.flatMap((e) => e.words);
  const missed: string[] = [];
  for (const truth of page.words) {
    const c = centre(truth.box);
    const hit = words.some((w) => w.text === truth.text && pointNear(w.box, c, 3 * scale));
    if (!hit) missed.push(truth.text);
  }
  return { recall: 1 - missed.length / page.words.length, missed };
}

for (const scale of [1, 2]) {
  test(`reads a rendered page at ${scale}x: words exact and in place`, async () => {
    const page = await renderer.render({ html: formPage(), width: 800, height: 420, deviceScaleFactor: scale });
    assert.ok(page.words.length > 30, 'the page should hold enough words to measure');
    const { recall, missed } = await wordRecall(page, scale);
    assert.ok(recall >= 0.9, `word recall ${recall.toFixed(2)} at ${scale}x, missed: ${missed.join(', ')}`);
  });
}

test('a very long line (aspect ~45) is read in pieces, joined, letter for letter', async () => {
  const text = 'In Git like in many other Version Control Systems (VCS), the different states of the data that is managed by the system are saved in commits and the history is kept';
  const page = await renderer.render({ html: `<body style="margin:4px;font:15px serif;white-space:nowrap">${text}</body>`, width: 1300, height: 40, deviceScaleFactor: 1 });
  const elements = await engine.readFull(pageFrame(page, 1));
  assert.equal(elements.length, 1);
  assert.ok(elements[0]!.box.width / elements[0]!.box.height > 30);
  assert.equal(elements[0]!.text, text);
  assert.equal(elements[0]!.words.length, text.split(' ').length);
});

test('elements carry boxes, blocks, reading order and word boxes inside their line', async () => {
  const page = await renderer.render({ html: formPage(), width: 800, height: 420, deviceScaleFactor: 1 });
  const elements = await engine.readFull(pageFrame(page, 1));
  elements.forEach((el, i) => {
    assert.equal(el.order, i);
    assert.match(el.blockId, /^b\d+$/);
    assert.ok(el.confidence > 0 && el.confidence <= 1);
    for (const w of el.words) {
      assert.ok(w.box.x >= el.box.x - 1 && w.box.x + w.box.width <= el.box.x + el.box.width + 1, `word ${w.text} outside its line ${el.text}`);
    }
  });
  const menu = elements.find((e) => e.text.includes('File'))!;
  const inbox = elements.find((e) => e.text === 'Inbox')!;
  const drafts = elements.find((e) => e.text === 'Drafts')!;
  assert.ok(menu.order < inbox.order && inbox.order < drafts.order, 'menu bar, then the sidebar top to bottom');
  assert.equal(inbox.blockId, drafts.blockId, 'sidebar lines form one block');
  assert.notEqual(menu.blockId, inbox.blockId);
});

test('reads a real 1x Windows screen (Excel) and grounds its labels', async () => {
  const elements = await engine.readFull(await screenFrame('excel.png', 1));
  for (const label of ['AutoSave', 'Formulas', 'Page Layout', 'Conditional', 'Sheet1', 'Display Settings']) {
    const [m] = findText(elements, label);
    assert.ok(m && m.how !== 'fuzzy', `"${label}" should be read on excel.png`);
  }
  const [sheet] = findText(elements, 'Sheet1');
  assert.ok(pointNear({ x: 110, y: 975, width: 70, height: 35 }, centre(sheet!.box)), `Sheet1 tab at ${JSON.stringify(sheet!.box)}`);
});

test('reads a real 2x macOS screen (Teams beside VS Code, the left half)', async () => {
  const elements = await engine.readFull(await screenFrame('teams.png', 2, { x: 0, y: 0, width: 1412, height: 914 }));
  for (const label of ['Terminal', 'Chat', 'Calendar', 'Selection', 'Search']) {
    assert.ok(findText(elements, label).length > 0, `"${label}" should be read on teams.png`);
  }
});
