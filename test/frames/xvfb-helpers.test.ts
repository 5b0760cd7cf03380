// The shared test helpers themselves: a private Xvfb with openbox and RandR monitors, and the
// painter whose pixels every capture test relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startXvfb } from '../helpers/xvfb.js';
import { X11Painter } from '../helpers/x11-painter.js';

test('startXvfb starts a server with a window manager and monitors, and stop() removes it', async () => {
  const xvfb = await startXvfb({
    width: 800,
    height: 600,
    monitors: [
      { name: 'LEFT', x: 0, y: 0, width: 400, height: 600, primary: true },
      { name: 'RIGHT', x: 400, y: 100, width: 400, height: 300 },
    ],
  });
  try {
    const monitors = execFileSync('xrandr', ['--listmonitors'], { env: xvfb.env, encoding: 'utf8' });
    assert.match(monitors, /Monitors: 2/);
    assert.match(monitors, /RIGHT 400\/\d+x300\/\d+\+400\+100/);
    const wm = execFileSync('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], { env: xvfb.env, encoding: 'utf8' });
    assert.match(wm, /window id/);
    const painter = await X11Painter.open(xvfb.display, { bounds: { x: 10, y: 20, width: 100, height: 50 }, background: 0x123456 });
    assert.equal(await painter.pixel(0, 0), 0x123456);
    await painter.fill({ x: 5, y: 5, width: 10, height: 10 }, 0xff8000);
    assert.equal(await painter.pixel(7, 7), 0xff8000);
    assert.equal(await painter.pixel(20, 20), 0x123456);
    await painter.close();
  } finally {
    await xvfb.stop();
  }
  assert.throws(() => execFileSync('xdpyinfo', [], { env: xvfb.env, stdio: 'pipe' }));
});

test('screens: N splits the screen into N monitors side by side', async () => {
  const xvfb = await startXvfb({ width: 900, height: 300, screens: 3, withWindowManager: false });
  try {
    const monitors = execFileSync('xrandr', ['--listmonitors'], { env: xvfb.env, encoding: 'utf8' });
    assert.match(monitors, /Monitors: 3/);
    assert.match(monitors, /MONITOR-2 300\/\d+x300\/\d+\+600\+0/);
  } finally {
    await xvfb.stop();
  }
});
