// A user's mistake in the server's configuration, or a port that cannot be had, is a SightlineError
// with a stable code and a sentence that says what to do (the CLI prints it and exits 2).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { SightlineError } from '../../src/errors.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import { startServer } from './helpers.js';

async function startError(options: ServerOptions): Promise<SightlineError> {
  try {
    const server = await startServer(options);
    await server.close();
  } catch (err) {
    assert.ok(err instanceof SightlineError, `not a SightlineError: ${String(err)}`);
    assert.doesNotMatch(err.sentence, /\n/, 'one line');
    return err;
  }
  throw new Error(`start(${JSON.stringify(options)}) succeeded`);
}

describe('server start errors', () => {
  test('bad configuration: each is a SightlineError naming the option and the fix', async () => {
    const cases: Array<[ServerOptions, string, RegExp]> = [
      [{ token: 'abcdefghijklmn' }, 'ERR_BAD_TOKEN', /16\.\.256 characters \(got 14\); leave it unset/],
      [{ token: 'has spaces in it, 0123456789' }, 'ERR_BAD_TOKEN', /letters, digits/],
      [{ allowedOrigins: ['not an origin'] }, 'ERR_BAD_ORIGIN', /"not an origin" is not an http\(s\) origin; write it like/],
      [{ allowedOrigins: ['file:///home/me/page.html'] }, 'ERR_BAD_ORIGIN', /not an http\(s\) origin/],
      [{ host: 'not a host!' }, 'ERR_BAD_HOST', /neither an IP address nor a hostname; use 127\.0\.0\.1/],
      [{ maxClients: 0 }, 'ERR_BAD_SERVER_OPTION', /maxClients must be a whole number of at least 1 \(got 0\)/],
      [{ maxClients: 2.5 }, 'ERR_BAD_SERVER_OPTION', /maxClients/],
      [{ readDeadlineMs: -1 }, 'ERR_BAD_SERVER_OPTION', /readDeadlineMs must be >= 0/],
      [{ handshakeTimeoutMs: 0 }, 'ERR_BAD_SERVER_OPTION', /handshakeTimeoutMs must be > 0/],
      [{ port: 70000 }, 'ERR_BAD_PORT', /0\.\.65535 \(got 70000\); use 0/],
    ];
    for (const [options, code, sentence] of cases) {
      const err = await startError(options);
      assert.equal(err.code, code, JSON.stringify(options));
      assert.match(err.sentence, sentence);
    }
  });

  test('a port in use: ERR_PORT_IN_USE with the port, the host and the way out', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const err = await startError({ port });
      assert.equal(err.code, 'ERR_PORT_IN_USE');
      assert.equal(err.sentence, `port ${port} on 127.0.0.1 is already in use; pick another with --port, or --port 0 for any free port.`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('an address that is not this machine\'s: ERR_ADDRESS_UNAVAILABLE', async () => {
    const err = await startError({ host: '192.0.2.1' }); // TEST-NET-1 (RFC 5737): never a local address
    assert.equal(err.code, 'ERR_ADDRESS_UNAVAILABLE');
    assert.match(err.sentence, /192\.0\.2\.1: it is not an address of this machine; use 127\.0\.0\.1/);
  });

  test('[::1] is accepted as ::1', async () => {
    const server = await startServer({ host: '[::1]' });
    try {
      assert.equal(server.url, `ws://[::1]:${server.port}/ws`);
    } finally {
      await server.close();
    }
  });
});
