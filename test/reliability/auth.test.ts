// Auth matrix: every way in without the right credentials, from the places an attacker sits (a
// local process without the token, a web page in the user's browser, a DNS-rebinding page whose
// Host is its own name), sent as raw HTTP upgrade requests so each header is exactly what the
// attacker chooses. Bound: 0 accesses (no 101 Switching Protocols). Positive controls prove the
// harness can see an access at all.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { SightlineServer } from '../../src/server/ws-server.js';

const TOKEN = 'auth-matrix-token-0123456789abcdef';
const WRONG = 'auth-matrix-token-0123456789abcdeX';
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

let server: SightlineServer;
before(async () => {
  server = await new SightlineServer().start({ token: TOKEN, heartbeatMs: 0 });
});
after(() => server.close());

interface Attempt {
  name: string;
  path?: string;
  headers: Record<string, string>;
}

/** Sends one upgrade request; resolves with the status (101 means the attacker got in). */
function attempt(a: Attempt): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      path: a.path ?? '/ws',
      headers: {
        Host: `127.0.0.1:${server.port}`,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': KEY,
        ...a.headers,
      },
    });
    req.once('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const subprotocols = (...p: string[]) => ({ 'Sec-WebSocket-Protocol': p.join(', ') });

function cases(port: number): Attempt[] {
  const evil = ['https://evil.example', 'http://evil.example', `http://evil.example:${port}`, 'http://localhost.evil.example', 'http://127.0.0.1.evil.example', 'http://localhost@evil.example', 'https://evil.example/localhost', 'http://[::ffff:7f00:1].evil.example'];
  const out: Attempt[] = [
    { name: 'no token', headers: {} },
    { name: 'no token, sightline.v1 only', headers: subprotocols('sightline.v1') },
    { name: 'wrong token (header)', headers: bearer(WRONG) },
    { name: 'wrong token (subprotocol)', headers: subprotocols('sightline.v1', `token.${WRONG}`) },
    { name: 'token prefix', headers: bearer(TOKEN.slice(0, -1)) },
    { name: 'token plus a suffix', headers: bearer(`${TOKEN}x`) },
    { name: 'empty bearer', headers: { Authorization: 'Bearer ' } },
    { name: 'Basic scheme with the token', headers: { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } },
    { name: 'token as a bare Authorization value', headers: { Authorization: TOKEN } },
    { name: 'query-string token', path: `/ws?token=${TOKEN}`, headers: {} },
    { name: 'query-string token, sightline.v1', path: `/ws?token=${TOKEN}`, headers: subprotocols('sightline.v1') },
    { name: 'subprotocol token without sightline.v1', headers: subprotocols(`token.${TOKEN}`) },
    { name: 'subprotocol token with another protocol', headers: subprotocols('chat', `token.${TOKEN}`) },
    { name: 'null Origin, correct token', headers: { Origin: 'null', ...bearer(TOKEN) } },
    { name: 'null Origin, subprotocol token', headers: { Origin: 'null', ...subprotocols('sightline.v1', `token.${TOKEN}`) } },
    { name: 'file:// Origin, correct token', headers: { Origin: 'file://', ...bearer(TOKEN) } },
    { name: 'chrome-extension Origin, correct token', headers: { Origin: 'chrome-extension://abcdef', ...bearer(TOKEN) } },
    { name: 'DNS rebinding: forged Host, no Origin, correct token', headers: { Host: `evil.example:${port}`, ...bearer(TOKEN) } },
    { name: 'DNS rebinding: forged Host and its Origin, correct token', headers: { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}`, ...bearer(TOKEN) } },
    { name: 'DNS rebinding: forged Host, subprotocol token', headers: { Host: `evil.example:${port}`, ...subprotocols('sightline.v1', `token.${TOKEN}`) } },
    { name: 'DNS rebinding: forged Host, local Origin, correct token', headers: { Host: `evil.example:${port}`, Origin: `http://localhost:${port}`, ...bearer(TOKEN) } },
    { name: 'wrong path, correct token', path: '/', headers: bearer(TOKEN) },
    { name: 'path prefix, correct token', path: '/ws/../wsx', headers: bearer(TOKEN) },
  ];
  for (const origin of evil) {
    out.push({ name: `foreign Origin ${origin}, no token`, headers: { Origin: origin } });
    out.push({ name: `foreign Origin ${origin}, wrong token`, headers: { Origin: origin, ...bearer(WRONG) } });
    out.push({ name: `CSWSH: foreign Origin ${origin}, correct token (header)`, headers: { Origin: origin, ...bearer(TOKEN) } });
    out.push({ name: `CSWSH: foreign Origin ${origin}, correct token (subprotocol)`, headers: { Origin: origin, ...subprotocols('sightline.v1', `token.${TOKEN}`) } });
  }
  return out;
}

test('auth matrix: 0 accesses without the right token, from a foreign page, or through a forged Host', async () => {
  // Positive controls: the same harness sees an access when the request is legitimate.
  assert.equal(await attempt({ name: 'control header', headers: bearer(TOKEN) }), 101, 'a correct token was refused: the harness cannot see an access');
  assert.equal(await attempt({ name: 'control subprotocol', headers: subprotocols('sightline.v1', `token.${TOKEN}`) }), 101);
  assert.equal(await attempt({ name: 'control local page', headers: { Origin: `http://localhost:${server.port}`, ...bearer(TOKEN) } }), 101);

  const matrix = cases(server.port);
  const results = await Promise.all(matrix.map(async (a) => ({ a, status: await attempt(a) })));
  const accesses = results.filter((r) => r.status === 101);
  const byStatus = new Map<number, number>();
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  console.log(`auth matrix: ${matrix.length} cases, ${accesses.length} accesses; statuses ${[...byStatus].map(([s, n]) => `${s}×${n}`).join(', ')}; 3 positive controls accepted`);
  assert.deepEqual(accesses.map((r) => r.a.name), [], 'unauthorised requests got in');
  // A foreign page learns nothing about the token: 403 whatever it sent (docs/protocol.md "Connecting").
  for (const r of results.filter((x) => x.a.name.includes('foreign Origin') || x.a.name.startsWith('CSWSH'))) {
    assert.equal(r.status, 403, `${r.a.name}: got ${r.status}, want 403 before any token check`);
  }
  for (const r of results.filter((x) => /^(no token|wrong token|token |empty bearer|Basic|query-string)/.test(x.a.name))) {
    assert.equal(r.status, 401, `${r.a.name}: got ${r.status}, want 401`);
  }
});
