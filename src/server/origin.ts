// Which web pages may connect. Any page the user visits can open a WebSocket to 127.0.0.1, and
// browsers always send its Origin, so a foreign Origin is refused before the token is even looked
// at (a page learns nothing by probing). Non-browser clients send no Origin.
import { SightlineError } from '../errors.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when a request with this Origin header may connect: no Origin (not a browser), an origin
 * listed in `allowed` (exact match, e.g. "https://app.example.com"), or a local http(s) page on any port.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the literal "null" origin of sandboxed frames and file:// pages
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname);
}

/** Normalises configured origins so "http://localhost:3000/" matches the header's "http://localhost:3000". */
export function normaliseOrigins(origins: readonly string[]): string[] {
  return origins.map((origin) => {
    // file:, data: and other opaque origins serialise as "null", which would let sandboxed frames in.
    const parsed = URL.canParse(origin) ? new URL(origin).origin : 'null';
    if (parsed === 'null') {
      throw new SightlineError('ERR_BAD_ORIGIN', `allowed origin ${JSON.stringify(origin.slice(0, 200))} is not an http(s) origin`, {
        hint: 'write it like "https://app.example.com" (scheme, host and port only)',
      });
    }
    return parsed;
  });
}
