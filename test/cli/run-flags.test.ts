// `sightline run` flags in process: every mistake is one UsageError sentence, the token comes
// from the environment, a file or stdin (never argv) and is never echoed, and a network bind
// needs the explicit opt-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isLoopback, networkExposureWarning, parseRunArgs, RUN_HELP, type RunConfig } from '../../src/cli/run-flags.js';
import { UsageError } from '../../src/cli/usage-error.js';

const replay = ['--source', 'replay:./recording'];
const GOOD = 'abcdefghijklmnop-._~0123456789';
const noEnv: NodeJS.ProcessEnv = {};

async function parse(argv: string[], env: NodeJS.ProcessEnv = noEnv, stdin: NodeJS.ReadableStream = Readable.from([])): Promise<RunConfig> {
  const config = await parseRunArgs([...replay, ...argv], env, stdin);
  assert.notEqual(config, 'help');
  return config as RunConfig;
}

async function refused(argv: string[], message: RegExp, env: NodeJS.ProcessEnv = noEnv, stdin?: NodeJS.ReadableStream): Promise<string> {
  let caught: unknown;
  await parse(argv, env, stdin).then(
    () => assert.fail(`accepted ${argv.join(' ')}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof UsageError, `not a UsageError: ${(caught as Error)?.stack}`);
  assert.match(caught.message, message);
  assert.doesNotMatch(caught.message, /\n/);
  return caught.message;
}

function tempFile(content: string): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-flags-'));
  const path = join(dir, 'token');
  writeFileSync(path, content, { mode: 0o600 });
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('defaults: loopback, 32 clients, cpu, no token configured', async () => {
  const c = await parse([]);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.exposeToNetwork, false);
  assert.equal(c.maxClients, 32);
  assert.equal(c.device, 'cpu');
  assert.equal('token' in c, false, 'token is set only when configured');
  assert.equal(await parseRunArgs(['--help'], noEnv), 'help');
});

test('the token comes from SIGHTLINE_TOKEN, --token-file (first line, trimmed) or --token-stdin', async () => {
  assert.equal((await parse([], { SIGHTLINE_TOKEN: GOOD })).token, GOOD);
  const file = tempFile(`  ${GOOD}  \r\nsecond line\n`);
  try {
    assert.equal((await parse(['--token-file', file.path], { SIGHTLINE_TOKEN: 'x'.repeat(20) })).token, GOOD, 'a flag beats the environment');
  } finally {
    file.done();
  }
  assert.equal((await parse(['--token-stdin'], noEnv, Readable.from([`${GOOD.slice(0, 10)}`, `${GOOD.slice(10)}\nrest`]))).token, GOOD);
});

test('--token on argv is refused with the reason and what to use, without echoing it', async () => {
  const message = await refused(['--token', GOOD], /visible to every local user through ps.*SIGHTLINE_TOKEN.*--token-file PATH.*--token-stdin/);
  assert.ok(!message.includes(GOOD));
  await refused([`--token=${GOOD}`], /--token is refused/);
});

test('a short, long or malformed token is refused as the server would, never echoed', async () => {
  for (const [env, expected] of [
    [{ SIGHTLINE_TOKEN: 'abcdefghijklmn' }, /SIGHTLINE_TOKEN is not usable: .*16\.\.256 characters \(got 14\)/],
    [{ SIGHTLINE_TOKEN: 'a'.repeat(257) }, /got 257/],
    [{ SIGHTLINE_TOKEN: 'abcdefghijklmnop qrs' }, /only letters, digits and \. _ ~ -/],
    [{ SIGHTLINE_TOKEN: 'abcdefghijklmnopqrs/' }, /only letters, digits/],
  ] as const) {
    const message = await refused([], expected, env);
    assert.ok(!message.includes(env.SIGHTLINE_TOKEN.slice(0, 14)), 'the token is not echoed');
  }
  const short = tempFile('shorttoken\n');
  try {
    await refused(['--token-file', short.path], /the token from --token-file .* is not usable: .*got 10/);
  } finally {
    short.done();
  }
  await refused(['--token-stdin'], /--token-stdin gave an empty token/, noEnv, Readable.from([]));
  await refused(['--token-file', join(tmpdir(), 'sightline-no-such-token-file')], /cannot read the token file .*sightline-no-such-token-file \(ENOENT\)/);
  await refused(['--token-file', 'a', '--token-stdin'], /use one/);
  const open = tempFile(`${GOOD}\n`);
  try {
    chmodSync(open.path, 0o644);
    await refused(['--token-file', open.path], /is readable by other users \(mode 0644\); restrict it with `chmod 600 /);
    chmodSync(open.path, 0o640);
    await refused(['--token-file', open.path], /mode 0640/);
  } finally {
    open.done();
  }
});

test('--host must be an IP or a host name, and loopback unless --expose-to-network', async () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) assert.ok(isLoopback((await parse(['--host', host])).host), host);
  for (const bad of ['a b', 'http://x', '-x.com', '1.2.3.4:80', '']) await refused([`--host=${bad}`], /--host must be an IP address .* or a host name/);
  await refused(['--host', '--port'], /Option '--host' argument is ambiguous\. Did you forget/);
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '128.0.0.1']) {
    await refused(['--host', host], /unencrypted .* to the network.*--expose-to-network/);
    const c = await parse(['--host', host, '--expose-to-network']);
    assert.equal(c.exposeToNetwork, true);
  }
  const warning = networkExposureWarning('0.0.0.0');
  assert.match(warning, /^WARNING: .*0\.0\.0\.0.*NO ENCRYPTION/);
  assert.doesNotMatch(warning, /\n/);
});

test('--allow-origin must be an http(s) origin; it is normalised', async () => {
  assert.deepEqual((await parse(['--allow-origin', 'https://app.example.com/', '--allow-origin', 'http://localhost:3000'])).allowedOrigins, ['https://app.example.com', 'http://localhost:3000']);
  for (const bad of ['app.example.com', 'ftp://x.com', 'https://x.com/path', 'https://x.com/?q', 'null', 'https://u:p@x.com']) await refused(['--allow-origin', bad], /--allow-origin must be an http\(s\) origin/);
});

test('--max-clients 1..10000, --device cpu|webgpu|cuda|auto, numbers and unknown flags', async () => {
  assert.equal((await parse(['--max-clients', '10000'])).maxClients, 10000);
  assert.equal((await parse(['--max-clients', '1'])).maxClients, 1);
  for (const bad of ['0', '10001', '2.5', 'many', '']) await refused(['--max-clients', bad], /--max-clients must be an integer from 1 to 10000/);
  for (const device of ['cpu', 'webgpu', 'cuda', 'auto'] as const) assert.equal((await parse(['--device', device])).device, device);
  await refused(['--device', 'tpu'], /--device must be one of cpu, webgpu, cuda, auto/);
  await refused(['--fps', '0'], /--fps must be a number from 0\.1 to 120, got "0"/);
  await refused(['--fps', ''], /--fps must be a number/);
  await refused(['--bogus'], /Unknown option '--bogus' \(see: sightline run --help\)/);
});

test('RUN_HELP documents every flag the parser accepts', () => {
  for (const flag of ['--source', '--display', '--region', '--fps', '--engine', '--device', '--host', '--expose-to-network', '--port', '--token-file', '--token-stdin', '--max-clients', '--allow-origin', '--record', '--loop', '--log-format', '--verbose', '--quiet', 'SIGHTLINE_TOKEN', 'SIGHTLINE_OCR_MODELS']) {
    assert.ok(RUN_HELP.includes(flag), flag);
  }
});
