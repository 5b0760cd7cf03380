// What `sightline run` prints at start about the token: a generated one (the user needs it), never a
// configured one (the user has it already, and logs are collected and shared), in both log formats.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CLI } from '../helpers/sightline-process.js';

const CONFIGURED = 'configured-token-0123456789';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-token-'));
  for (const [i, background] of ['#204060', '#604020'].entries()) {
    await sharp({ create: { width: 64, height: 48, channels: 3, background } }).png().toFile(join(dir, `${i}.png`));
  }
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a two-frame replay to its end; resolves with the exit code and stderr. */
async function run(logFormat: 'text' | 'json', token?: string): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env, SIGHTLINE_TOKEN: token ?? '' };
  const child = spawn(process.execPath, [CLI, 'run', '--port', '0', '--engine', 'none', '--source', `replay:${dir}`, '--log-format', logFormat], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

for (const format of ['text', 'json'] as const) {
  test(`a configured token is never printed (--log-format ${format})`, async () => {
    const { code, stderr } = await run(format, CONFIGURED);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /serving ws:\/\//);
    assert.match(stderr, /configured token/);
    assert.ok(!stderr.includes(CONFIGURED), `the configured token appears in:\n${stderr}`);
  });

  test(`a generated token is printed once, for the user to copy (--log-format ${format})`, async () => {
    const { code, stderr } = await run(format);
    assert.equal(code, 0, stderr);
    const tokens = [...stderr.matchAll(/token ([A-Za-z0-9_-]{43})\b/g)].map((m) => m[1]);
    assert.equal(tokens.length, 1, stderr);
    if (format === 'json') {
      const line = stderr.split('\n').find((l) => l.includes(tokens[0]!))!;
      assert.match((JSON.parse(line) as { msg: string }).msg, /^token /);
    }
  });
}
