// Replay of image folders: natural name order, exact RGBA pixels from PNG, end of stream, looping,
// and the stop/skip policy for files that do not decode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ReplaySource } from '../../src/frames/replay-source.js';
import { FrameSourceError } from '../../src/frames/source-errors.js';
import { hex, pixelAt } from '../helpers/pixels.js';

let dir: string;

/** A solid image of one colour with a 1-pixel marker of another at (1, 1). */
async function writeImage(path: string, rgb: number, format: 'png' | 'jpeg' = 'png', size = { width: 8, height: 6 }): Promise<void> {
  const pixels = Buffer.alloc(size.width * size.height * 3);
  for (let i = 0; i < size.width * size.height; i++) pixels.writeUIntBE(rgb, i * 3, 3);
  pixels.writeUIntBE(0x00ff00, (1 * size.width + 1) * 3, 3);
  const image = sharp(pixels, { raw: { width: size.width, height: size.height, channels: 3 } });
  await writeFile(path, format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 100 }).toBuffer());
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-replay-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string, files: Array<[string, number, ('png' | 'jpeg')?]>): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  for (const [file, rgb, format] of files) await writeImage(join(path, file), rgb, format);
  return path;
}

test('plays a folder in natural name order with exact RGBA pixels, then ends', async () => {
  const path = await folder('ordered', [
    ['shot10.png', 0x0000aa],
    ['shot2.png', 0x00aa00],
    ['shot1.png', 0xaa0000],
    ['notes.txt', 0],
  ]);
  await writeFile(join(path, 'notes.txt'), 'not an image');
  const source = await ReplaySource.open({ path, fps: 5 });
  assert.equal(source.fps, 5);
  const displays = await source.displays();
  assert.deepEqual(displays, [{ id: 'replay', name: 'ordered', x: 0, y: 0, width: 8, height: 6, scaleFactor: 1, primary: true }]);
  const colours = [];
  for (let expectedSeq = 0; expectedSeq < 3; expectedSeq++) {
    const frame = (await source.capture())!;
    assert.equal(frame.seq, expectedSeq);
    assert.equal(frame.pixelFormat, 'rgba');
    assert.deepEqual([frame.width, frame.height, frame.data.length], [8, 6, 8 * 6 * 4]);
    assert.equal(hex(pixelAt(frame, 1, 1)), '#00ff00');
    assert.equal(frame.data[3], 255);
    colours.push(hex(pixelAt(frame, 5, 4)));
  }
  assert.deepEqual(colours, ['#aa0000', '#00aa00', '#0000aa']);
  assert.equal(await source.capture(), null);
  assert.equal(await source.capture(), null);
  await source.close();
});

test('decodes JPEG too, and crops to a region', async () => {
  const path = await folder('jpeg', [['a.jpg', 0x808080, 'jpeg']]);
  const source = await ReplaySource.open({ path, region: { x: 4, y: 3, width: 3, height: 2 } });
  const frame = (await source.capture())!;
  assert.deepEqual([frame.width, frame.height], [3, 2]);
  assert.deepEqual(frame.region, { x: 4, y: 3, width: 3, height: 2 });
  // JPEG is lossy: the solid grey comes back within a few levels per channel.
  const grey = pixelAt(frame, 2, 1);
  for (const shift of [16, 8, 0]) assert.ok(Math.abs(((grey >> shift) & 0xff) - 0x80) <= 4, `expected grey, got ${hex(grey)}`);
  await source.close();
});

test('loops when asked, with seq still increasing', async () => {
  const path = await folder('loop', [
    ['1.png', 0x111111],
    ['2.png', 0x222222],
  ]);
  const source = await ReplaySource.open({ path, loop: true });
  const seen = [];
  for (let i = 0; i < 5; i++) {
    const frame = (await source.capture())!;
    seen.push([frame.seq, hex(pixelAt(frame, 4, 4))]);
  }
  assert.deepEqual(seen, [
    [0, '#111111'],
    [1, '#222222'],
    [2, '#111111'],
    [3, '#222222'],
    [4, '#111111'],
  ]);
  await source.close();
});

test('a file that does not decode stops the replay with its name, or is skipped and counted', async () => {
  const path = await folder('bad', [
    ['1.png', 0x111111],
    ['3.png', 0x333333],
  ]);
  await writeFile(join(path, '2.png'), Buffer.from('this is not a png'));
  const stopping = await ReplaySource.open({ path });
  await stopping.capture();
  await assert.rejects(stopping.capture(), (err: FrameSourceError) => {
    assert.equal(err.code, 'ERR_REPLAY_BAD_IMAGE');
    assert.ok(err.message.includes(join(path, '2.png')), err.message);
    return true;
  });
  const skipped: string[] = [];
  const skipping = await ReplaySource.open({ path, onBadFile: 'skip', onSkip: (file) => skipped.push(file) });
  const colours = [];
  for (let frame = await skipping.capture(); frame; frame = await skipping.capture()) colours.push(hex(pixelAt(frame, 4, 4)));
  assert.deepEqual(colours, ['#111111', '#333333']);
  assert.deepEqual(skipped, [join(path, '2.png')]);
  assert.equal(skipping.skipped.length, 1);
});

test('a missing or empty folder is one clear error', async () => {
  await assert.rejects(ReplaySource.open({ path: join(dir, 'nope') }), (err: FrameSourceError) => err.code === 'ERR_REPLAY_NOT_FOUND' && err.message.includes('nope'));
  const empty = await folder('empty', []);
  await assert.rejects(ReplaySource.open({ path: empty }), (err: FrameSourceError) => err.code === 'ERR_REPLAY_EMPTY' && err.message.includes(empty));
});

test('a first image that is 0 bytes or not an image is one sentence naming it, or skipped', async () => {
  for (const [name, content] of [
    ['empty', Buffer.alloc(0)],
    ['text', Buffer.from('hello, not an image\n')],
  ] as const) {
    const path = await folder(`bad-first-${name}`, [['2.png', 0x222222]]);
    await writeFile(join(path, '1.png'), content);
    const source = await ReplaySource.open({ path });
    // displays() is what the CLI asks first; it reads the first image's size.
    await assert.rejects(source.displays(), (err: FrameSourceError) => {
      assert.ok(err instanceof FrameSourceError, String(err));
      assert.equal(err.code, 'ERR_REPLAY_BAD_IMAGE');
      assert.ok(err.message.includes(join(path, '1.png')), err.message);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
    const skipped: string[] = [];
    const skipping = await ReplaySource.open({ path, onBadFile: 'skip', onSkip: (file) => skipped.push(file) });
    assert.deepEqual((await skipping.displays()).map((d) => [d.width, d.height]), [[8, 6]]);
    assert.deepEqual(skipped, [join(path, '1.png')]);
    assert.equal(hex(pixelAt((await skipping.capture())!, 4, 4)), '#222222');
    assert.equal(await skipping.capture(), null);
  }
});
