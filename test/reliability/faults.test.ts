// Faults: a run SIGKILLed mid-recording on a live screen must leave a recording that replays every
// stored frame and lost nothing but the frame in flight; damaged recordings, damaged replay folders
// and corrupt or missing OCR model files must each end `sightline run` with one sentence
// ("sightline: ...", no stack) and exit 2.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { defaultModelFiles } from '../../src/ocr/model-files.js';
import { startXvfb, type XvfbHandle } from '../helpers/xvfb.js';
import { changeScreen, RELIABILITY_TOKEN, runCli, startRun } from './run-process.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/screens/word.png', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'sightline-faults-'));
after(() => rmSync(work, { recursive: true, force: true }));

let xvfb: XvfbHandle;
before(async () => {
  xvfb = await startXvfb({ width: 640, height: 480, withWindowManager: false });
});
after(() => xvfb?.stop());

/** The stored index lines that parse, in file order. */
function indexEntries(dir: string): Array<{ seq: number; file: string }> {
  const text = readFileSync(join(dir, 'frames.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { seq: number; file: string }];
      } catch {
        return [];
      }
    });
}

/** Replays `dir` to its end with `--engine none`; resolves with the exit and the frame count the run logged. */
async function replay(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  const result = await runCli(['run', '--port', '0', '--source', dir, '--engine', 'none', '--fps', '60', '--log-format', 'json', ...extra], { ...env, SIGHTLINE_TOKEN: RELIABILITY_TOKEN });
  const finished = result.stderr.split('\n').find((l) => l.includes('pipeline finished'));
  const frames = finished ? Number((JSON.parse(finished) as { frames?: number }).frames) : null;
  return { ...result, frames };
}

/** One line "sightline: <sentence>", no stack trace, exit 2. */
function assertOneSentence(what: string, result: { code: number | string; stderr: string }): void {
  const lines = result.stderr.trim().split('\n').filter((l) => !l.startsWith('{')); // json log lines aside
  assert.equal(result.code, 2, `${what}: exit ${result.code}, want 2; stderr:\n${result.stderr}`);
  assert.equal(lines.length, 1, `${what}: want one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^sightline: \S.*[.?)]$/, `${what}: not one sentence: ${lines[0]}`);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, `${what}: a stack trace`);
}

/** Checks every case and reports all that fail at once, not only the first. */
function assertAll(results: Array<{ c: { name: string }; result: { code: number | string; stderr: string } }>): void {
  const failures: string[] = [];
  for (const { c, result } of results) {
    try {
      assertOneSentence(c.name, result);
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]!);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${results.length} cases did not end in one sentence and exit 2`);
}

let recording = '';

test('SIGKILL mid-recording on a live screen: the recording replays every stored frame, nothing lost but the frame in flight', { timeout: 120_000 }, async () => {
  recording = join(work, 'killed');
  const changer = await changeScreen(xvfb.display, 200);
  const run = await startRun(['--engine', 'none', '--fps', '10', '--source', 'x11', '--record', recording], xvfb.env);
  const seen: Array<{ seq: number; at: number }> = [];
  const ws = new WebSocket(run.url, { headers: { authorization: `Bearer ${RELIABILITY_TOKEN}` } });
  ws.on('message', (data) => {
    const e = JSON.parse(String(data)) as { type: string; seq?: number };
    if (e.type === 'hello') ws.send(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame'] }));
    if (e.type === 'frame') seen.push({ seq: e.seq!, at: performance.now() });
  });
  ws.on('error', () => {});
  while (seen.length < 25) await new Promise((resolve) => setTimeout(resolve, 100));
  const killedAt = performance.now();
  assert.equal(await run.kill('SIGKILL'), 'SIGKILL');
  await changer.stop();
  ws.terminate();

  const entries = indexEntries(recording);
  const stored = new Set(entries.map((e) => e.seq));
  // Frames published more than a second before the kill were long written: none may be missing.
  const lost = seen.filter((f) => killedAt - f.at > 1000 && !stored.has(f.seq)).map((f) => f.seq);
  assert.deepEqual(lost, [], 'frames announced well before the kill are missing from the recording');
  const pngs = readdirSync(join(recording, 'frames')).filter((n) => n.endsWith('.png'));
  assert.ok(pngs.length - entries.length <= 1, `${pngs.length} PNGs but ${entries.length} index lines: more than the frame in flight lost`);
  assert.ok(entries.length >= 20, `only ${entries.length} frames stored`);

  const replayed = await replay(recording);
  assert.equal(replayed.code, 0, `replay failed:\n${replayed.stderr}`);
  assert.equal(replayed.frames, entries.length, 'replay did not play every stored frame');
  console.log(`faults: SIGKILL after ${seen.length} frame events; ${entries.length} frames stored (${pngs.length} PNGs), ${replayed.frames} replayed, 0 lost before the frame in flight`);
});

/** A copy of the killed recording to damage. */
function damagedCopy(name: string): string {
  assert.ok(recording, 'the SIGKILL test made no recording');
  const dir = join(work, name);
  cpSync(recording, dir, { recursive: true });
  return dir;
}

test('damaged recordings and replay folders: one sentence and exit 2 each', { timeout: 120_000 }, async () => {
  const cases: Array<{ name: string; dir: string }> = [];

  const midLine = damagedCopy('truncated-line');
  const lines = readFileSync(join(midLine, 'frames.jsonl'), 'utf8').split('\n');
  lines[1] = lines[1]!.slice(0, Math.floor(lines[1]!.length / 2));
  writeFileSync(join(midLine, 'frames.jsonl'), lines.join('\n'));
  cases.push({ name: 'recording with a truncated index line (not the last)', dir: midLine });

  const missing = damagedCopy('missing-png');
  rmSync(join(missing, indexEntries(missing)[2]!.file));
  cases.push({ name: 'recording with a missing PNG', dir: missing });

  const escape = damagedCopy('escape');
  copyFileSync(FIXTURE, join(work, 'x.png'));
  const escLines = readFileSync(join(escape, 'frames.jsonl'), 'utf8').split('\n');
  escLines[0] = JSON.stringify({ ...(JSON.parse(escLines[0]!) as object), file: '../x.png' });
  writeFileSync(join(escape, 'frames.jsonl'), escLines.join('\n'));
  cases.push({ name: 'recording whose index names ../x.png', dir: escape });

  const badSession = damagedCopy('bad-session');
  writeFileSync(join(badSession, 'session.json'), '{"version":');
  cases.push({ name: 'recording with a truncated session.json', dir: badSession });

  const zeroByte = join(work, 'zero-byte');
  mkdirSync(zeroByte);
  writeFileSync(join(zeroByte, 'a.png'), '');
  copyFileSync(FIXTURE, join(zeroByte, 'b.png'));
  cases.push({ name: 'replay folder whose first image is 0 bytes', dir: zeroByte });

  const notImage = join(work, 'not-image');
  mkdirSync(notImage);
  writeFileSync(join(notImage, 'a.png'), 'this is not a PNG\n');
  copyFileSync(FIXTURE, join(notImage, 'b.png'));
  cases.push({ name: 'replay folder whose first image is not an image', dir: notImage });

  const truncatedPng = join(work, 'truncated-png');
  mkdirSync(truncatedPng);
  copyFileSync(FIXTURE, join(truncatedPng, 'a.png'));
  truncateSync(join(truncatedPng, 'a.png'), 100);
  cases.push({ name: 'replay folder whose first image is a truncated PNG', dir: truncatedPng });

  const results = await Promise.all(cases.map(async (c) => ({ c, result: await replay(c.dir) })));
  assertAll(results);
  console.log(`faults: ${cases.length} damaged recordings/folders, each one sentence and exit 2:\n${results.map(({ c, result }) => `  ${c.name}: ${result.stderr.trim().split('\n').filter((l) => !l.startsWith('{'))[0]}`).join('\n')}`);
});

test('corrupt and missing OCR model files ($SIGHTLINE_OCR_MODELS): one sentence and exit 2 each', { timeout: 180_000 }, async () => {
  const good = defaultModelFiles();
  const names = { detection: good.detection.split('/').pop()!, recognition: good.recognition.split('/').pop()!, charset: good.charset.split('/').pop()! };
  const modelsDir = (name: string, damage: (dir: string) => void): string => {
    const dir = join(work, `models-${name}`);
    mkdirSync(dir);
    for (const kind of ['detection', 'recognition', 'charset'] as const) copyFileSync(good[kind], join(dir, names[kind]));
    damage(dir);
    return dir;
  };
  const frames = join(work, 'ocr-frames');
  mkdirSync(frames);
  copyFileSync(FIXTURE, join(frames, 'a.png'));
  const cases: Array<{ name: string; dir: string }> = [
    { name: 'missing detection model', dir: modelsDir('no-det', (d) => rmSync(join(d, names.detection))) },
    { name: 'missing recognition model', dir: modelsDir('no-rec', (d) => rmSync(join(d, names.recognition))) },
    { name: 'missing charset', dir: modelsDir('no-charset', (d) => rmSync(join(d, names.charset))) },
    { name: 'detection model of random bytes', dir: modelsDir('junk-det', (d) => writeFileSync(join(d, names.detection), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151) & 0xff)))) },
    { name: 'truncated recognition model', dir: modelsDir('cut-rec', (d) => truncateSync(join(d, names.recognition), 2048)) },
    { name: '0-byte detection model', dir: modelsDir('empty-det', (d) => writeFileSync(join(d, names.detection), '')) },
    { name: 'models folder that does not exist', dir: join(work, 'models-absent') },
  ];
  assert.ok(!existsSync(join(work, 'models-absent')));
  const results = [];
  for (const c of cases) {
    results.push({ c, result: await replay(frames, ['--engine', 'ocr'], { ...process.env, SIGHTLINE_OCR_MODELS: c.dir }) });
  }
  assertAll(results);
  console.log(`faults: ${cases.length} corrupt/missing OCR model cases, each one sentence and exit 2`);
});
