// Display and region resolution shared by the live sources, including monitors left of and above
// the primary (negative origins, as Windows and macOS report them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DisplayInfo } from '../../src/frames/frame.js';
import { resolveTarget, virtualDesktop } from '../../src/frames/display-target.js';
import { FrameSourceError } from '../../src/frames/source-errors.js';

const displays: DisplayInfo[] = [
  { id: '0', name: 'main', x: 0, y: 0, width: 1920, height: 1080, scaleFactor: 1, primary: true },
  { id: '1', name: 'left', x: -1280, y: -200, width: 1280, height: 1024, scaleFactor: 1, primary: false },
];

test('"all" is the bounding box of every display, negative origins included', () => {
  assert.deepEqual(virtualDesktop(displays), { id: 'all', name: 'virtual desktop', x: -1280, y: -200, width: 3200, height: 1280, scaleFactor: 1, primary: false });
  const { display, region } = resolveTarget(displays, 'all');
  assert.equal(display.id, 'all');
  assert.deepEqual(region, { x: 0, y: 0, width: 3200, height: 1280 });
});

test('a display by id, with a region checked against its own size', () => {
  const { display, region } = resolveTarget(displays, '1', { x: 1000, y: 1000, width: 280, height: 24 });
  assert.equal(display.name, 'left');
  assert.deepEqual(region, { x: 1000, y: 1000, width: 280, height: 24 });
  assert.throws(() => resolveTarget(displays, '1', { x: 1000, y: 1000, width: 281, height: 24 }), (err: FrameSourceError) => err.code === 'ERR_REGION_OUTSIDE_DISPLAY');
  assert.throws(() => resolveTarget(displays, '2'), (err: FrameSourceError) => err.code === 'ERR_UNKNOWN_DISPLAY' && err.message.includes('0 (main), 1 (left)'));
});
