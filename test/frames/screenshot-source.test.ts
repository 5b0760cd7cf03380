// The portable fallback (screenshot-desktop → ImageMagick `import` on Linux) under a real Xvfb.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvfb, type XvfbHandle } from '../helpers/xvfb.js';
import { X11Painter } from '../helpers/x11-painter.js';
import { hex, pixelAt } from '../helpers/pixels.js';
import { ScreenshotDesktopSource } from '../../src/frames/screenshot-desktop-source.js';
import { FrameSourceError } from '../../src/frames/source-errors.js';

let xvfb: XvfbHandle;
let painter: X11Painter;
const savedDisplay = process.env.DISPLAY;

before(async () => {
  xvfb = await startXvfb({ width: 320, height: 200, withWindowManager: false });
  // screenshot-desktop captures the display of this process' environment.
  process.env.DISPLAY = xvfb.display;
  painter = await X11Painter.open(xvfb.display, { background: 0x204060 });
  await painter.fill({ x: 300, y: 180, width: 20, height: 20 }, 0xf0a000);
});
after(async () => {
  await painter?.close();
  await xvfb?.stop();
  if (savedDisplay === undefined) delete process.env.DISPLAY;
  else process.env.DISPLAY = savedDisplay;
});

test('captures the screen as RGBA with exact colours', async () => {
  const source = await ScreenshotDesktopSource.open();
  const [display] = await source.displays();
  assert.deepEqual([display!.id, display!.x, display!.y, display!.width, display!.height, display!.primary], ['0', 0, 0, 320, 200, true]);
  const frame = (await source.capture())!;
  assert.equal(frame.pixelFormat, 'rgba');
  assert.deepEqual([frame.width, frame.height, frame.data.length], [320, 200, 320 * 200 * 4]);
  assert.equal(hex(pixelAt(frame, 10, 10)), '#204060');
  assert.equal(hex(pixelAt(frame, 310, 190)), '#f0a000');
  assert.equal(frame.data[3], 255);
  await source.close();
});

test('captures a region', async () => {
  const source = await ScreenshotDesktopSource.open({ region: { x: 290, y: 170, width: 30, height: 30 } });
  const frame = (await source.capture())!;
  assert.deepEqual([frame.width, frame.height], [30, 30]);
  assert.equal(hex(pixelAt(frame, 0, 0)), '#204060');
  assert.equal(hex(pixelAt(frame, 15, 15)), '#f0a000');
  await source.close();
});

test('without DISPLAY it says what to do', async () => {
  delete process.env.DISPLAY;
  try {
    await assert.rejects(ScreenshotDesktopSource.open(), (err: FrameSourceError) => err.code === 'ERR_NO_DISPLAY' && /xvfb-run -a/.test(err.message));
  } finally {
    process.env.DISPLAY = xvfb.display;
  }
});
