// The upgrade gate spoken by hand over TCP: exact request targets and headers, the exact HTTP
// answer. These tests kill the mutants of auth.ts, handshake.ts and origin.ts that the
// handshake suite let live (docs/mutation.md): check order, token carriers, limits, the refusal.
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SightlineError } from '../../src/errors.js';
import { SUBPROTOCOL } from '../../src/server/protocol.js';
import type { SightlineServer } from '../../src/server/ws-server.js';
import { TOKEN, connect, startServer } from './helpers.js';

interface Answer {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

/** Sends one upgrade request with exactly these headers and reads the whole answer. */
function upgrade(server: SightlineServer, headers: Record<string, string>, target = '/ws'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(server.port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      // A 101 keeps the socket open: stop at the end of its head.
      if (/^HTTP\/1\.1 101 /.test(raw) && raw.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = raw.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const match = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(statusLine ?? '');
      if (!match) return reject(new Error(`no HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`));
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(match[1]), reason: match[2]!, headers: parsed, body: Buffer.from(raw.slice(end + 4), 'latin1').toString('utf8') });
    });
    const all = {
      Host: `127.0.0.1:${server.port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...headers,
    };
    socket.write(`GET ${target} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  });
}

const bearer = { Authorization: `Bearer ${TOKEN}` };

describe('handshake gate, exactly', () => {
  let server: SightlineServer;
  let withQuery: SightlineServer;
  before(async () => {
    server = await startServer({ allowedOrigins: ['https://app.example.com'] });
    withQuery = await startServer({ allowQueryToken: true });
  });
  after(() => Promise.all([server.close(), withQuery.close()]));

  test('a foreign Origin is refused with 403 before the token is looked at: missing, wrong or right', async () => {
    for (const auth of [{}, { Authorization: 'Bearer wrong-token-0123456789' }, bearer]) {
      const answer = await upgrade(server, { Origin: 'https://evil.example', ...auth });
      assert.equal(answer.status, 403, JSON.stringify(auth));
      assert.equal(answer.reason, 'Forbidden');
      assert.equal(answer.body, 'origin not allowed; add it to allowedOrigins (--allow-origin) to let this page connect\n');
      assert.equal(answer.headers['www-authenticate'], undefined, '403 does not invite a token');
    }
  });

  test('the path is checked before the Origin and the token; its echo is clipped', async () => {
    const answer = await upgrade(server, { Origin: 'https://evil.example' }, '/other');
    assert.equal(answer.status, 404);
    assert.equal(answer.reason, 'Not Found');
    assert.equal(answer.body, 'no WebSocket endpoint at /other; use /ws\n');
    const long = await upgrade(server, bearer, `/${'p'.repeat(300)}`);
    assert.equal(long.status, 404);
    assert.equal(long.body, `no WebSocket endpoint at /${'p'.repeat(99)}; use /ws\n`);
    // The query string is not part of the path.
    assert.equal((await upgrade(server, bearer, '/ws?x=1')).status, 101);
  });

  test('a request target that is not a URL gets 400', async () => {
    const answer = await upgrade(server, bearer, '//[');
    assert.equal(answer.status, 400);
    assert.equal(answer.reason, 'Bad Request');
    assert.equal(answer.body, 'request target is not a valid URL\n');
  });

  test('401 answers name what is wrong, carry WWW-Authenticate and a correct Content-Length', async () => {
    const missing = await upgrade(server, {});
    assert.equal(missing.status, 401);
    assert.equal(missing.reason, 'Unauthorized');
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="sightline"');
    assert.equal(missing.headers['connection'], 'close');
    assert.equal(missing.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(missing.body, 'missing token: send "Authorization: Bearer <token>" or the subprotocol "token.<token>"\n');
    assert.equal(Number(missing.headers['content-length']), Buffer.byteLength(missing.body));
    const wrong = await upgrade(server, { Authorization: `Bearer ${TOKEN}x` });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body, 'wrong token: use the token the server printed at start (or the one configured in $SIGHTLINE_TOKEN, --token-file or --token-stdin)\n');
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="sightline"');
    // A prefix of the token is wrong too.
    assert.equal((await upgrade(server, { Authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status, 401);
  });

  test('Authorization: the scheme is case-insensitive, spaces around the token are tolerated, nothing else', async () => {
    for (const value of [`bearer ${TOKEN}`, `BEARER  ${TOKEN}`, `Bearer\t${TOKEN}`, `Bearer ${TOKEN}  `]) {
      assert.equal((await upgrade(server, { Authorization: value })).status, 101, JSON.stringify(value));
    }
    for (const value of [`Basic ${TOKEN}`, `Bearer${TOKEN}`, `Bearer ${TOKEN} extra`, `XBearer ${TOKEN}`, `Bearer `]) {
      assert.equal((await upgrade(server, { Authorization: value })).status, 401, JSON.stringify(value));
    }
  });

  test('an unusable Authorization header falls back to the token subprotocol', async () => {
    const answer = await upgrade(server, { Authorization: 'Basic abc', 'Sec-WebSocket-Protocol': `${SUBPROTOCOL}, token.${TOKEN}` });
    assert.equal(answer.status, 101);
    assert.equal(answer.headers['sec-websocket-protocol'], SUBPROTOCOL);
    // A valid header wins over a wrong subprotocol token...
    assert.equal((await upgrade(server, { ...bearer, 'Sec-WebSocket-Protocol': `${SUBPROTOCOL}, token.wrong0123456789abc` })).status, 101);
    // ...and a wrong header over a right subprotocol token.
    assert.equal((await upgrade(server, { Authorization: 'Bearer wrong0123456789abc', 'Sec-WebSocket-Protocol': `${SUBPROTOCOL}, token.${TOKEN}` })).status, 401);
  });

  test('subprotocol lists: spaces around entries are ignored; the token entry is never echoed', async () => {
    const answer = await upgrade(server, { 'Sec-WebSocket-Protocol': `token.${TOKEN} ,  ${SUBPROTOCOL}` });
    assert.equal(answer.status, 101);
    assert.equal(answer.headers['sec-websocket-protocol'], SUBPROTOCOL);
    // Header token with subprotocols offered: ours must be among them; with none offered, none is answered.
    const plain = await upgrade(server, bearer);
    assert.equal(plain.status, 101);
    assert.equal(plain.headers['sec-websocket-protocol'], undefined);
    const foreign = await upgrade(server, { ...bearer, 'Sec-WebSocket-Protocol': 'chat, superchat' });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body, `this server speaks the subprotocol "${SUBPROTOCOL}"; offered: chat, superchat; offer "${SUBPROTOCOL}" too\n`);
    const onlyToken = await upgrade(server, { 'Sec-WebSocket-Protocol': `token.${TOKEN}` });
    assert.equal(onlyToken.status, 400);
    assert.equal(onlyToken.body, `this server speaks the subprotocol "${SUBPROTOCOL}"; offered: only a token; offer "${SUBPROTOCOL}" too\n`);
    const many = Array.from({ length: 60 }, (_, i) => `proto${i}`).join(', ');
    const clipped = await upgrade(server, { ...bearer, 'Sec-WebSocket-Protocol': many });
    assert.equal(clipped.status, 400);
    assert.ok(clipped.body.includes(`offered: ${many.slice(0, 200)}; offer`), 'the offered list is clipped to 200 characters');
  });

  test('?token= only where enabled, and only the token parameter', async () => {
    assert.equal((await upgrade(withQuery, {}, `/ws?token=${TOKEN}`)).status, 101);
    assert.equal((await upgrade(withQuery, {}, `/ws?a=1&token=${TOKEN}`)).status, 101);
    assert.equal((await upgrade(withQuery, {}, `/ws?tok=${TOKEN}`)).status, 401);
    const empty = await upgrade(withQuery, {}, '/ws?token=');
    assert.equal(empty.status, 401);
    assert.match(empty.body, /^missing token/, 'an empty ?token= is no token');
    assert.equal((await upgrade(withQuery, {}, `/ws?token=${TOKEN}x`)).status, 401);
    assert.equal((await upgrade(server, {}, `/ws?token=${TOKEN}`)).status, 401);
    const client = await connect(withQuery, { query: `token=${TOKEN}` });
    assert.equal(withQuery.stats().perClient.at(-1)?.carrier, 'query');
    await client.close();
  });

  test('Origin rules: loopback http(s) on any port, [::1] too; other schemes, hosts and look-alikes are foreign', async () => {
    const allowed = ['http://localhost', 'https://localhost:8443', 'http://127.0.0.1:3000', 'http://[::1]:5173', 'https://[::1]', 'https://app.example.com'];
    for (const origin of allowed) assert.equal((await upgrade(server, { ...bearer, Origin: origin })).status, 101, origin);
    const foreign = [
      'ws://localhost',
      'ftp://127.0.0.1',
      'file://',
      'null',
      'http://127.0.0.2',
      'http://localhost.evil.example',
      'http://evil.example',
      'https://app.example.com:444',
      'http://app.example.com',
      'not a url',
      '',
    ];
    for (const origin of foreign) assert.equal((await upgrade(server, { ...bearer, Origin: origin })).status, 403, JSON.stringify(origin));
  });
});

describe('capacity', () => {
  test('past maxClients: 503 Service Unavailable with the limit, after the token check', async () => {
    const server = await startServer({ maxClients: 1 });
    try {
      assert.equal((await upgrade(server, bearer)).status, 101);
      // upgrade() destroyed that socket; wait until the server has seen it go.
      while (server.stats().perClient.length > 0) await new Promise((resolve) => setImmediate(resolve));
      const first = await connect(server);
      const full = await upgrade(server, bearer);
      assert.equal(full.status, 503);
      assert.equal(full.reason, 'Service Unavailable');
      assert.equal(full.body, 'too many clients (limit 1); close another connection first\n');
      assert.equal((await upgrade(server, {})).status, 401, 'a client without the token learns nothing about capacity');
      await first.close();
    } finally {
      await server.close();
    }
  });
});

describe('configured tokens and origins', () => {
  test('a token of 16 and of 256 characters of A-Z a-z 0-9 . _ ~ - is usable; 15, 257 and any other character are not', async () => {
    const alphabet = 'ABCXYZabcxyz0189._~-';
    for (const token of [alphabet.slice(0, 16), alphabet.repeat(13).slice(0, 256)]) {
      const server = await startServer({ token });
      try {
        assert.equal((await upgrade(server, { Authorization: `Bearer ${token}` })).status, 101, `length ${token.length}`);
      } finally {
        await server.close();
      }
    }
    await assert.rejects(startServer({ token: alphabet.slice(0, 15) }), /must be 16\.\.256 characters \(got 15\)/);
    await assert.rejects(startServer({ token: 'a'.repeat(257) }), /\(got 257\)/);
    for (const bad of [`${'a'.repeat(20)} `, ` ${'a'.repeat(20)}`, `${'a'.repeat(10)}+${'a'.repeat(10)}`, `${'a'.repeat(10)}é${'a'.repeat(10)}`]) {
      await assert.rejects(startServer({ token: bad }), /may contain only letters, digits and \. _ ~ -/, JSON.stringify(bad));
    }
  });

  test('a generated token is 43 base64url characters and is what clients must present', async () => {
    const server = await startServer({ token: undefined });
    try {
      assert.match(server.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal((await upgrade(server, { Authorization: `Bearer ${server.token}` })).status, 101);
      assert.equal((await upgrade(server, bearer)).status, 401);
    } finally {
      await server.close();
    }
  });

  test('configured origins are normalised (trailing slash, default port, case) and invalid ones name themselves', async () => {
    const server = await startServer({ allowedOrigins: ['https://App.Example.com:443/', 'http://tools.example:8080/path'] });
    try {
      assert.equal((await upgrade(server, { ...bearer, Origin: 'https://app.example.com' })).status, 101);
      assert.equal((await upgrade(server, { ...bearer, Origin: 'http://tools.example:8080' })).status, 101);
      assert.equal((await upgrade(server, { ...bearer, Origin: 'http://tools.example' })).status, 403);
    } finally {
      await server.close();
    }
    await assert.rejects(startServer({ allowedOrigins: ['app.example.com'] }), (err: SightlineError) => err.code === 'ERR_BAD_ORIGIN' && /"app\.example\.com" is not an http\(s\) origin/.test(err.message) && /https:\/\/app\.example\.com/.test(err.hint ?? ''));
  });
});
