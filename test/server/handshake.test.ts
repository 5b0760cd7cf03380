// Who gets in: token carriers, refusals before the upgrade, origin rules, capacity.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SUBPROTOCOL } from '../../src/server/protocol.js';
import type { SightlineServer } from '../../src/server/ws-server.js';
import { RawClient, TOKEN, connect, eventually, refusal, startServer } from './helpers.js';

const display = { id: '0', x: 0, y: 0, width: 1280, height: 720, scaleFactor: 1, primary: true };

function get(server: SightlineServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('handshake', () => {
  let server: SightlineServer;
  before(async () => {
    server = await startServer({ allowedOrigins: ['https://app.example.com/'], allowQueryToken: true, displays: [display], maxClients: 4 });
  });
  after(() => server.close());

  test('binds 127.0.0.1 on an ephemeral port and exposes its url', () => {
    assert.ok(server.port > 0);
    assert.equal(server.url, `ws://127.0.0.1:${server.port}/ws`);
  });

  test('Authorization: Bearer gets a hello describing the session', async () => {
    const client = await connect(server, { headers: { authorization: `Bearer ${TOKEN}` } });
    const hello = client.events[0]!;
    assert.equal(hello.type, 'hello');
    if (hello.type !== 'hello') return;
    assert.equal(hello.protocol, 1);
    assert.equal(hello.sessionId, server.sessionId);
    assert.deepEqual(hello.displays, [display]);
    assert.deepEqual(hello.capabilities.topics, ['frame', 'elements', 'metrics', 'token', 'action', 'action_result', 'narration', 'answer']);
    assert.deepEqual(hello.capabilities.features, ['thumbnails']);
    assert.ok(hello.capabilities.commands.includes('subscribe'));
    assert.equal(hello.limits.maxPayloadBytes, 64 * 1024);
    assert.equal(server.stats().perClient.find((c) => c.id === hello.clientId)?.carrier, 'header');
    await client.close();
  });

  test('the subprotocol form is accepted and only sightline.v1 is echoed', async () => {
    const client = await connect(server, { protocols: [SUBPROTOCOL, `token.${TOKEN}`] });
    assert.equal(client.ws.protocol, SUBPROTOCOL);
    await client.close();
  });

  test('?token= works when enabled', async () => {
    const client = await connect(server, { query: `token=${TOKEN}` });
    await client.close();
  });

  test('?token= is refused when not enabled (the default)', async () => {
    const strict = await startServer();
    try {
      assert.equal((await refusal(strict, { query: `token=${TOKEN}` })).status, 401);
    } finally {
      await strict.close();
    }
  });

  test('no token, a wrong token, or a token of another length: 401 before the upgrade', async () => {
    const missing = await refusal(server, {});
    assert.equal(missing.status, 401);
    assert.match(missing.body, /missing token/);
    assert.equal((await refusal(server, { headers: { authorization: `Bearer ${TOKEN.replace('t', 'x')}` } })).status, 401);
    assert.equal((await refusal(server, { headers: { authorization: 'Bearer short' } })).status, 401);
    assert.equal((await refusal(server, { protocols: [SUBPROTOCOL, 'token.nottheright0123456789'] })).status, 401);
    assert.ok((server.stats().refused['401'] ?? 0) >= 4);
  });

  test('a token subprotocol without sightline.v1 is refused with a hint', async () => {
    const { status, body } = await refusal(server, { protocols: [`token.${TOKEN}`] });
    assert.equal(status, 400);
    assert.match(body, /sightline\.v1/);
  });

  test('foreign browser Origin: 403, even with the right token', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' };
    const { status, body } = await refusal(server, { headers });
    assert.equal(status, 403);
    assert.match(body, /allowedOrigins/);
    assert.equal((await refusal(server, { headers: { ...headers, origin: 'null' } })).status, 403);
    assert.equal((await refusal(server, { headers: { ...headers, origin: 'http://localhost.evil.example' } })).status, 403);
  });

  test('foreign Origin with a missing or a wrong token: still 403, so a page learns nothing about the token', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN.replace('t', 'x')}`]) {
      const headers = { origin: 'https://evil.example', ...(authorization && { authorization }) };
      const { status, body } = await refusal(server, { headers });
      assert.equal(status, 403, `token ${authorization ?? 'missing'}`);
      assert.match(body, /origin not allowed/);
    }
    // The same through the browser carrier: the subprotocol token of a foreign page.
    const viaProtocol = await refusal(server, { headers: { origin: 'https://evil.example' }, protocols: [SUBPROTOCOL, 'token.wrong0123456789abcdef'] });
    assert.equal(viaProtocol.status, 403);
  });

  test('DNS rebinding: a Host that is not a loopback name of this port is refused 403 before the token', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`, `127.0.0.1.nip.io:${server.port}`, '[::2]']) {
      const withToken = await refusal(server, { headers: { ...auth, host } });
      assert.equal(withToken.status, 403, `Host ${host} with the right token`);
      assert.match(withToken.body, /answers only to localhost/);
      assert.equal((await refusal(server, { headers: { host } })).status, 403, `Host ${host} without a token: 403, not 401`);
    }
    for (const host of [`localhost:${server.port}`, `LOCALHOST:${server.port}`, `127.0.0.1:${server.port}`, `127.1.2.3:${server.port}`, `[::1]:${server.port}`, '127.0.0.1']) {
      const client = await connect(server, { headers: { ...auth, host } });
      await client.close();
    }
    const plain = await get(server, '/healthz', { host: `evil.example:${server.port}` });
    assert.equal(plain.status, 403, 'plain HTTP requests are guarded too');
  });

  test('local pages on any port and listed origins are allowed', async () => {
    for (const origin of ['http://localhost:5173', 'https://127.0.0.1', 'https://app.example.com']) {
      const client = await connect(server, { headers: { authorization: `Bearer ${TOKEN}`, origin } });
      await client.close();
    }
  });

  test('GET /healthz answers without a token and without data', async () => {
    const { status, body } = await get(server, '/healthz');
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { ok: true });
  });
});

describe('handshake limits', () => {
  test('a wrong path gets 404 and clients past maxClients get 503', async () => {
    const server = await startServer({ maxClients: 1, path: '/stream' });
    try {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const first = await connect(server, { headers: auth });
      assert.equal((await refusal(server, { headers: auth })).status, 503);
      await first.close();
      const wrongPath = server.url.replace('/stream', '/ws');
      const { WebSocket } = await import('ws');
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(wrongPath, { headers: auth });
        ws.on('error', () => {});
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
      assert.equal(status, 404);
    } finally {
      await server.close();
    }
  });

  test('by default the 33rd client is refused with 503 and a reason, and a freed slot is usable again', async () => {
    const server = await startServer();
    try {
      const clients = await Promise.all(Array.from({ length: 32 }, () => connect(server)));
      const { status, body } = await refusal(server, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(status, 503);
      assert.match(body, /too many clients \(limit 32\)/);
      await clients[0]!.close();
      await eventually(() => server.stats().clients === 31, 'the server forgets the closed client');
      const again = await connect(server);
      await Promise.all([again, ...clients.slice(1)].map((c) => c.close()));
    } finally {
      await server.close();
    }
  });

  test('a generated token is long and random', async () => {
    const a = await startServer({ token: undefined });
    const b = await startServer({ token: undefined });
    try {
      assert.ok(a.token.length >= 43);
      assert.notEqual(a.token, b.token);
      const client = await connect(a, { headers: { authorization: `Bearer ${a.token}` } });
      await client.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('heartbeat', () => {
  test('a peer that never answers pings is dropped; one that does stays', async () => {
    const server = await startServer({ heartbeatMs: 60 });
    try {
      const alive = await connect(server);
      const silent = await RawClient.open(server); // reads, but never sends a pong
      const dropped = new Promise<void>((resolve) => silent.socket.once('close', () => resolve()));
      let pings = 0;
      const threePings = new Promise<void>((resolve) => alive.ws.on('ping', () => ++pings === 3 && resolve()));
      await Promise.all([dropped, threePings]);
      assert.equal(server.stats().closedUnresponsive, 1);
      alive.sendJson({ v: 1, type: 'pause', id: 'still here' });
      assert.equal((await alive.next('ack')).id, 'still here');
    } finally {
      await server.close();
    }
  });
});
