// SightlineServer: the WebSocket API of the runtime (docs/protocol.md). It owns the HTTP listener,
// the handshake gate, one ClientChannel per connection, fan-out of published events, and the
// stream of validated commands. It never throws at a client's mistake: those become `error` events.
// It knows no topic by meaning: topics.ts declares who gets each event and how.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Observable, Subject } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { SightlineError } from '../errors.js';
import type { DisplayInfo } from '../frames/frame.js';
import type { TokenCarrier } from './auth.js';
import { CLOSE_GOING_AWAY, ClientChannel, type ChannelVerdict, type ClientStats } from './client-channel.js';
import { pathnameOf, refuseForeignHost, refuseUpgrade, vetUpgrade } from './handshake.js';
import {
  COMMANDS,
  FEATURES,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  TOPICS,
  type ClientCommand,
  type CommandType,
  type ErrorEvent,
  type HelloEvent,
  type PublishEvent,
  type ServerCounters,
  type Topic,
} from './protocol.js';
import { isLoopbackHost, queueLimits, resolveOptions, type ResolvedOptions, type ServerOptions } from './server-options.js';
import { Outbound } from './send-queue.js';
import { declarationOf, reaches, withheldFields, without, type WireEvent } from './topics.js';

export type { ServerOptions } from './server-options.js';
export type { ClientStats } from './client-channel.js';

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
  /** Connections closed because nothing sent to them could be delivered for readDeadlineMs. */
  closedNotReading: number;
  /** Connections closed because a topic whose policy is fifo-or-close overflowed for them. */
  closedOverflow: number;
  /** TCP connections open now, upgraded or not. */
  sockets: number;
  /** Of those, the ones still within their handshake deadline (not yet upgraded or answered). */
  handshaking: number;
  /** Connections destroyed for not completing a handshake within handshakeTimeoutMs. */
  handshakeTimeouts: number;
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
  private advertised: CommandType[] = [...COMMANDS];
  private snapshot: SubscribeSnapshot | null = null;
  private closing: Promise<void> | null = null;
  private nextClientNumber = 0;
  private boundPort = 0;
  private displays: DisplayInfo[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly totals = { published: 0, sent: 0, dropped: 0, coalesced: 0, accepted: 0, commands: 0, errors: 0, handshakeTimeouts: 0 };
  private readonly verdicts: Record<ChannelVerdict, number> = { abuse: 0, unresponsive: 0, 'not-reading': 0, overflow: 0 };
  /** Every open TCP connection, with its handshake deadline while it has one. */
  private readonly sockets = new Map<Socket, NodeJS.Timeout | null>();
  private loopbackPort: number | null = null;
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
    http.on('connection', (socket: Socket) => this.track(socket));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.http = http;
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(resolved.port, resolved.host, () => resolve());
      });
    } catch (err) {
      this.http = null;
      throw listenError(err as NodeJS.ErrnoException, resolved.host, resolved.port);
    }
    this.boundPort = (http.address() as AddressInfo).port;
    this.loopbackPort = isLoopbackHost(resolved.host) ? this.boundPort : null;
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

  /** Narrows the commands hello advertises to those something answers (default: all of this version's). */
  setAdvertisedCommands(commands: readonly CommandType[]): void {
    this.advertised = COMMANDS.filter((c) => commands.includes(c));
  }

  setSubscribeSnapshot(fn: SubscribeSnapshot | null): void {
    this.snapshot = fn;
  }

  /** True when some client is subscribed to `topic`: lets the pipeline skip work nobody reads. */
  hasSubscribers(topic: Topic): boolean {
    for (const channel of this.channels.values()) if (channel.wants(topic)) return true;
    return false;
  }

  /**
   * True when some client would receive a field gated on `feature` (topics.ts `optInFields`), i.e.
   * producing that field is worth it.
   */
  wantsFeature(feature: string): boolean {
    for (const channel of this.channels.values()) {
      if (!channel.features.has(feature)) continue;
      for (const topic of channel.topics) if (Object.values(declarationOf(topic)?.optInFields ?? {}).includes(feature)) return true;
    }
    return false;
  }

  /** True when some client wants frame thumbnails, i.e. encoding one is worth it. */
  wantsThumbnails(): boolean {
    return this.wantsFeature('thumbnails');
  }

  /**
   * Sends an event to every client its topic goes to. O(clients), never waits: each client has its
   * own bounded queue; the event is serialised once per variant (a client that did not opt in to a
   * field gets the event without it).
   */
  publish(event: PublishEvent): void {
    this.totals.published += 1;
    const wire: WireEvent = { v: PROTOCOL_VERSION, ...event };
    const variants = new Map<string, Outbound>();
    for (const channel of this.channels.values()) {
      if (!channel.wants(event.type) || !reaches(wire, channel.features)) continue;
      const withheld = withheldFields(wire, channel.features);
      const key = withheld.join(',');
      let out = variants.get(key);
      if (!out) variants.set(key, (out = new Outbound(without(wire, withheld))));
      channel.deliver(out);
    }
  }

  /**
   * Sends an event to one client whatever it subscribed to (the reply to its own command: an error
   * naming the command, or the answer it asked for). False when that client is gone.
   */
  sendTo(clientId: string, event: PublishEvent | Omit<ErrorEvent, 'v'>): boolean {
    const channel = this.channels.get(clientId);
    if (!channel) return false;
    channel.send({ v: PROTOCOL_VERSION, ...event } as WireEvent);
    return true;
  }

  stats(): ServerStats {
    return {
      ...this.counters(),
      accepted: this.totals.accepted,
      refused: { ...this.refused },
      closedForAbuse: this.closedFor('abuse'),
      closedUnresponsive: this.closedFor('unresponsive'),
      closedNotReading: this.closedFor('not-reading'),
      closedOverflow: this.closedFor('overflow'),
      sockets: this.sockets.size,
      handshaking: [...this.sockets.values()].filter((timer) => timer !== null).length,
      handshakeTimeouts: this.totals.handshakeTimeouts,
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

  /** Counts a connection and gives it handshakeTimeoutMs to upgrade or send a request. */
  private track(socket: Socket): void {
    socket.on('error', () => {}); // a peer resetting mid-handshake must not crash the process
    this.sockets.set(socket, null);
    this.guard(socket);
    socket.once('close', () => {
      const timer = this.sockets.get(socket);
      if (timer) clearTimeout(timer);
      this.sockets.delete(socket);
    });
  }

  private guard(socket: Socket): void {
    if (!this.sockets.has(socket) || this.sockets.get(socket)) return;
    const timer = setTimeout(() => {
      this.totals.handshakeTimeouts += 1;
      socket.destroy();
    }, this.config().handshakeTimeoutMs);
    timer.unref();
    this.sockets.set(socket, timer);
  }

  /** The socket is past its handshake: upgraded, or in Node's HTTP handling with its own timeouts. */
  private release(socket: Socket): void {
    const timer = this.sockets.get(socket);
    if (timer) clearTimeout(timer);
    if (timer !== undefined) this.sockets.set(socket, null);
  }

  private closedFor(verdict: ChannelVerdict): number {
    return this.verdicts[verdict] + [...this.channels.values()].filter((c) => c.verdict === verdict).length;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {}); // a peer resetting mid-handshake must not crash the process
    // A keep-alive connection may upgrade after a plain request: its deadline starts again.
    this.guard(socket as Socket);
    const options = this.config();
    const verdict = vetUpgrade(req, { ...options, loopbackPort: this.loopbackPort });
    if (!verdict.ok) return this.refuse(socket, verdict.status, verdict.message);
    if (this.closing) return this.refuse(socket, 503, 'server is shutting down');
    if (this.channels.size >= options.maxClients) {
      return this.refuse(socket, 503, `too many clients (limit ${options.maxClients}); close another connection first`);
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => {
      this.release(socket as Socket);
      this.accept(ws, socket, verdict.carrier);
    });
  }

  private refuse(socket: Duplex, status: number, message: string): void {
    this.refused[status] = (this.refused[status] ?? 0) + 1;
    refuseUpgrade(socket, status, message);
  }

  private accept(ws: WebSocket, socket: Duplex, carrier: TokenCarrier): void {
    const options = this.config();
    const id = `c${++this.nextClientNumber}`;
    const channel = new ClientChannel(id, carrier, ws, socket, { ...options, ...queueLimits(options), rateLimit: this.rateLimit() }, {
      command: (ch, command) => this.handleCommand(ch, command),
      topicSnapshot: (topic) => this.topicSnapshot(topic),
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
    if (channel.verdict) this.verdicts[channel.verdict] += 1;
    this.channels.delete(channel.id);
  }

  private handleCommand(channel: ClientChannel, command: ClientCommand): void {
    this.totals.commands += 1;
    if (command.type === 'subscribe') {
      channel.topics.clear();
      for (const topic of command.topics) channel.topics.add(topic);
      channel.features.clear();
      if (command.thumbnails) channel.features.add('thumbnails');
    }
    channel.send({ v: PROTOCOL_VERSION, type: 'ack', command: command.type, ...(command.id !== undefined && { id: command.id }) });
    if (command.type === 'subscribe') this.sendSnapshot(channel);
    this.commandSubject.next({ clientId: channel.id, command });
  }

  private sendSnapshot(channel: ClientChannel): void {
    const topics = [...channel.topics];
    if (topics.length === 0) return;
    for (const event of this.takeSnapshot(topics)) {
      if (!channel.topics.has(event.type as Topic)) continue;
      const wire: WireEvent = { v: PROTOCOL_VERSION, ...event };
      channel.deliver(new Outbound(without(wire, withheldFields(wire, channel.features))));
    }
  }

  /** The full state of one topic, for a client whose merged events overflowed. */
  private topicSnapshot(topic: string): PublishEvent | null {
    if (!(TOPICS as readonly string[]).includes(topic)) return null;
    return this.takeSnapshot([topic as Topic]).find((e) => e.type === topic) ?? null;
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
      capabilities: { topics: [...TOPICS], commands: [...this.advertised], features: [...FEATURES] },
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
    this.release(req.socket);
    const foreignHost = refuseForeignHost(req, this.loopbackPort);
    const pathname = pathnameOf(req);
    if (foreignHost !== null) {
      this.refused[403] = (this.refused[403] ?? 0) + 1;
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`${foreignHost}\n`);
    } else if (req.method === 'GET' && pathname === '/healthz') {
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

/** A listen failure is the user's to fix (a port in use, an address not of this machine): say how. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): SightlineError {
  const where = `port ${port} on ${host}`;
  const options = { cause: err };
  switch (err.code) {
    case 'EADDRINUSE':
      return new SightlineError('ERR_PORT_IN_USE', `${where} is already in use`, { ...options, hint: 'pick another with --port, or --port 0 for any free port' });
    case 'EACCES':
      return new SightlineError('ERR_PORT_FORBIDDEN', `not allowed to listen on ${where}`, { ...options, hint: 'ports below 1024 need privileges: pick one above 1024, or --port 0 for any free port' });
    case 'EADDRNOTAVAIL':
      return new SightlineError('ERR_ADDRESS_UNAVAILABLE', `cannot listen on ${host}: it is not an address of this machine`, { ...options, hint: 'use 127.0.0.1 (the default), or an address of one of its interfaces' });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new SightlineError('ERR_BAD_HOST', `cannot listen on ${host}: the name does not resolve`, { ...options, hint: 'use 127.0.0.1 (the default), ::1 or localhost' });
    default:
      return new SightlineError('ERR_LISTEN_FAILED', `cannot listen on ${where}: ${err.code ?? err.message}`, { ...options, hint: 'check --host and --port' });
  }
}
