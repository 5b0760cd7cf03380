// Recording: what is stored replays exactly; writes never queue past the in-flight bound; and a
// recording cut by SIGKILL mid-run still replays every frame its index names.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, chmod, chown, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import type { DisplayInfo, RawFrame } from '../../src/frames/frame.js';
import { Recorder } from '../../src/frames/recording.js';
import { readEvents, readFrameIndex, readSession } from '../../src/frames/recording-format.js';
import { ReplaySource } from '../../src/frames/replay-source.js';
import { FrameSourceError } from '../../src/frames/source-errors.js';
import { SightlineError } from '../../src/errors.js';
import { startXvfb } from '../helpers/xvfb.js';
import { hex, pixelAt } from '../helpers/pixels.js';
import { colourForSeq } from './record-child.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-recording-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const display: DisplayInfo = { id: '0', name: 'test', x: 0, y: 0, width: 16, height: 8, scaleFactor: 1, primary: true };

/** A BGRX frame filled with `rgb`, as the X11 source produces them (X byte left at 0). */
function bgraFrame(seq: number, rgb: number): RawFrame {
  const data = Buffer.alloc(16 * 8 * 4);
  for (let i = 0; i < 16 * 8; i++) {
    data[i * 4] = rgb & 0xff;
    data[i * 4 + 1] = (rgb >> 8) & 0xff;
    data[i * 4 + 2] = rgb >> 16;
  }
  return { seq, time: 1_700_000_000_000 + seq, monotonicMs: seq, display, region: { x: 0, y: 0, width: 16, height: 8 }, width: 16, height: 8, pixelFormat: 'bgra', data };
}

test('stored frames and events replay exactly; close records the counts', async () => {
  const path = join(dir, 'roundtrip');
  const recorder = await Recorder.create(path, { source: { kind: 'x11', display: '0' }, fps: 4, displays: [display] });
  const colours = new Map([
    [3, 0xff0000],
    [7, 0x00ff80],
    [12, 0x123456],
  ]);
  for (const [seq, rgb] of colours) {
    assert.equal(recorder.writeFrame(bgraFrame(seq, rgb)), true);
    recorder.writeEvent({ type: 'frame', seq });
    await recorder.idle();
  }
  const stats = await recorder.close();
  assert.deepEqual(stats, { framesStored: 3, framesDropped: 0, framesFailed: 0, eventsStored: 3 });

  const session = await readSession(path);
  assert.equal(session.fps, 4);
  assert.deepEqual(session.source, { kind: 'x11', display: '0' });
  assert.ok(session.endedAt);
  assert.equal(session.framesStored, 3);
  assert.deepEqual(await readEvents(path), [
    { type: 'frame', seq: 3 },
    { type: 'frame', seq: 7 },
    { type: 'frame', seq: 12 },
  ]);
  assert.deepEqual((await readdir(join(path, 'frames'))).sort(), ['0000000003.png', '0000000007.png', '0000000012.png']);

  const replay = await ReplaySource.open({ path });
  assert.equal(replay.fps, 4);
  assert.equal(replay.recorded, true);
  assert.deepEqual(await replay.displays(), [display]);
  for (const [seq, rgb] of colours) {
    const frame = (await replay.capture())!;
    assert.equal(frame.seq, seq);
    assert.deepEqual(frame.display, display);
    assert.equal(frame.pixelFormat, 'rgba');
    assert.equal(hex(pixelAt(frame, 15, 7)), hex(rgb));
  }
  assert.equal(await replay.capture(), null);
});

test('events keep their fields but not pixel buffers or typed arrays', async () => {
  const path = join(dir, 'events');
  const recorder = await Recorder.create(path);
  const frame = { ...bgraFrame(4, 0xffffff), hash: 'ab12', tileHashes: new Uint32Array(6) };
  recorder.writeEvent({ type: 'frame', frame });
  await recorder.close();
  const [event] = (await readEvents(path)) as Array<{ type: string; frame: Record<string, unknown> }>;
  assert.equal(event!.type, 'frame');
  assert.equal(event!.frame.seq, 4);
  assert.equal(event!.frame.hash, 'ab12');
  assert.deepEqual(event!.frame.data, { omitted: 'Buffer', bytes: 16 * 8 * 4 });
  assert.deepEqual(event!.frame.tileHashes, { omitted: 'Uint32Array', bytes: 24 });
});

test('writes past the in-flight bound are dropped and counted, never queued', async () => {
  const recorder = await Recorder.create(join(dir, 'bounded'), { maxInFlight: 1 });
  assert.equal(recorder.writeFrame(bgraFrame(0, 0xffffff)), true);
  assert.equal(recorder.writeFrame(bgraFrame(1, 0xffffff)), false);
  assert.equal(recorder.writeFrame(bgraFrame(2, 0xffffff)), false);
  await recorder.idle();
  assert.equal(recorder.writeFrame(bgraFrame(3, 0xffffff)), true);
  const stats = await recorder.close();
  assert.equal(stats.framesStored, 2);
  assert.equal(stats.framesDropped, 2);
  assert.equal((await readSession(join(dir, 'bounded'))).framesDropped, 2);
});

test('refuses to record into a folder that already holds something', async () => {
  const path = join(dir, 'used');
  await mkdir(path);
  await writeFile(join(path, 'keep.txt'), 'mine');
  await assert.rejects(Recorder.create(path), (err: FrameSourceError) => err.code === 'ERR_RECORDING_EXISTS' && err.message.includes(path));
});

test('the index reader drops a truncated last line but reports damage elsewhere with file and line', async () => {
  const path = join(dir, 'truncated');
  const recorder = await Recorder.create(path);
  recorder.writeFrame(bgraFrame(0, 0x010203));
  await recorder.idle();
  recorder.writeFrame(bgraFrame(1, 0x040506));
  await recorder.close();
  const index = join(path, 'frames.jsonl');
  await appendFile(index, '{"seq":2,"time":17000');
  assert.deepEqual((await readFrameIndex(path)).map((e) => e.seq), [0, 1]);
  const lines = (await readFile(index, 'utf8')).split('\n');
  await writeFile(index, [lines[0], '{"seq": "broken"}', lines[1], ''].join('\n'));
  await assert.rejects(readFrameIndex(path), (err: FrameSourceError) => err.code === 'ERR_RECORDING_DAMAGED' && err.message.includes('frames.jsonl:2'));
});

test('a recording cut by SIGKILL mid-run replays every indexed frame', { timeout: 60_000 }, async () => {
  const xvfb = await startXvfb({ width: 320, height: 240, withWindowManager: false });
  const path = join(dir, 'killed');
  try {
    const childPath = fileURLToPath(new URL('./record-child.js', import.meta.url));
    const child = spawn(process.execPath, [childPath, xvfb.display, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const confirmed: number[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      confirmed.push(Number(line.split(' ')[1]));
      if (confirmed.length >= 8) break;
    }
    assert.equal(confirmed.length, 8, `child stopped early: ${stderr}`);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const session = await readSession(path);
    assert.equal(session.endedAt, undefined, 'a killed run cannot have closed the session');
    const replay = await ReplaySource.open({ path });
    const seqs: number[] = [];
    for (let frame = await replay.capture(); frame; frame = await replay.capture()) {
      seqs.push(frame.seq);
      assert.equal(hex(pixelAt(frame, 160, 120)), hex(colourForSeq(frame.seq)), `frame ${frame.seq}`);
    }
    for (const seq of confirmed) assert.ok(seqs.includes(seq), `confirmed frame ${seq} missing from the replay`);
    // At most the writes in flight (maxInFlight 2 in the child) are lost: PNGs renamed into place
    // whose index line had not been appended yet.
    const pngs = (await readdir(join(path, 'frames'))).filter((name) => name.endsWith('.png'));
    assert.ok(pngs.length - seqs.length <= 2, `${pngs.length} PNGs but ${seqs.length} indexed frames`);
    const events = (await readEvents(path)) as Array<{ seq: number }>;
    assert.ok(events.length >= confirmed.length - 2, `only ${events.length} events`);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i));
  } finally {
    await xvfb.stop();
  }
});

/** Permission bits of a path, as an octal string ('0700'). */
async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8).padStart(4, '0');
}

test('folders are created 0700 and files 0600 under umask 022, parents created on the way too', async () => {
  const previous = process.umask(0o022);
  try {
    const parent = join(dir, 'private-parent');
    const path = join(parent, 'rec');
    const recorder = await Recorder.create(path);
    recorder.writeFrame(bgraFrame(0, 0xabcdef));
    recorder.writeEvent({ type: 'frame', seq: 0 });
    await recorder.close();
    assert.equal(await modeOf(parent), '0700');
    assert.equal(await modeOf(path), '0700');
    assert.equal(await modeOf(join(path, 'frames')), '0700');
    const files = ['session.json', 'frames.jsonl', 'events.jsonl', ...(await readdir(join(path, 'frames'))).map((n) => join('frames', n))];
    assert.equal(files.length, 4);
    for (const file of files) assert.equal(await modeOf(join(path, file)), '0600', file);
  } finally {
    process.umask(previous);
  }
});

test('an existing folder is used only when empty, ours and closed to group and others', async () => {
  const ok = join(dir, 'existing-ok');
  await mkdir(ok, { mode: 0o700 });
  await (await Recorder.create(ok)).close();
  assert.equal(await modeOf(join(ok, 'frames')), '0700');

  const unsafe = (err: unknown, pattern: RegExp) => err instanceof SightlineError && err.code === 'ERR_RECORDING_UNSAFE' && pattern.test(err.message);
  for (const mode of [0o755, 0o750, 0o701, 0o710]) {
    const open = join(dir, `existing-${mode.toString(8)}`);
    await mkdir(open);
    await chmod(open, mode);
    await assert.rejects(Recorder.create(open), (err) => unsafe(err, new RegExp(`open to other users \\(mode 0${mode.toString(8)}\\)`)));
    assert.deepEqual(await readdir(open), [], 'nothing may be written into a refused folder');
  }

  const link = join(dir, 'existing-link');
  await symlink(ok, link);
  await assert.rejects(Recorder.create(link), (err) => unsafe(err, /symbolic link/));

  const uid = process.getuid!();
  const foreign = join(dir, 'existing-foreign');
  await mkdir(foreign, { mode: 0o700 });
  if (uid === 0) {
    await chown(foreign, 4242, 4242);
    await assert.rejects(Recorder.create(foreign), (err) => unsafe(err, /belongs to uid 4242, not to this user \(uid 0\)/));
  } else {
    // Only root can give a folder away; as another user the check is exercised by the accepted case.
    await (await Recorder.create(foreign)).close();
  }
});

test('a --record path that cannot be created is one sentence naming it', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, 'not a folder');
  await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
  const cases: Array<[string, RegExp]> = [
    [join(file, 'rec'), /cannot create recording folder .*a-file.rec: a part of the path is not a folder$/],
    [join(file, 'deeper', 'rec'), /cannot create recording folder .*: a part of the path is not a folder$/],
    // lstat finds nothing there, so this one fails in mkdir itself
    [join(dir, 'dangling', 'rec'), /cannot create recording folder .*dangling.rec: a part of the path is not a folder$/],
    [file, /recording folder .*a-file exists and is not a folder$/],
  ];
  for (const [path, pattern] of cases) {
    await assert.rejects(Recorder.create(path), (err) => {
      assert.ok(err instanceof SightlineError, `not a SightlineError: ${String(err)}`);
      assert.equal(err.code, 'ERR_RECORDING_PATH');
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.sentence, /\n/);
      return true;
    });
  }
});

describe('an index that names a file outside the recording is damage, never streamed', () => {
  const secret = () => join(dir, 'secret.png');
  before(async () => {
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } }).png().toFile(secret());
  });

  /** A two-frame recording whose second index line is rewritten by `tamper`. */
  async function tampered(name: string, tamper: (entry: Record<string, unknown>, path: string) => Promise<void> | void): Promise<string> {
    const path = join(dir, name);
    const recorder = await Recorder.create(path);
    recorder.writeFrame(bgraFrame(0, 0x010203));
    await recorder.idle();
    recorder.writeFrame(bgraFrame(1, 0x040506));
    await recorder.close();
    const index = join(path, 'frames.jsonl');
    const lines = (await readFile(index, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    lines.sort((a, b) => (a.seq as number) - (b.seq as number));
    await tamper(lines[1]!, path);
    await writeFile(index, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return path;
  }

  const damaged = (pattern: RegExp) => (err: unknown) => err instanceof FrameSourceError && err.code === 'ERR_RECORDING_DAMAGED' && /frames\.jsonl:2/.test(err.message) && pattern.test(err.message);

  for (const [label, file] of [
    ['a ../ path', '../secret.png'],
    ['a ../ path inside frames/', 'frames/../../secret.png'],
    ['an absolute path', 'ABSOLUTE'],
    ['a sub-folder', 'frames/sub/0000000001.png'],
    ['a backslash', 'frames\\..\\..\\secret.png'],
    ['the frames folder itself', 'frames/..'],
  ] as const) {
    test(label, async () => {
      const path = await tampered(`escape-${label.replace(/\W+/g, '-')}`, (entry) => void (entry.file = file === 'ABSOLUTE' ? secret() : file));
      await assert.rejects(readFrameIndex(path), damaged(/inside the recording's frames\/ folder/));
      await assert.rejects(ReplaySource.open({ path }), damaged(/inside the recording's frames\/ folder/));
    });
  }

  test('a frame file that is a symbolic link out of the recording', async () => {
    const path = await tampered('escape-symlink', async (entry, rec) => {
      await rm(join(rec, entry.file as string));
      await symlink(secret(), join(rec, entry.file as string));
    });
    await assert.rejects(ReplaySource.open({ path }), damaged(/0000000001\.png is a symbolic link/));
  });

  test('a frames folder that is a symbolic link out of the recording', async () => {
    const elsewhere = join(dir, 'elsewhere-frames');
    const path = await tampered('escape-frames-link', async (_entry, rec) => {
      await rm(join(rec, 'frames'), { recursive: true });
      await mkdir(elsewhere);
      await sharp(secret()).toFile(join(elsewhere, '0000000000.png'));
      await sharp(secret()).toFile(join(elsewhere, '0000000001.png'));
      await symlink(elsewhere, join(rec, 'frames'));
    });
    await assert.rejects(ReplaySource.open({ path }), (err) => err instanceof FrameSourceError && err.code === 'ERR_RECORDING_DAMAGED' && /frames\.jsonl:1: .*outside the recording's frames folder/.test(err.message));
  });

  test('an untampered recording still replays', async () => {
    const path = await tampered('escape-none', () => {});
    const replay = await ReplaySource.open({ path });
    assert.equal((await replay.capture())!.seq, 0);
    assert.equal((await replay.capture())!.seq, 1);
  });
});
