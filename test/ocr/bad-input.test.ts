// Bad input: degenerate and huge frames, unknown scripts, broken model files. Nothing crashes;
// a broken installation fails once, with a stable code and the file's path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { OcrError } from '../../src/ocr/errors.js';
import { defaultModelFiles } from '../../src/ocr/model-files.js';
import { PageRenderer } from '../../tools/eval/render-page.js';
import { changeFrames, pageFrame, rgbaFrame } from '../helpers/ocr-pages.js';
import { findText } from '../../src/grounding/find-text.js';

let engine: OcrEngine;
before(async () => {
  engine = await OcrEngine.create({ threads: 2 });
});
after(async () => {
  await engine.close();
});

test('empty, 1x1 and uniform frames read as no text', async () => {
  assert.deepEqual(await engine.readFull(rgbaFrame(Buffer.alloc(0), 0, 0)), []);
  assert.deepEqual(await engine.readFull(rgbaFrame(Buffer.from([10, 20, 30, 255]), 1, 1)), []);
  assert.deepEqual(await engine.readFull(rgbaFrame(Buffer.alloc(1920 * 1080 * 4, 0xee), 1920, 1080)), []);
  const [frame] = changeFrames([rgbaFrame(Buffer.alloc(3 * 2 * 4, 0x80), 3, 2)]);
  assert.deepEqual((await engine.updateElements(frame!)).added, []);
});

test('an 8K frame is read in bands: text in it is found in place', async () => {
  const renderer = await PageRenderer.launch();
  const page = await renderer.render({ html: '<body style="margin:0;font:16px sans-serif;background:#fff"><p style="margin:8px">Quarterly revenue report</p></body>', width: 300, height: 40, deviceScaleFactor: 1 });
  await renderer.close();
  const width = 7680;
  const height = 4320;
  const data = Buffer.alloc(width * height * 4, 0xff);
  const at = { x: 5000, y: 3000 };
  for (let y = 0; y < page.height; y++) page.rgba.copy(data, ((at.y + y) * width + at.x) * 4, y * page.width * 4, (y + 1) * page.width * 4);
  const elements = await engine.readFull(rgbaFrame(data, width, height));
  const [hit] = findText(elements, 'revenue');
  assert.ok(hit, `read: ${elements.map((e) => e.text).join(' | ')}`);
  assert.ok(hit.box.x > at.x && hit.box.x < at.x + 300 && hit.box.y >= at.y && hit.box.y < at.y + 40, `box ${JSON.stringify(hit.box)}`);
});

test('scripts the model does not know give some text or none, never a crash', async () => {
  const renderer = await PageRenderer.launch();
  const page = await renderer.render({
    html: '<body style="font:24px sans-serif"><p>Привет мир, как дела</p><p>مرحبا بالعالم</p><p>नमस्ते दुनिया</p><p>שלום עולם</p></body>',
    width: 500,
    height: 260,
    deviceScaleFactor: 1,
  });
  await renderer.close();
  const elements = await engine.readFull(pageFrame(page, 1));
  for (const el of elements) assert.equal(typeof el.text, 'string');
});

test('a buffer that does not match the frame size is refused with ERR_OCR_BAD_FRAME', async () => {
  await assert.rejects(engine.readFull(rgbaFrame(Buffer.alloc(10), 4, 4)), (err: OcrError) => err instanceof OcrError && err.code === 'ERR_OCR_BAD_FRAME' && /16x?|4x4/.test(err.message));
});

function brokenModels(change: (dir: string) => Partial<ReturnType<typeof defaultModelFiles>>): Partial<ReturnType<typeof defaultModelFiles>> {
  return change(mkdtempSync(join(tmpdir(), 'sightline-ocr-')));
}

test('a missing model file fails create() with ERR_OCR_MODEL_MISSING naming the file', async () => {
  const models = brokenModels((dir) => ({ detection: join(dir, 'det.onnx') }));
  await assert.rejects(OcrEngine.create({ models }), (err: OcrError) => err instanceof OcrError && err.code === 'ERR_OCR_MODEL_MISSING' && err.file === models.detection && err.message.includes(models.detection!));
});

test('a file that is not ONNX fails with ERR_OCR_MODEL_INVALID naming the file', async () => {
  const models = brokenModels((dir) => {
    writeFileSync(join(dir, 'rec.onnx'), 'this is not a model\n'.repeat(200));
    return { recognition: join(dir, 'rec.onnx') };
  });
  await assert.rejects(OcrEngine.create({ models }), (err: OcrError) => err.code === 'ERR_OCR_MODEL_INVALID' && err.file === models.recognition);
});

test('a truncated model fails in the worker and still reports ERR_OCR_MODEL_INVALID with the file', async () => {
  const models = brokenModels((dir) => {
    writeFileSync(join(dir, 'det.onnx'), readFileSync(defaultModelFiles().detection).subarray(0, 200_000));
    return { detection: join(dir, 'det.onnx') };
  });
  await assert.rejects(OcrEngine.create({ models }), (err: OcrError) => err instanceof OcrError && err.code === 'ERR_OCR_MODEL_INVALID' && err.file === models.detection && !/\nfile:/.test(err.message));
});

test('a charset that does not match the recognition model fails with ERR_OCR_MODEL_INVALID', async () => {
  const models = brokenModels((dir) => {
    writeFileSync(join(dir, 'keys.txt'), 'abcdefghijklmnopqrstuvwxyz'.split('').join('\n'));
    copyFileSync(defaultModelFiles().detection, join(dir, 'det.onnx'));
    return { charset: join(dir, 'keys.txt'), detection: join(dir, 'det.onnx') };
  });
  await assert.rejects(OcrEngine.create({ models }), (err: OcrError) => err.code === 'ERR_OCR_MODEL_INVALID' && err.file === models.charset && /26 characters/.test(err.message));
});

test('using a closed engine fails with ERR_OCR_CLOSED', async () => {
  const other = await OcrEngine.create({ threads: 1 });
  await other.close();
  await assert.rejects(other.readFull(rgbaFrame(Buffer.alloc(16), 2, 2)), (err: OcrError) => err.code === 'ERR_OCR_CLOSED');
});
