// Real clients for server tests: `ws` WebSockets that record every event (each one validated
// against the protocol schema), and a raw TCP client that upgrades by hand and can stop reading.
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { serverEventSchema, type ServerEvent } from '../../src/server/protocol.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import { SightlineServer } from '../../src/server/ws-server.js';

export const TOKEN = 'test-token-0123456789abcdef';

export async function startServer(options: ServerOptions = {}): Promise<SightlineServer> {
  return new SightlineServer().start({ token: TOKEN, ...options });
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string[];
  query?: string;
}

/** Events of one connection, consumed in order with `next`; waits on events, never on timers. */
export class TestClient {
  readonly events: ServerEvent[] = [];
  private cursor = 0;
  private waiter: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the server sends text frames only');
      const parsed = serverEventSchema.safeParse(JSON.parse(String(data)));
      assert.ok(parsed.success, `server sent an event outside the protocol: ${String(data).slice(0, 300)}`);
      this.events.push(parsed.data);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.wake();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** The next event matching `match` (skipping others); rejects if the connection closes first. */
  async next<T extends ServerEvent['type']>(type: T, match: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true): Promise<Extract<ServerEvent, { type: T }>> {
    for (;;) {
      while (this.cursor < this.events.length) {
        const event = this.events[this.cursor++]!;
        if (event.type === type && match(event as Extract<ServerEvent, { type: T }>)) return event as Extract<ServerEvent, { type: T }>;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting for "${type}"`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Events received after the last `next` match, without waiting. */
  pending(): ServerEvent[] {
    return this.events.slice(this.cursor);
  }

  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

function endpoint(server: SightlineServer, query?: string): string {
  return query ? `${server.url}?${query}` : server.url;
}

/** Opens a connection and waits for its hello. */
export async function connect(server: SightlineServer, options: ConnectOptions = { headers: { authorization: `Bearer ${TOKEN}` } }): Promise<TestClient> {
  const ws = new WebSocket(endpoint(server, options.query), options.protocols ?? [], { headers: options.headers });
  const client = new TestClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
  await client.next('hello');
  return client;
}

/** Attempts a connection that should be refused; resolves with the HTTP status and body. */
export function refusal(server: SightlineServer, options: ConnectOptions): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(endpoint(server, options.query), options.protocols ?? [], { headers: options.headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('connection was accepted')));
    ws.once('error', (err) => reject(err));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

/**
 * A WebSocket client spoken by hand over TCP, so the test controls reading at the socket level:
 * `stopReading()` pauses the socket, the kernel buffers fill, and the server sees a client that
 * never reads. Frames it sends are masked with a zero key (valid per RFC 6455 §5.3).
 */
export class RawClient {
  private buffer: Buffer = Buffer.alloc(0);
  readonly texts: string[] = [];
  private waiter: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parseFrames();
      this.waiter?.();
    });
  }

  static async open(server: SightlineServer): Promise<RawClient> {
    const socket = tcpConnect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const head = await new Promise<{ head: string; rest: Buffer }>((resolve) => {
      let acc: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        acc = Buffer.concat([acc, chunk]);
        const end = acc.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        resolve({ head: acc.subarray(0, end).toString(), rest: acc.subarray(end + 4) });
      };
      socket.on('data', onData);
      socket.write(
        [
          `GET ${new URL(server.url).pathname} HTTP/1.1`,
          `Host: 127.0.0.1:${server.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          `Authorization: Bearer ${TOKEN}`,
          '',
          '',
        ].join('\r\n'),
      );
    });
    assert.match(head.head, /^HTTP\/1\.1 101 /);
    const client = new RawClient(socket);
    client.buffer = head.rest;
    client.parseFrames();
    return client;
  }

  async nextText(match: (text: string) => boolean): Promise<string> {
    let seen = 0;
    for (;;) {
      for (; seen < this.texts.length; seen++) if (match(this.texts[seen]!)) return this.texts[seen]!;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  sendText(text: string): void {
    const payload = Buffer.from(text);
    assert.ok(payload.length < 126, 'RawClient sends short frames only');
    this.socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  }

  /** An unsolicited pong (RFC 6455 §5.5.3 allows one as a heartbeat): it reads nothing to send it. */
  sendPong(): void {
    this.socket.write(Buffer.from([0x8a, 0x80, 0, 0, 0, 0]));
  }

  stopReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  private parseFrames(): void {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      if ((b[0]! & 0x0f) === 0x1) this.texts.push(b.subarray(offset, offset + length).toString());
      this.buffer = b.subarray(offset + length);
    }
  }
}

/**
 * Waits until `condition()` holds, checking every few ms, and fails naming `what` after `timeoutMs`.
 * For states only the server sees (its client count, its socket count), which have no event to await.
 */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
