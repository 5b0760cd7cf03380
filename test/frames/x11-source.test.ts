// Live X11 capture against a real Xvfb: what X11Painter drew must come back pixel-exact, over
// MIT-SHM and over core GetImage, for whole displays, regions, monitors with non-zero origins and
// the virtual desktop.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startXvfb, type XvfbHandle } from '../helpers/xvfb.js';
import { X11Painter } from '../helpers/x11-painter.js';
import { hex, pixelAt } from '../helpers/pixels.js';
import { X11FrameSource } from '../../src/frames/x11-source.js';
import { FrameSourceError } from '../../src/frames/source-errors.js';

const RED = 0xff0000;
const GREEN = 0x00c000;
const BLUE = 0x1020f0;
const BACKGROUND = 0x405060;

describe('one 640x480 screen', () => {
  let xvfb: XvfbHandle;
  let painter: X11Painter;

  before(async () => {
    xvfb = await startXvfb({ width: 640, height: 480 });
    painter = await X11Painter.open(xvfb.display, { background: BACKGROUND });
    await painter.paint([
      { rect: { x: 10, y: 20, width: 30, height: 40 }, rgb: RED },
      { rect: { x: 600, y: 400, width: 40, height: 80 }, rgb: GREEN },
      { rect: { x: 0, y: 0, width: 1, height: 1 }, rgb: BLUE },
    ]);
  });
  after(async () => {
    await painter?.close();
    await xvfb?.stop();
  });

  for (const method of ['shm', 'getimage'] as const) {
    test(`${method}: captures the painted pixels exactly, as BGRX`, async () => {
      const source = await X11FrameSource.open({ xDisplay: xvfb.display, method });
      try {
        assert.equal(source.method, method);
        const frame = (await source.capture())!;
        assert.equal(frame.pixelFormat, 'bgra');
        assert.deepEqual([frame.width, frame.height, frame.data.length], [640, 480, 640 * 480 * 4]);
        assert.deepEqual(frame.region, { x: 0, y: 0, width: 640, height: 480 });
        assert.equal(hex(pixelAt(frame, 0, 0)), hex(BLUE));
        assert.equal(hex(pixelAt(frame, 10, 20)), hex(RED));
        assert.equal(hex(pixelAt(frame, 39, 59)), hex(RED));
        assert.equal(hex(pixelAt(frame, 40, 60)), hex(BACKGROUND));
        assert.equal(hex(pixelAt(frame, 639, 479)), hex(GREEN));
        // BGRX byte order on the wire, not just the same colour by accident
        const i = (20 * 640 + 10) * 4;
        assert.deepEqual([...frame.data.subarray(i, i + 3)], [0x00, 0x00, 0xff]);
        assert.equal(frame.seq, 0);
        assert.equal((await source.capture())!.seq, 1);
      } finally {
        await source.close();
      }
    });
  }

  test('a frame is never changed by later captures (each frame owns its buffer)', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display });
    try {
      const first = (await source.capture())!;
      const copy = Buffer.from(first.data);
      await painter.fill({ x: 100, y: 100, width: 50, height: 50 }, 0xffffff);
      const second = (await source.capture())!;
      assert.equal(hex(pixelAt(second, 120, 120)), '#ffffff');
      assert.ok(first.data.equals(copy), 'first frame was mutated by the second capture');
      assert.notEqual(first.data.buffer, second.data.buffer);
      await painter.fill({ x: 100, y: 100, width: 50, height: 50 }, BACKGROUND);
    } finally {
      await source.close();
    }
  });

  test('recycle(): a dropped frame\'s buffer is reused by the next SHM capture, others never', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, method: 'shm' });
    try {
      const kept = (await source.capture())!;
      const keptCopy = Buffer.from(kept.data);
      const dropped = (await source.capture())!;
      source.recycle(dropped);
      source.recycle(dropped); // a second hand-back of the same frame is ignored
      await painter.fill({ x: 200, y: 200, width: 10, height: 10 }, 0x00ffff);
      const reusing = (await source.capture())!;
      assert.equal(reusing.data.buffer, dropped.data.buffer, 'the recycled memory was not reused');
      assert.equal(hex(pixelAt(reusing, 205, 205)), '#00ffff');
      const fresh = (await source.capture())!;
      assert.notEqual(fresh.data.buffer, dropped.data.buffer, 'one recycle must serve one capture');
      assert.ok(kept.data.equals(keptCopy), 'a frame that was not recycled changed');
      await painter.fill({ x: 200, y: 200, width: 10, height: 10 }, BACKGROUND);
    } finally {
      await source.close();
    }
  });

  test('captures a region relative to the display origin', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, region: { x: 5, y: 15, width: 50, height: 60 } });
    try {
      const frame = (await source.capture())!;
      assert.deepEqual([frame.width, frame.height, frame.data.length], [50, 60, 50 * 60 * 4]);
      assert.equal(hex(pixelAt(frame, 5, 5)), hex(RED)); // screen (10,20)
      assert.equal(hex(pixelAt(frame, 4, 5)), hex(BACKGROUND)); // screen (9,20)
      assert.equal(hex(pixelAt(frame, 34, 44)), hex(RED)); // screen (39,59)
      assert.equal(hex(pixelAt(frame, 35, 45)), hex(BACKGROUND));
    } finally {
      await source.close();
    }
  });

  test('rejects a region outside the display and an unknown display id, naming what exists', async () => {
    await assert.rejects(X11FrameSource.open({ xDisplay: xvfb.display, region: { x: 600, y: 0, width: 100, height: 10 } }), (err: FrameSourceError) => {
      assert.equal(err.code, 'ERR_REGION_OUTSIDE_DISPLAY');
      assert.match(err.message, /640x480/);
      return true;
    });
    await assert.rejects(X11FrameSource.open({ xDisplay: xvfb.display, display: '3' }), (err: FrameSourceError) => {
      assert.equal(err.code, 'ERR_UNKNOWN_DISPLAY');
      assert.match(err.message, /has: 0/);
      return true;
    });
  });

  test('a display that does not exist is one actionable error', async () => {
    await assert.rejects(X11FrameSource.open({ xDisplay: ':987' }), (err: FrameSourceError) => {
      assert.equal(err.code, 'ERR_X11_CONNECT');
      assert.match(err.message, /":987".*Xvfb/);
      return true;
    });
  });

  test('scale factor: Xft.dpi from the resource database, overridden by SIGHTLINE_SCALE_FACTOR', async () => {
    const plain = await X11FrameSource.open({ xDisplay: xvfb.display, env: {} });
    assert.equal((await plain.displays())[0]!.scaleFactor, 1);
    await plain.close();
    execFileSync('xrdb', ['-merge'], { env: xvfb.env, input: 'Xft.dpi: 192\n' });
    try {
      const hidpi = await X11FrameSource.open({ xDisplay: xvfb.display, env: {} });
      assert.equal((await hidpi.displays())[0]!.scaleFactor, 2);
      await hidpi.close();
      const forced = await X11FrameSource.open({ xDisplay: xvfb.display, env: { SIGHTLINE_SCALE_FACTOR: '1.5' } });
      assert.equal((await forced.displays())[0]!.scaleFactor, 1.5);
      await forced.close();
    } finally {
      execFileSync('xrdb', ['-remove'], { env: xvfb.env });
    }
  });
});

describe('two monitors, the second at a non-zero origin', () => {
  let xvfb: XvfbHandle;
  let painter: X11Painter;

  before(async () => {
    xvfb = await startXvfb({
      width: 800,
      height: 600,
      monitors: [
        { name: 'MAIN', x: 0, y: 0, width: 500, height: 600, primary: true },
        { name: 'SIDE', x: 500, y: 150, width: 300, height: 200 },
      ],
    });
    painter = await X11Painter.open(xvfb.display, { background: BACKGROUND });
    await painter.paint([
      { rect: { x: 500, y: 150, width: 10, height: 10 }, rgb: RED }, // SIDE's top-left corner
      { rect: { x: 790, y: 340, width: 10, height: 10 }, rgb: GREEN }, // SIDE's bottom-right corner
      { rect: { x: 499, y: 0, width: 1, height: 600 }, rgb: BLUE }, // MAIN's last column
    ]);
  });
  after(async () => {
    await painter?.close();
    await xvfb?.stop();
  });

  test('enumerates both monitors with names, bounds and the primary flag', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, env: {} });
    try {
      assert.deepEqual(await source.displays(), [
        { id: '0', name: 'MAIN', x: 0, y: 0, width: 500, height: 600, scaleFactor: 1, primary: true },
        { id: '1', name: 'SIDE', x: 500, y: 150, width: 300, height: 200, scaleFactor: 1, primary: false },
      ]);
    } finally {
      await source.close();
    }
  });

  test('captures the second monitor from its own origin', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, display: '1' });
    try {
      const frame = (await source.capture())!;
      assert.equal(frame.display.name, 'SIDE');
      assert.deepEqual([frame.width, frame.height], [300, 200]);
      assert.equal(hex(pixelAt(frame, 0, 0)), hex(RED));
      assert.equal(hex(pixelAt(frame, 299, 199)), hex(GREEN));
      assert.equal(hex(pixelAt(frame, 150, 100)), hex(BACKGROUND));
    } finally {
      await source.close();
    }
  });

  test('captures a region of the second monitor', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, display: '1', region: { x: 290, y: 190, width: 10, height: 10 } });
    try {
      const frame = (await source.capture())!;
      assert.deepEqual(frame.region, { x: 290, y: 190, width: 10, height: 10 });
      assert.equal(hex(pixelAt(frame, 0, 0)), hex(GREEN));
      assert.equal(hex(pixelAt(frame, 9, 9)), hex(GREEN));
    } finally {
      await source.close();
    }
  });

  test('"all" captures the bounding box of every monitor', async () => {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, display: 'all' });
    try {
      const frame = (await source.capture())!;
      assert.equal(frame.display.id, 'all');
      assert.deepEqual([frame.display.x, frame.display.y, frame.width, frame.height], [0, 0, 800, 600]);
      assert.equal(hex(pixelAt(frame, 499, 300)), hex(BLUE));
      assert.equal(hex(pixelAt(frame, 505, 155)), hex(RED));
      assert.equal(hex(pixelAt(frame, 795, 345)), hex(GREEN));
    } finally {
      await source.close();
    }
  });
});

test('when the X server goes away, capture fails with ERR_DISPLAY_LOST instead of hanging', async () => {
  const xvfb = await startXvfb({ width: 64, height: 48, withWindowManager: false });
  const source = await X11FrameSource.open({ xDisplay: xvfb.display });
  assert.ok(await source.capture());
  await xvfb.stop();
  await assert.rejects(source.capture(), (err: FrameSourceError) => {
    assert.equal(err.code, 'ERR_DISPLAY_LOST');
    assert.ok(err.message.includes(xvfb.display));
    return true;
  });
  await source.close();
});

test('without RandR and Xinerama the root window is the one display', async () => {
  const xvfb = await startXvfb({ width: 320, height: 200, withWindowManager: false, serverArgs: ['-extension', 'RANDR', '-extension', 'XINERAMA'] });
  try {
    const extensions = execFileSync('xdpyinfo', [], { env: xvfb.env, encoding: 'utf8' });
    assert.doesNotMatch(extensions, /RANDR|XINERAMA/, 'the server still offers RandR or Xinerama');
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, env: {} });
    assert.deepEqual(await source.displays(), [{ id: '0', name: 'screen', x: 0, y: 0, width: 320, height: 200, scaleFactor: 1, primary: true }]);
    assert.equal((await source.capture())!.width, 320);
    await source.close();
  } finally {
    await xvfb.stop();
  }
});

test('without RandR, Xinerama heads are the displays', async () => {
  // Xvfb with two X screens joined by Xinerama (it stacks both heads at the origin).
  const xvfb = await startXvfb({ width: 320, height: 200, withWindowManager: false, serverArgs: ['-screen', '1', '200x100x24', '+xinerama', '-extension', 'RANDR'] });
  try {
    const source = await X11FrameSource.open({ xDisplay: xvfb.display, env: {}, display: '1' });
    assert.deepEqual(
      (await source.displays()).map((d) => [d.id, d.x, d.y, d.width, d.height, d.primary]),
      [
        ['0', 0, 0, 320, 200, true],
        ['1', 0, 0, 200, 100, false],
      ],
    );
    assert.deepEqual([(await source.capture())!.width, (await source.capture())!.height], [200, 100]);
    await source.close();
  } finally {
    await xvfb.stop();
  }
});

describe('captured frames are garbage once the caller drops them', () => {
  // Issue 11: every capture was raced against one never-settling "connection lost" promise, which
  // kept each race's result (the frame's buffer) reachable: RSS grew a frame per changed frame.
  const COUNT = 30;
  const child = fileURLToPath(new URL('./capture-gc-child.js', import.meta.url));
  let xvfb: XvfbHandle;
  before(async () => {
    xvfb = await startXvfb({ width: 320, height: 240, withWindowManager: false });
  });
  after(async () => {
    await xvfb?.stop();
  });

  for (const method of ['shm', 'getimage'] as const) {
    test(`${method}: ${COUNT} changed frames, all but the last few collected`, async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, xvfb.display, method, String(COUNT)], { timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { method: string; count: number; finalized: number; retainedBytes: number };
      assert.equal(result.method, method);
      assert.ok(result.finalized >= COUNT - 2, `only ${result.finalized} of ${COUNT} frame buffers were collected`);
      const frameBytes = 320 * 240 * 4;
      assert.ok(result.retainedBytes < 4 * frameBytes, `${result.retainedBytes} bytes of buffers still held after gc (a frame is ${frameBytes})`);
    });
  }

  test('auto on a server without MIT-SHM (GetImage over the fd-passing transport): collected too', async () => {
    const noShm = await startXvfb({ width: 320, height: 240, withWindowManager: false, serverArgs: ['-extension', 'MIT-SHM'] });
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, noShm.display, 'auto', String(COUNT)], { timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { method: string; finalized: number };
      assert.equal(result.method, 'getimage');
      assert.ok(result.finalized >= COUNT - 2, `only ${result.finalized} of ${COUNT} frame buffers were collected`);
    } finally {
      await noShm.stop();
    }
  });
});
