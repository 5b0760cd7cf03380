// Who may connect: every WebSocket upgrade must present the server's token (DESIGN.md "Safety").
// Three carriers, in order of preference (docs/protocol.md "Connecting"):
//   1. `Authorization: Bearer <token>`            non-browser clients
//   2. `Sec-WebSocket-Protocol: sightline.v1, token.<token>`   browsers (a page cannot set headers)
//   3. `?token=<token>` in the URL                 last resort: URLs end up in logs and history
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SightlineError } from '../errors.js';
import { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from './protocol.js';

/** Characters valid in a subprotocol name (RFC 7230 tchar) that are also URL-safe. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]+$/;
export const MIN_TOKEN_LENGTH = 16;
export const MAX_TOKEN_LENGTH = 256;

/** 32 random bytes, base64url: 256 bits, usable in every carrier without escaping. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Throws an actionable SightlineError for a configured token that is weak or cannot travel in a subprotocol. */
export function assertUsableToken(token: string): void {
  const hint = 'leave it unset to have a random one generated';
  if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH) {
    throw new SightlineError('ERR_BAD_TOKEN', `server token must be ${MIN_TOKEN_LENGTH}..${MAX_TOKEN_LENGTH} characters (got ${token.length})`, { hint });
  }
  if (!TOKEN_PATTERN.test(token)) {
    throw new SightlineError('ERR_BAD_TOKEN', 'server token may contain only letters, digits and . _ ~ - (it must fit in a WebSocket subprotocol)', { hint });
  }
}

/**
 * Constant-time comparison. Both sides are hashed first so neither the content nor the length of
 * the expected token leaks through timing (timingSafeEqual itself requires equal lengths).
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export type TokenCarrier = 'header' | 'subprotocol' | 'query';

export interface PresentedCredentials {
  token: string | null;
  carrier: TokenCarrier | null;
  /** Subprotocols the client offered, without the token entry. */
  protocols: string[];
}

/** Reads the token from whichever carrier the request used; `token` is null when none did. */
export function readCredentials(req: IncomingMessage, allowQueryToken: boolean): PresentedCredentials {
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const protocols = offered.filter((p) => !p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));

  const authorization = req.headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (bearer) return { token: bearer[1]!, carrier: 'header', protocols };

  const fromProtocol = offered.find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  if (fromProtocol) return { token: fromProtocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length), carrier: 'subprotocol', protocols };

  if (allowQueryToken) {
    const query = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') : null;
    if (query) return { token: query, carrier: 'query', protocols };
  }
  return { token: null, carrier: null, protocols };
}

/**
 * The subprotocol to answer with, or an error for the client. Browsers fail a connection whose
 * response names no protocol when they offered some, so when any is offered, ours must be among them.
 */
export function chooseSubprotocol(credentials: PresentedCredentials): { protocol: string | null } | { error: string } {
  const { protocols } = credentials;
  if (protocols.length === 0 && credentials.carrier !== 'subprotocol') return { protocol: null };
  if (protocols.includes(SUBPROTOCOL)) return { protocol: SUBPROTOCOL };
  return { error: `this server speaks the subprotocol "${SUBPROTOCOL}"; offered: ${protocols.join(', ').slice(0, 200) || 'only a token'}; offer "${SUBPROTOCOL}" too` };
}
