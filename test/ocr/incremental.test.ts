// Incremental reading: a typing-sized change re-reads only its line, keeps every other element
// (same ids, same objects' content), reports a minimal diff, and ends where a full read ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { Metrics } from '../../src/metrics.js';
import type { UiElement } from '../../src/perception/element.js';
import { PageRenderer } from '../../tools/eval/render-page.js';
import { changeFrames, formPage, pageFrame } from '../helpers/ocr-pages.js';

let renderer: PageRenderer;
before(async () => {
  renderer = await PageRenderer.launch();
});
after(async () => {
  await renderer.close();
});

async function frames(scale: number, notes: string[]) {
  const pages = [];
  for (const note of notes) pages.push(await renderer.render({ html: formPage({ note }), width: 800, height: 420, deviceScaleFactor: scale }));
  return changeFrames(pages.map((p, i) => pageFrame(p, scale, i)));
}

/** Same texts, boxes within `px` pixels, compared in reading order. */
function assertSameRead(actual: UiElement[], expected: UiElement[], px = 2): void {
  assert.deepEqual(
    actual.map((e) => e.text),
    expected.map((e) => e.text),
  );
  actual.forEach((a, i) => {
    const e = expected[i]!;
    for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(a.box[k] - e.box[k]) <= px, `${a.text}: box.${k} ${a.box[k]} vs ${e.box[k]}`);
  });
}

for (const scale of [1, 2]) {
  test(`one changed line at ${scale}x: minimal diff, stable ids, equal to a full read`, async () => {
    const metrics = new Metrics();
    const engine = await OcrEngine.create({ threads: 2, metrics });
    try {
      const [first, second] = await frames(scale, ['Last sign in was 3 days ago', 'Last sign in was 5 days ago']);
      const initial = await engine.updateElements(first!);
      assert.equal(initial.seq, 0);
      assert.ok(initial.added.length > 10, 'the first frame adds every line');
      assert.equal(initial.removed.length + initial.changed.length, 0);
      const before = new Map(engine.elements().map((e) => [e.id, e]));

      assert.ok(second!.dirtyRects.length > 0 && second!.previousSeq === 0);
      const diff = await engine.updateElements(second!);
      assert.equal(diff.seq, 1);
      assert.deepEqual(diff.added, []);
      assert.deepEqual(diff.removed, []);
      assert.equal(diff.changed.length, 1, `changed: ${diff.changed.map((e) => e.text).join(' | ')}`);
      const changed = diff.changed[0]!;
      assert.equal(changed.text, 'Last sign in was 5 days ago');
      assert.equal(before.get(changed.id)?.text, 'Last sign in was 3 days ago', 'the edited line keeps its id');

      for (const el of engine.elements()) {
        if (el.id === changed.id) continue;
        const old = before.get(el.id);
        assert.ok(old, `${el.text} should keep its id`);
        assert.equal(el.text, old.text);
        assert.deepEqual(el.box, old.box);
      }
      assertSameRead(engine.elements(), await engine.readFull(second!), 2 * scale);
      assert.ok(metrics.counter('ocr.rec_cache_hits') > 0, 'the full read reuses cached line recognitions');
      assert.equal(metrics.snapshot().stages['ocr.detect']?.count, 3);
    } finally {
      await engine.close();
    }
  });
}

test('lines appearing and disappearing are added and removed; the rest keep their ids', async () => {
  const engine = await OcrEngine.create({ threads: 2 });
  try {
    const [a, b, c] = await frames(1, ['Last sign in was 3 days ago', '&nbsp;', 'Password changed']);
    await engine.updateElements(a!);
    const ids = new Set(engine.elements().map((e) => e.id));
    const gone = await engine.updateElements(b!);
    assert.equal(gone.removed.length, 1);
    assert.deepEqual(gone.added, []);
    assert.ok(!engine.elements().some((e) => e.id === gone.removed[0]));
    const back = await engine.updateElements(c!);
    assert.equal(back.added.length, 1);
    assert.equal(back.added[0]!.text, 'Password changed');
    assert.ok(!ids.has(back.added[0]!.id), 'a new line gets a new id');
    assert.equal(engine.elements().filter((e) => ids.has(e.id)).length, ids.size - 1);
    assertSameRead(engine.elements(), await engine.readFull(c!));
  } finally {
    await engine.close();
  }
});
