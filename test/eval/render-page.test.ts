import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PageRenderer, type RenderedPage } from '../../tools/eval/render-page.js';
import type { Rect } from '../../src/frames/rect.js';

// Black text on white at known places; hidden, transparent, clipped and covered text must not count.
const PAGE = `<!doctype html><html><body style="margin:0;background:#fff;color:#000;font:20px/30px sans-serif">
<p style="margin:10px">Alpha beta <b>gamma</b></p>
<p style="margin:10px">Second line here</p>
<p style="margin:10px;visibility:hidden">hidden words</p>
<p style="margin:10px;opacity:0">transparent words</p>
<div style="margin:10px;height:30px;overflow:hidden">x<br>clipped</div>
<div style="position:relative;margin:10px;height:30px">covered words<div style="position:absolute;inset:0;background:#fff"></div></div>
<p style="margin:10px;text-transform:uppercase">shout</p>
</body></html>`;

let renderer: PageRenderer;
const pages = new Map<number, RenderedPage>();

before(async () => {
  renderer = await PageRenderer.launch();
  for (const scale of [1, 2]) pages.set(scale, await renderer.render({ html: PAGE, width: 400, height: 300, deviceScaleFactor: scale }));
});
after(async () => renderer.close());

function darkPixels(page: RenderedPage, box: Rect): number {
  let dark = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = (y * page.width + x) * 4;
      if (page.rgba[i]! < 128) dark++;
    }
  }
  return dark;
}

for (const scale of [1, 2]) {
  test(`visible words and lines only, in reading order, at scale ${scale}`, () => {
    const page = pages.get(scale)!;
    assert.equal(page.width, 400 * scale);
    assert.equal(page.height, 300 * scale);
    assert.equal(page.rgba.length, page.width * page.height * 4);
    assert.deepEqual(page.words.map((w) => w.text), ['Alpha', 'beta', 'gamma', 'Second', 'line', 'here', 'x', 'SHOUT']);
    assert.deepEqual(page.lines.map((l) => l.text), ['Alpha beta gamma', 'Second line here', 'x', 'SHOUT']);
  });

  test(`boxes are in physical pixels and hold the ink, at scale ${scale}`, () => {
    const page = pages.get(scale)!;
    const [alpha, beta] = page.words;
    // Paragraph margin 10 CSS px, 30 px line box: the first word starts at (10, 10) CSS px.
    assert.ok(Math.abs(alpha!.box.x - 10 * scale) <= 1, `Alpha x ${alpha!.box.x}`);
    assert.ok(Math.abs(alpha!.box.y - 10 * scale) <= 6 * scale, `Alpha y ${alpha!.box.y}`);
    assert.ok(beta!.box.x > alpha!.box.x + alpha!.box.width, 'beta starts right of Alpha');
    for (const word of page.words) {
      const ink = darkPixels(page, word.box);
      assert.ok(ink > 10 * scale * scale, `"${word.text}" box ${JSON.stringify(word.box)} holds ${ink} dark pixels`);
    }
    // Every dark pixel of the page is inside some line box: no visible text was missed.
    const all = { x: 0, y: 0, width: page.width, height: page.height };
    const inLines = page.lines.reduce((sum, l) => sum + darkPixels(page, l.box), 0);
    const outside = darkPixels(page, all) - inLines;
    assert.ok(outside >= 0 && outside <= 2 * scale * scale, `${outside} dark pixels outside the line boxes`);
  });
}

test('asks for exactly one of html and url', async () => {
  await assert.rejects(renderer.render({ width: 10, height: 10, deviceScaleFactor: 1 }), /exactly one of `html` and `url`/);
});
