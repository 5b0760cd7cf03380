// SightlineServer: the WebSocket API of the runtime (docs/protocol.md). It owns the HTTP listener,
// the handshake gate, one ClientChannel per connection, fan-out of published events, and the
// stream of validated commands. It never throws at a client's mistake: those become `error` events.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Observable, Subject } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DisplayInfo } from '../frames/frame.js';
import type { TokenCarrier } from './auth.js';
import { CLOSE_GOING_AWAY, ClientChannel, type ClientStats } from './client-channel.js';
import { pathnameOf, refuseUpgrade, vetUpgrade } from './handshake.js';
import {
  COMMANDS,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  TOPICS,
  type ClientCommand,
  type ElementsEvent,
  type HelloEvent,
  type PublishEvent,
  type ServerCounters,
  type Topic,
} from './protocol.js';
import { resolveOptions, type ResolvedOptions, type ServerOptions } from './server-options.js';
import { Outbound } from './send-queue.js';

export interface ClientCommandMessage {
  clientId: string;
  command: ClientCommand;
}

/** Supplies the events a client receives when it subscribes (e.g. the full elements set, the newest frame). */
export type SubscribeSnapshot = (topics: readonly Topic[]) => PublishEvent[];

export interface ServerStats extends ServerCounters {
  /** Connections accepted since start. */
  accepted: number;
  /** Upgrade requests refused, by HTTP status ("401", "403", ...). */
  refused: Record<string, number>;
  /** Connections closed for sustained rate-limit abuse. */
  closedForAbuse: number;
  /** Connections dropped because the peer stopped answering pings. */
  closedUnresponsive: number;
  /** Valid commands accepted, over all clients since start. */
  commands: number;
  /** Inbound messages answered with an `error` event, over all clients since start. */
  errors: number;
  /** Times the subscribe-snapshot function threw; its last message. */
  snapshotFailures: number;
  lastSnapshotError: string | null;
  perClient: ClientStats[];
}

export class SightlineServer {
  private options: ResolvedOptions | null = null;
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly channels = new Map<string, ClientChannel>();
  private readonly commandSubject = new Subject<ClientCommandMessage>();
  private snapshot: SubscribeSnapshot | null = null;
  private closing: Promise<void> | null = null;
  private nextClientNumber = 0;
  private boundPort = 0;
  private displays: DisplayInfo[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly totals = { published: 0, sent: 0, dropped: 0, coalesced: 0, accepted: 0, commands: 0, closedForAbuse: 0, closedUnresponsive: 0, errors: 0 };
  private readonly refused: Record<string, number> = {};
  private snapshotFailures = 0;
  private lastSnapshotError: string | null = null;
  /** One id per server run, announced in every hello. */
  readonly sessionId = randomUUID();
  /** Valid commands from authenticated clients; completes when the server closes. */
  readonly commands: Observable<ClientCommandMessage> = this.commandSubject.asObservable();

  /** Binds and listens; resolves once clients can connect. */
  async start(options: ServerOptions = {}): Promise<this> {
    if (this.http) throw new Error('SightlineServer.start() was already called; create a new server to listen again');
    const resolved = resolveOptions(options);
    this.options = resolved;
    if (options.displays) this.displays = options.displays;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false, // compression costs CPU per client and opens the door to zip bombs
      maxPayload: resolved.maxFrameBytes,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    const http = createServer((req, res) => this.answerHttp(req, res));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.http = http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`cannot listen on ${resolved.host}:${resolved.port}: ${err.code ?? err.message}` +
          (err.code === 'EADDRINUSE' ? ' (port in use: pick another with --port, or 0 for any free port)' : ''))),
      );
      http.listen(resolved.port, resolved.host, () => resolve());
    });
    this.boundPort = (http.address() as AddressInfo).port;
    if (resolved.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => {
        for (const channel of this.channels.values()) channel.heartbeat();
      }, resolved.heartbeatMs).unref();
    }
    http.on('error', () => {}); // after listening, socket-level errors belong to their connections
    return this;
  }

  /** The bound port (stays readable after close, for messages and logs). */
  get port(): number {
    this.config();
    return this.boundPort;
  }

  get url(): string {
    const { host, path } = this.config();
    return `ws://${host.includes(':') ? `[${host}]` : host}:${this.port}${path}`;
  }

  /** The token clients must present (generated when none was configured): print it for the user. */
  get token(): string {
    return this.config().token;
  }

  /** Displays announced in `hello` to clients that connect from now on. */
  setDisplays(displays: DisplayInfo[]): void {
    this.displays = displays;
  }

  setSubscribeSnapshot(fn: SubscribeSnapshot | null): void {
    this.snapshot = fn;
  }

  /** True when some client is subscribed to `topic`: lets the pipeline skip work nobody reads. */
  hasSubscribers(topic: Topic): boolean {
    for (const channel of this.channels.values()) if (channel.wants(topic)) return true;
    return false;
  }

  /** True when some client wants frame thumbnails, i.e. encoding one is worth it. */
  wantsThumbnails(): boolean {
    for (const channel of this.channels.values()) if (channel.wants('frame') && channel.thumbnails) return true;
    return false;
  }

  /**
   * Sends an event to every client subscribed to its topic. O(clients), never waits: each client
   * has its own bounded queue; the event is serialised once (twice for a frame with a thumbnail).
   */
  publish(event: PublishEvent): void {
    this.totals.published += 1;
    let full: Outbound | undefined;
    let lean: Outbound | undefined;
    for (const channel of this.channels.values()) {
      if (!channel.wants(event.type)) continue;
      if (event.type === 'frame' && event.thumbnail !== undefined && !channel.thumbnails) {
        lean ??= new Outbound(withoutThumbnail({ v: PROTOCOL_VERSION, ...event }));
        channel.deliver(lean);
      } else {
        full ??= new Outbound({ v: PROTOCOL_VERSION, ...event });
        channel.deliver(full);
      }
    }
  }

  stats(): ServerStats {
    return {
      ...this.counters(),
      accepted: this.totals.accepted,
      refused: { ...this.refused },
      closedForAbuse: this.totals.closedForAbuse + [...this.channels.values()].filter((c) => c.closedForAbuse).length,
      closedUnresponsive: this.totals.closedUnresponsive + [...this.channels.values()].filter((c) => c.closedUnresponsive).length,
      commands: this.totals.commands,
      errors: this.totals.errors + [...this.channels.values()].reduce((n, c) => n + c.stats().errors, 0),
      snapshotFailures: this.snapshotFailures,
      lastSnapshotError: this.lastSnapshotError,
      perClient: [...this.channels.values()].map((c) => c.stats()),
    };
  }

  /**
   * Stops listening, closes every connection with 1001 (going away) and resolves once all sockets
   * are gone. A client that does not answer the closing handshake within closeTimeoutMs is dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const http = this.http;
    if (!http) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const { closeTimeoutMs } = this.config();
    await Promise.all(
      [...this.channels.values()].map((channel) => {
        channel.close(CLOSE_GOING_AWAY, 'server shutting down');
        const timer = setTimeout(() => channel.terminate(), closeTimeoutMs);
        return channel.whenClosed.finally(() => clearTimeout(timer));
      }),
    );
    http.closeAllConnections();
    await stopped;
    this.wss?.close();
    this.commandSubject.complete();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {}); // a peer resetting mid-handshake must not crash the process
    const options = this.config();
    const verdict = vetUpgrade(req, options);
    if (!verdict.ok) return this.refuse(socket, verdict.status, verdict.message);
    if (this.closing) return this.refuse(socket, 503, 'server is shutting down');
    if (this.channels.size >= options.maxClients) {
      return this.refuse(socket, 503, `too many clients (limit ${options.maxClients}); close another connection first`);
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, verdict.carrier));
  }

  private refuse(socket: Duplex, status: number, message: string): void {
    this.refused[status] = (this.refused[status] ?? 0) + 1;
    refuseUpgrade(socket, status, message);
  }

  private accept(ws: WebSocket, socket: Duplex, carrier: TokenCarrier): void {
    const options = this.config();
    const id = `c${++this.nextClientNumber}`;
    const channel = new ClientChannel(id, carrier, ws, socket, { ...options, rateLimit: this.rateLimit() }, {
      command: (ch, command) => this.handleCommand(ch, command),
      elementsSnapshot: () => this.elementsSnapshot(),
      serverCounters: () => this.counters(),
      closed: (ch) => this.forget(ch),
    });
    this.channels.set(id, channel);
    this.totals.accepted += 1;
    channel.send(this.hello(id));
  }

  private forget(channel: ClientChannel): void {
    const c = channel.counters();
    this.totals.sent += c.sent;
    this.totals.dropped += c.dropped;
    this.totals.coalesced += c.coalesced;
    this.totals.errors += channel.stats().errors;
    if (channel.closedForAbuse) this.totals.closedForAbuse += 1;
    if (channel.closedUnresponsive) this.totals.closedUnresponsive += 1;
    this.channels.delete(channel.id);
  }

  private handleCommand(channel: ClientChannel, command: ClientCommand): void {
    this.totals.commands += 1;
    if (command.type === 'subscribe') {
      channel.topics.clear();
      for (const topic of command.topics) channel.topics.add(topic);
      channel.thumbnails = command.thumbnails ?? false;
    }
    channel.send({ v: PROTOCOL_VERSION, type: 'ack', command: command.type, ...(command.id !== undefined && { id: command.id }) });
    if (command.type === 'subscribe') this.sendSnapshot(channel);
    this.commandSubject.next({ clientId: channel.id, command });
  }

  private sendSnapshot(channel: ClientChannel): void {
    const topics = [...channel.topics];
    if (topics.length === 0) return;
    for (const event of this.takeSnapshot(topics)) {
      if (!channel.wants(event.type)) continue;
      const wire: WireEvent = { v: PROTOCOL_VERSION, ...event };
      channel.deliver(new Outbound(event.type === 'frame' && !channel.thumbnails ? withoutThumbnail(wire) : wire));
    }
  }

  private elementsSnapshot(): Omit<ElementsEvent, 'v'> | null {
    const found = this.takeSnapshot(['elements']).find((e) => e.type === 'elements');
    return found ? (found as Omit<ElementsEvent, 'v'>) : null;
  }

  /** The snapshot function is the embedder's code: a throw there must not take a client down. */
  private takeSnapshot(topics: Topic[]): PublishEvent[] {
    if (!this.snapshot) return [];
    try {
      return this.snapshot(topics);
    } catch (err) {
      this.snapshotFailures += 1;
      this.lastSnapshotError = err instanceof Error ? err.message : String(err);
      return [];
    }
  }

  private hello(clientId: string): HelloEvent {
    const o = this.config();
    return {
      v: PROTOCOL_VERSION,
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: o.serverVersion,
      sessionId: this.sessionId,
      clientId,
      displays: this.displays,
      capabilities: { topics: [...TOPICS], commands: [...COMMANDS], features: ['thumbnails'] },
      limits: { maxPayloadBytes: o.maxPayloadBytes, maxMessagesPerSecond: o.maxMessagesPerSecond, messageBurst: o.messageBurst },
    };
  }

  private counters(): ServerCounters {
    const c = { clients: this.channels.size, published: this.totals.published, sent: this.totals.sent, dropped: this.totals.dropped, coalesced: this.totals.coalesced };
    for (const channel of this.channels.values()) {
      const own = channel.counters();
      c.sent += own.sent;
      c.dropped += own.dropped;
      c.coalesced += own.coalesced;
    }
    return c;
  }

  private rateLimit() {
    const o = this.config();
    return { perSecond: o.maxMessagesPerSecond, burst: o.messageBurst, abuseLimit: o.abuseLimit, now: o.now };
  }

  private answerHttp(req: IncomingMessage, res: ServerResponse): void {
    const pathname = pathnameOf(req);
    if (req.method === 'GET' && pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}\n');
    } else if (pathname === this.config().path) {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('this endpoint speaks WebSocket only\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  private config(): ResolvedOptions {
    if (!this.options) throw new Error('SightlineServer is not started; call start() first');
    return this.options;
  }
}

type WireEvent = { type: string } & Record<string, unknown>;

function withoutThumbnail(event: WireEvent): WireEvent {
  const { thumbnail: _omit, ...rest } = event;
  return rest as WireEvent;
}
