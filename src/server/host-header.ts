// DNS rebinding: a page on http://evil.example:PORT whose name the attacker re-points at 127.0.0.1
// is same-origin with itself, so neither the Origin rule nor the browser's own rules stop it from
// talking to a loopback server. Its requests still carry `Host: evil.example:PORT`, though, so a
// server bound to loopback answers only requests addressed to a loopback name (docs/protocol.md "Host").

/**
 * True when `host` (the Host header) names this loopback server: `localhost`, a 127.x.x.x address
 * or `[::1]`, with no port or with `port`. Anything else, including no Host at all, is refused.
 */
export function loopbackHostAllowed(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host);
  if (!match) return false;
  const name = match[1]!.toLowerCase();
  if (match[2] !== undefined && Number(match[2]) !== port) return false;
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
