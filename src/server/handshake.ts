// The gate in front of the WebSocket upgrade: Host, path, Origin, token, subprotocol. A refused
// request gets a plain HTTP status before any WebSocket exists (docs/protocol.md "Connecting").
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { chooseSubprotocol, readCredentials, tokensEqual, type TokenCarrier } from './auth.js';
import { loopbackHostAllowed } from './host-header.js';
import { originAllowed } from './origin.js';

export interface HandshakePolicy {
  path: string;
  token: string;
  allowedOrigins: readonly string[];
  allowQueryToken: boolean;
  /** The bound port when the server listens on loopback only: the Host header must then name it. */
  loopbackPort: number | null;
}

/** The DNS-rebinding guard, for upgrades and plain HTTP requests alike; null when the request may go on. */
export function refuseForeignHost(req: IncomingMessage, loopbackPort: number | null): string | null {
  if (loopbackPort === null || loopbackHostAllowed(req.headers.host, loopbackPort)) return null;
  return `Host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not this server: it answers only to localhost, 127.0.0.1 or [::1] on port ${loopbackPort}`;
}

export type HandshakeVerdict =
  | { ok: true; carrier: TokenCarrier }
  | { ok: false; status: 400 | 401 | 403 | 404; message: string };

/** Checks in this order so a foreign page learns nothing about the token (403 before 401). */
export function vetUpgrade(req: IncomingMessage, policy: HandshakePolicy): HandshakeVerdict {
  const foreignHost = refuseForeignHost(req, policy.loopbackPort);
  if (foreignHost !== null) return { ok: false, status: 403, message: foreignHost };
  const pathname = pathnameOf(req);
  if (pathname === null) return { ok: false, status: 400, message: 'request target is not a valid URL' };
  if (pathname !== policy.path) return { ok: false, status: 404, message: `no WebSocket endpoint at ${pathname.slice(0, 100)}; use ${policy.path}` };
  if (!originAllowed(req.headers.origin, policy.allowedOrigins)) {
    return { ok: false, status: 403, message: 'origin not allowed; add it to allowedOrigins (--allow-origin) to let this page connect' };
  }
  const credentials = readCredentials(req, policy.allowQueryToken);
  if (credentials.token === null) {
    return { ok: false, status: 401, message: 'missing token: send "Authorization: Bearer <token>" or the subprotocol "token.<token>"' };
  }
  if (!tokensEqual(credentials.token, policy.token)) {
    return { ok: false, status: 401, message: 'wrong token: use the token the server printed at start (or the one configured in $SIGHTLINE_TOKEN, --token-file or --token-stdin)' };
  }
  const protocol = chooseSubprotocol(credentials);
  if ('error' in protocol) return { ok: false, status: 400, message: protocol.error };
  return { ok: true, carrier: credentials.carrier! };
}

/** The request's path, or null when the request target cannot be parsed (it is client input). */
export function pathnameOf(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  const headers = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer realm="sightline"'] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
