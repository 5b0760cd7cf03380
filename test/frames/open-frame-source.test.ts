// From a spec or the --source flag to a working FrameSource, and the errors a user sees instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openFrameSource, parseSourceArg, parseSourceSpec } from '../../src/frames/open-frame-source.js';
import { FrameSourceError, NoDisplayError } from '../../src/frames/source-errors.js';
import { startXvfb } from '../helpers/xvfb.js';

test('--source: default x11 with DISPLAY, named kinds, replay:DIR and bare folder paths', () => {
  assert.deepEqual(parseSourceArg(undefined, { DISPLAY: ':5' }), { kind: 'x11' });
  assert.deepEqual(parseSourceArg('x11', {}), { kind: 'x11' });
  assert.deepEqual(parseSourceArg('screenshot', {}), { kind: 'screenshot' });
  assert.deepEqual(parseSourceArg('replay:./recordings/run1', {}), { kind: 'replay', path: './recordings/run1' });
  assert.deepEqual(parseSourceArg('./recordings/run1', {}), { kind: 'replay', path: './recordings/run1' });
  assert.throws(() => parseSourceArg('webcam', {}), (err: FrameSourceError) => err.code === 'ERR_BAD_SOURCE_SPEC' && /x11, screenshot, replay:DIR/.test(err.message));
  assert.throws(() => parseSourceArg('replay:', {}), (err: FrameSourceError) => err.code === 'ERR_BAD_SOURCE_SPEC');
});

test('no display: ERR_NO_DISPLAY with one sentence saying what to do', async () => {
  assert.throws(() => parseSourceArg(undefined, {}), (err: NoDisplayError) => {
    assert.equal(err.code, 'ERR_NO_DISPLAY');
    assert.match(err.message, /set DISPLAY/);
    assert.match(err.message, /xvfb-run -a sightline run/);
    assert.match(err.message, /replay/);
    assert.equal(err.message.split('. ').length, 1, 'one sentence');
    return true;
  });
  await assert.rejects(openFrameSource({ kind: 'x11' }, {}), (err: FrameSourceError) => err.code === 'ERR_NO_DISPLAY');
});

test('specs are validated once, with the offending field named', () => {
  assert.throws(() => parseSourceSpec({ kind: 'replay' }), (err: FrameSourceError) => err.code === 'ERR_BAD_SOURCE_SPEC' && /path/.test(err.message));
  assert.throws(() => parseSourceSpec({ kind: 'x11', display: 'left' }), (err: FrameSourceError) => /display: must be a display number/.test(err.message));
  assert.throws(() => parseSourceSpec({ kind: 'x11', region: { x: 0, y: 0, width: 0, height: 5 } }), (err: FrameSourceError) => /region\.width/.test(err.message));
  assert.throws(() => parseSourceSpec({ kind: 'x11', colour: 'red' }), (err: FrameSourceError) => /colour|unrecognized/i.test(err.message));
  assert.deepEqual(parseSourceSpec({ kind: 'x11', display: 'all', method: 'shm' }), { kind: 'x11', display: 'all', method: 'shm' });
});

test('opens a replay source and an x11 source from specs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sightline-open-'));
  const xvfb = await startXvfb({ width: 200, height: 100, withWindowManager: false });
  try {
    await writeFile(join(dir, 'a.png'), await sharp({ create: { width: 4, height: 3, channels: 3, background: '#ff0000' } }).png().toBuffer());
    const replay = await openFrameSource(parseSourceArg(`replay:${dir}`, {}));
    assert.equal(replay.kind, 'replay');
    assert.equal((await replay.capture())!.width, 4);
    assert.equal(await replay.capture(), null);
    await replay.close();

    const live = await openFrameSource(parseSourceArg(undefined, xvfb.env), xvfb.env);
    assert.equal(live.kind, 'x11');
    const frame = (await live.capture())!;
    assert.deepEqual([frame.width, frame.height, frame.pixelFormat], [200, 100, 'bgra']);
    await live.close();
  } finally {
    await xvfb.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
