// Every limit of the server in one place, with its default and why (docs/protocol.md "Limits").
// A bad value is the user's mistake (a flag, a config file): it is a SightlineError naming the
// option, the value and what to do.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { SightlineError } from '../errors.js';
import type { DisplayInfo } from '../frames/frame.js';
import { assertUsableToken, generateToken } from './auth.js';
import { normaliseOrigins } from './origin.js';
import type { SendQueueLimits } from './send-queue.js';

export interface ServerOptions {
  /** Interface to bind. Default 127.0.0.1: the server moves the user's mouse, keep it local. */
  host?: string;
  /** 0 picks a free port (read it back from `server.port`). Default 0. */
  port?: number;
  /** Path of the WebSocket endpoint. Default "/ws". */
  path?: string;
  /** Shared secret clients must present; a random 256-bit one is generated when unset. */
  token?: string;
  /** Browser origins allowed besides local http(s) pages, e.g. ["https://app.example.com"]. */
  allowedOrigins?: string[];
  /** Accept `?token=` in the URL. Off by default: URLs are written to logs, proxies and history. */
  allowQueryToken?: boolean;
  /** Largest command accepted; bigger ones get a `ERR_PAYLOAD_TOO_LARGE` error. Default 64 KiB. */
  maxPayloadBytes?: number;
  /** Largest WebSocket message read at all; bigger ones close the connection (1009). Default 1 MiB. */
  maxFrameBytes?: number;
  /** Sustained inbound message rate per connection. Default 20/s. */
  maxMessagesPerSecond?: number;
  /** Messages allowed at once after a quiet period. Default 2 × maxMessagesPerSecond. */
  messageBurst?: number;
  /** Rejected messages in one burst of abuse before the connection is closed (1008). Default 5 × burst. */
  abuseLimit?: number;
  /** Bytes a client may have unsent in its socket before events are coalesced. Default 1 MiB, min 16 KiB. */
  sendBufferBytes?: number;
  /** Non-coalescible events (acks, errors) queued per slow client; the oldest is dropped past it. Default 256. */
  maxQueuedEvents?: number;
  /** Ids a slow client's merged elements diff may hold before a full resync replaces it. Default 4096. */
  maxPendingElements?: number;
  /** Concurrent connections; more are refused with 503. Default 32. */
  maxClients?: number;
  /**
   * A client whose pending events could not be handed to its socket for this long is closed (1008),
   * pongs or not: a peer that never reads must not hold a client slot. Default 10000 ms; 0 disables.
   */
  readDeadlineMs?: number;
  /**
   * A TCP connection that has not completed its WebSocket upgrade (or its first HTTP request) this
   * long after connecting is destroyed, as is a refused one whose peer does not hang up: half-open
   * sockets must not pile up. Default 5000 ms.
   */
  handshakeTimeoutMs?: number;
  /** How long close() waits for a client's closing handshake before dropping it. Default 2000 ms. */
  closeTimeoutMs?: number;
  /**
   * Interval of WebSocket pings. A client that leaves two pings in a row unanswered is dropped: a
   * vanished peer (sleeping laptop, pulled cable) must not hold a client slot forever. This also
   * drops a client that has not read for two to three intervals. Default 30000 ms; 0 disables.
   */
  heartbeatMs?: number;
  /** Displays announced in `hello` (also settable later with setDisplays). */
  displays?: DisplayInfo[];
  /** Version announced in `hello`. Default: the sightline package version. */
  serverVersion?: string;
  /** Clock for rate limiting, in ms; tests pass a virtual one. Default performance.now. */
  now?: () => number;
}

export type ResolvedOptions = Required<Omit<ServerOptions, 'displays'>>;

const KiB = 1024;

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const maxMessagesPerSecond = options.maxMessagesPerSecond ?? 20;
  const messageBurst = options.messageBurst ?? Math.max(1, Math.ceil(2 * maxMessagesPerSecond));
  const maxPayloadBytes = options.maxPayloadBytes ?? 64 * KiB;
  const resolved: ResolvedOptions = {
    host: normaliseHost(options.host ?? '127.0.0.1'),
    port: options.port ?? 0,
    path: options.path ?? '/ws',
    token: options.token ?? generateToken(),
    allowedOrigins: normaliseOrigins(options.allowedOrigins ?? []),
    allowQueryToken: options.allowQueryToken ?? false,
    maxPayloadBytes,
    maxFrameBytes: options.maxFrameBytes ?? Math.max(maxPayloadBytes, 1024 * KiB),
    maxMessagesPerSecond,
    messageBurst,
    abuseLimit: options.abuseLimit ?? 5 * messageBurst,
    sendBufferBytes: options.sendBufferBytes ?? 1024 * KiB,
    maxQueuedEvents: options.maxQueuedEvents ?? 256,
    maxPendingElements: options.maxPendingElements ?? 4096,
    maxClients: options.maxClients ?? 32,
    readDeadlineMs: options.readDeadlineMs ?? 10_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
    closeTimeoutMs: options.closeTimeoutMs ?? 2000,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    serverVersion: options.serverVersion ?? packageVersion(),
    now: options.now ?? (() => performance.now()),
  };
  check(resolved);
  return resolved;
}

/** The queue bounds of one client, from the server's options. */
export function queueLimits(o: ResolvedOptions): SendQueueLimits {
  return { maxQueuedEvents: o.maxQueuedEvents, maxMergeSize: o.maxPendingElements };
}

/** True when the server only listens on this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** "[::1]" → "::1" (the form listen() takes); anything that is neither an IP nor a hostname is refused. */
function normaliseHost(host: string): string {
  const bare = /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0 || HOSTNAME.test(bare)) return bare;
  throw new SightlineError('ERR_BAD_HOST', `server host ${JSON.stringify(host.slice(0, 100))} is neither an IP address nor a hostname`, {
    hint: 'use 127.0.0.1 (the default), ::1 or localhost',
  });
}

function check(o: ResolvedOptions): void {
  assertUsableToken(o.token);
  if (!o.path.startsWith('/')) optionError(`server path must start with "/" (got ${JSON.stringify(o.path)})`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new SightlineError('ERR_BAD_PORT', `server port must be a whole number 0..65535 (got ${o.port})`, { hint: 'use 0 to pick any free port' });
  }
  positiveInt('maxPayloadBytes', o.maxPayloadBytes);
  positiveInt('maxQueuedEvents', o.maxQueuedEvents);
  positiveInt('maxPendingElements', o.maxPendingElements);
  positiveInt('maxClients', o.maxClients);
  positiveInt('messageBurst', o.messageBurst);
  positiveInt('abuseLimit', o.abuseLimit);
  if (!(o.maxMessagesPerSecond > 0)) optionError(`maxMessagesPerSecond must be > 0 (got ${o.maxMessagesPerSecond})`);
  if (o.maxFrameBytes < o.maxPayloadBytes) {
    optionError(`maxFrameBytes (${o.maxFrameBytes}) must be at least maxPayloadBytes (${o.maxPayloadBytes})`);
  }
  // Below the socket's high-water mark a full buffer might never emit 'drain', and a queue would stall.
  if (!(o.sendBufferBytes >= 16 * KiB)) optionError(`sendBufferBytes must be at least 16384 (got ${o.sendBufferBytes})`);
  nonNegative('closeTimeoutMs', o.closeTimeoutMs);
  nonNegative('heartbeatMs', o.heartbeatMs);
  nonNegative('readDeadlineMs', o.readDeadlineMs);
  if (!(o.handshakeTimeoutMs > 0)) optionError(`handshakeTimeoutMs must be > 0 (got ${o.handshakeTimeoutMs})`);
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) optionError(`${name} must be a whole number of at least 1 (got ${value})`);
}

function nonNegative(name: string, value: number): void {
  if (!(value >= 0)) optionError(`${name} must be >= 0 (got ${value})`);
}

function optionError(message: string): never {
  throw new SightlineError('ERR_BAD_SERVER_OPTION', message);
}

function packageVersion(): string {
  try {
    // Compiled to dist/src/server/, three levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
