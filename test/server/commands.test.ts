// Inbound messages: validation, errors that name the field, rate limiting, and the commands stream.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { ClientCommandMessage } from '../../src/server/ws-server.js';
import { TOKEN, connect, startServer } from './helpers.js';

describe('malformed input gets an error event and the connection lives on', () => {
  test('each kind of garbage is named, then a valid command is still acknowledged', async () => {
    const server = await startServer();
    const seen: ClientCommandMessage[] = [];
    server.commands.subscribe((c) => seen.push(c));
    const client = await connect(server);
    try {
      const cases: Array<{ send: () => void; code: string; field?: string; id?: string | number; message?: RegExp }> = [
        { send: () => client.ws.send('{"v":1,"type":'), code: 'ERR_INVALID_JSON', message: /not valid JSON/ },
        { send: () => client.ws.send(Buffer.from([1, 2, 3])), code: 'ERR_BINARY_NOT_SUPPORTED' },
        { send: () => client.sendJson([1, 2]), code: 'ERR_INVALID_MESSAGE' },
        { send: () => client.sendJson({ type: 'pause', id: 'a' }), code: 'ERR_UNSUPPORTED_VERSION', field: 'v', id: 'a' },
        { send: () => client.sendJson({ v: 2, type: 'pause' }), code: 'ERR_UNSUPPORTED_VERSION', message: /v=2/ },
        { send: () => client.sendJson({ v: 1 }), code: 'ERR_INVALID_MESSAGE', field: 'type' },
        { send: () => client.sendJson({ v: 1, type: 'teleport', id: 7, text: 'open mail' }), code: 'ERR_UNKNOWN_COMMAND', field: 'type', id: 7 },
        { send: () => client.sendJson({ v: 1, type: '__proto__' }), code: 'ERR_UNKNOWN_COMMAND' },
        { send: () => client.sendJson({ v: 1, type: 'subscribe', id: 's', topics: ['frame', 'frames'] }), code: 'ERR_INVALID_COMMAND', field: 'topics.1', id: 's' },
        { send: () => client.sendJson({ v: 1, type: 'subscribe', topics: 'frame' }), code: 'ERR_INVALID_COMMAND', field: 'topics', message: /expected array/ },
        { send: () => client.sendJson({ v: 1, type: 'subscribe', id: 'm' }), code: 'ERR_INVALID_COMMAND', field: 'topics', message: /"topics" is required/ },
        { send: () => client.sendJson({ v: 1, type: 'subscribe', topic: ['frame'], topics: [] }), code: 'ERR_INVALID_COMMAND', field: 'topic', message: /not a field/ },
        { send: () => client.sendJson({ v: 1, type: 'pause', id: { nested: true } }), code: 'ERR_INVALID_COMMAND', field: 'id' },
        { send: () => client.ws.send(`{"v":1,"type":"pause","pad":"${'x'.repeat(70 * 1024)}"}`), code: 'ERR_PAYLOAD_TOO_LARGE', message: /exceeds the limit of 65536/ },
      ];
      for (const [i, c] of cases.entries()) {
        c.send();
        const error = await client.next('error');
        assert.equal(error.code, c.code, `case ${i}: ${error.message}`);
        if (c.field !== undefined) assert.equal(error.ref?.field, c.field, `case ${i} field`);
        if (c.id !== undefined) assert.equal(error.ref?.id, c.id, `case ${i} id`);
        if (c.message) assert.match(error.message, c.message, `case ${i} message`);
        assert.doesNotMatch(error.message, /\n\s+at /, 'no stack traces');
        client.sendJson({ v: 1, type: 'pause', id: `ok-${i}` });
        assert.equal((await client.next('ack')).id, `ok-${i}`);
      }
      assert.deepEqual(
        seen.map((s) => s.command),
        cases.map((_, i) => ({ v: 1, type: 'pause', id: `ok-${i}` })),
        'only valid commands reach the commands stream',
      );
      assert.equal(server.stats().errors, cases.length);
      assert.equal(server.stats().commands, cases.length);
    } finally {
      await server.close();
    }
  });

  test('a message over maxFrameBytes closes that connection (1009) and nothing else', async () => {
    const server = await startServer({ maxPayloadBytes: 1024, maxFrameBytes: 4096 });
    try {
      const big = await connect(server);
      const other = await connect(server);
      big.ws.send('x'.repeat(8192));
      assert.equal((await big.closed).code, 1009);
      other.sendJson({ v: 1, type: 'resume', id: 1 });
      assert.equal((await other.next('ack')).command, 'resume');
    } finally {
      await server.close();
    }
  });
});

describe('hostile messages through a real socket', () => {
  test('issue 11: a 4,200-level and a 100,000-level nested `v` get an error event, and the server keeps serving', async () => {
    const server = await startServer({ maxPayloadBytes: 256 * 1024 });
    try {
      const attacker = await connect(server);
      const bystander = await connect(server);
      for (const depth of [4200, 100_000]) {
        attacker.ws.send(`{"v":${'['.repeat(depth)}${']'.repeat(depth)},"type":"resume"}`);
        const error = await attacker.next('error');
        assert.equal(error.code, 'ERR_NESTING_TOO_DEEP', `depth ${depth}`);
        assert.ok(JSON.stringify(error).length < 400, 'nothing of the value is echoed');
      }
      attacker.sendJson({ v: 1, type: 'resume', id: 'after' });
      assert.equal((await attacker.next('ack')).id, 'after');
      bystander.sendJson({ v: 1, type: 'pause', id: 'other' });
      assert.equal((await bystander.next('ack')).id, 'other');
    } finally {
      await server.close();
    }
  });

  test('a 60 KB value or key is echoed clipped to 120 characters with its length', async () => {
    const server = await startServer();
    try {
      const client = await connect(server);
      const huge = 'x'.repeat(60 * 1024);
      const clipped = `${'x'.repeat(120)}… (61440 characters)`;
      client.sendJson({ v: huge, type: 'pause' });
      const badVersion = await client.next('error');
      assert.equal(badVersion.code, 'ERR_UNSUPPORTED_VERSION');
      assert.match(badVersion.message, /v="x{119}… \(61442 characters\); add "v": 1$/); // the JSON of the string, clipped
      client.sendJson({ v: 1, type: 'pause', [huge]: true });
      const badKey = await client.next('error');
      assert.equal(badKey.ref?.field, clipped);
      assert.ok(JSON.stringify(badKey).length < 600);
    } finally {
      await server.close();
    }
  });
});

describe('rate limit (virtual clock)', () => {
  test('over the burst: one rate_limited error, recovery after refill, disconnect on sustained abuse', async () => {
    let now = 0;
    const server = await startServer({ maxMessagesPerSecond: 10, messageBurst: 10, abuseLimit: 30, now: () => now });
    try {
      const client = await connect(server);
      for (let i = 0; i < 11; i++) client.sendJson({ v: 1, type: 'pause', id: i });
      const error = await client.next('error');
      assert.equal(error.code, 'ERR_RATE_LIMITED');
      assert.equal(client.events.filter((e) => e.type === 'ack').length, 10);

      now += 2000; // the bucket is full again, and this rate-limit episode is over
      client.sendJson({ v: 1, type: 'resume', id: 'after' });
      assert.equal((await client.next('ack')).id, 'after');
      assert.equal(server.stats().perClient[0]!.rateLimited, 1);

      for (let i = 0; i < 100; i++) client.sendJson({ v: 1, type: 'pause' });
      const closed = await client.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /rate limit/);
      assert.equal(client.events.filter((e) => e.type === 'error').length, 2, 'one error per episode, not one per message');
      assert.equal(server.stats().closedForAbuse, 1);
    } finally {
      await server.close();
    }
  });
});

describe('close()', () => {
  test('closes connected clients with 1001, completes commands, and refuses newcomers', async () => {
    const server = await startServer();
    const a = await connect(server);
    const b = await connect(server, { protocols: ['sightline.v1', `token.${TOKEN}`] });
    let completed = false;
    server.commands.subscribe({ complete: () => (completed = true) });
    await server.close();
    assert.equal((await a.closed).code, 1001);
    assert.equal((await b.closed).code, 1001);
    assert.equal(completed, true);
    await server.close(); // idempotent
    const ws = new WebSocket(server.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    await new Promise<void>((resolve) => ws.once('error', () => resolve()));
  });
});
