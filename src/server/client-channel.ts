// One authenticated connection: what it subscribed to, its rate limit, and its own bounded send
// path. Sends go straight to the socket while `ws.bufferedAmount` is under `sendBufferBytes`;
// past that they wait in a coalescing SendQueue until the socket drains, so a client that stops
// reading holds at most sendBufferBytes (+ one message) in the socket plus one queue's worth.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { TokenCarrier } from './auth.js';
import { parseCommand, type CommandProblem } from './parse-command.js';
import {
  PROTOCOL_VERSION,
  type ClientCommand,
  type ClientCounters,
  type ElementsEvent,
  type ServerCounters,
  type ServerEvent,
  type Topic,
} from './protocol.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { Outbound, SendQueue, type QueueItem, type SendQueueLimits } from './send-queue.js';

export interface ChannelOptions extends SendQueueLimits {
  maxPayloadBytes: number;
  sendBufferBytes: number;
  rateLimit: RateLimitOptions;
}

export interface ChannelHooks {
  /** A valid command arrived (after rate limiting and validation). */
  command(channel: ClientChannel, command: ClientCommand): void;
  /** The full elements set, for a client whose pending diff overflowed; null when unknown. */
  elementsSnapshot(): Omit<ElementsEvent, 'v'> | null;
  serverCounters(): ServerCounters;
  closed(channel: ClientChannel): void;
}

export interface ClientStats extends ClientCounters {
  topics: Topic[];
  thumbnails: boolean;
  carrier: TokenCarrier;
  /** Highest ws.bufferedAmount seen right after a send: the socket-side memory this client held. */
  maxBufferedAmount: number;
  /** Messages received from the client, accepted or not. */
  received: number;
  /** `error` events sent to the client (rejected messages, rate limiting). */
  errors: number;
}

/** Close codes (RFC 6455 §7.4.1). */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY_VIOLATION = 1008;

export class ClientChannel {
  readonly topics = new Set<Topic>();
  thumbnails = false;
  private readonly queue: SendQueue;
  private readonly limiter: RateLimiter;
  private sent = 0;
  private received = 0;
  private errors = 0;
  private maxBufferedAmount = 0;
  private isClosed = false;
  /** True once the channel closed the connection for sustained rate-limit abuse. */
  closedForAbuse = false;
  /** True once the channel dropped a peer that stopped answering pings. */
  closedUnresponsive = false;
  /** Pings sent since the last pong. */
  private unansweredPings = 0;
  readonly whenClosed: Promise<void>;

  constructor(
    readonly id: string,
    /** How the client presented its token. */
    readonly carrier: TokenCarrier,
    private readonly ws: WebSocket,
    socket: Duplex,
    private readonly options: ChannelOptions,
    private readonly hooks: ChannelHooks,
  ) {
    this.queue = new SendQueue(options);
    this.limiter = new RateLimiter(options.rateLimit);
    ws.on('message', (data, isBinary) => this.receive(toBuffer(data), isBinary));
    // ws reports protocol violations (bad UTF-8, frames over maxPayload) here and closes the
    // connection itself; without a listener they would crash the process.
    ws.on('error', () => {});
    ws.on('pong', () => (this.unansweredPings = 0));
    socket.on('drain', () => this.flush());
    this.whenClosed = new Promise((resolve) =>
      ws.once('close', () => {
        this.isClosed = true;
        hooks.closed(this);
        resolve();
      }),
    );
  }

  wants(topic: Topic): boolean {
    return this.topics.has(topic);
  }

  /** Sends now if the socket has room, else queues (coalescing). Never blocks, never throws. */
  deliver(out: Outbound): void {
    if (this.isClosed) return;
    if (this.queue.length === 0 && !this.socketFull()) {
      this.write(out);
      return;
    }
    this.queue.push(out);
    this.flush();
  }

  /** Sends an event meant for this client only (hello, ack, error, snapshot). */
  send(event: ServerEvent | ({ type: string } & Record<string, unknown>)): void {
    this.deliver(new Outbound(event as { type: string } & Record<string, unknown>));
  }

  reportProblem(problem: CommandProblem): void {
    this.errors += 1;
    const ref = problem.id !== undefined || problem.field !== undefined ? { id: problem.id, field: problem.field } : undefined;
    this.send({ v: PROTOCOL_VERSION, type: 'error', code: problem.code, message: problem.message, ...(ref && { ref }) });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSING || this.ws.readyState === this.ws.CLOSED) return;
    this.ws.close(code, reason);
  }

  /**
   * One heartbeat tick: ping the peer; drop it once two pings in a row went unanswered. Two, not
   * one, so that a stall of this process (which delays reading the pong) does not drop live peers.
   */
  heartbeat(): void {
    if (this.isClosed) return;
    if (this.unansweredPings >= 2) {
      this.closedUnresponsive = true;
      this.terminate();
      return;
    }
    this.unansweredPings += 1;
    this.ws.ping();
  }

  /** Drops the connection without a closing handshake (for peers that do not read it). */
  terminate(): void {
    this.ws.terminate();
  }

  counters(): ClientCounters {
    return {
      id: this.id,
      sent: this.sent,
      dropped: this.queue.dropped,
      coalesced: this.queue.coalesced,
      resyncs: this.queue.resyncs,
      queued: this.queue.length,
      bufferedAmount: this.ws.bufferedAmount,
      rateLimited: this.limiter.rejected,
    };
  }

  stats(): ClientStats {
    return {
      ...this.counters(),
      topics: [...this.topics],
      thumbnails: this.thumbnails,
      carrier: this.carrier,
      maxBufferedAmount: this.maxBufferedAmount,
      received: this.received,
      errors: this.errors,
    };
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.received += 1;
    const verdict = this.limiter.take();
    if (verdict === 'disconnect') {
      this.closedForAbuse = true;
      return this.close(CLOSE_POLICY_VIOLATION, 'message rate limit exceeded repeatedly');
    }
    if (verdict === 'reject') return;
    if (verdict === 'reject-notify') {
      const { perSecond, burst } = this.options.rateLimit;
      return this.reportProblem({
        code: 'rate_limited',
        message: `more than ${perSecond} messages/s (burst ${burst}); messages are being dropped — slow down or the connection will be closed`,
      });
    }
    if (data.length > this.options.maxPayloadBytes) {
      return this.reportProblem({
        code: 'payload_too_large',
        message: `message of ${data.length} bytes exceeds the limit of ${this.options.maxPayloadBytes} bytes; it was discarded`,
      });
    }
    const parsed = parseCommand(data, isBinary);
    if (!parsed.ok) return this.reportProblem(parsed.problem);
    this.hooks.command(this, parsed.command);
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.socketFull() && !this.isClosed) {
      const out = this.materialise(this.queue.shift()!);
      if (out) this.write(out);
    }
  }

  private materialise(item: QueueItem): Outbound | null {
    if (item.kind === 'event') return item.out;
    if (item.kind === 'elements') return new Outbound({ v: PROTOCOL_VERSION, ...item.merge.toEvent() });
    const snapshot = this.hooks.elementsSnapshot();
    if (snapshot) return new Outbound({ v: PROTOCOL_VERSION, ...snapshot, full: true });
    this.reportProblem({
      code: 'elements_resync_unavailable',
      message: 'this client fell too far behind on elements and no full set is available; subscribe to "elements" again',
    });
    return null;
  }

  private write(out: Outbound): void {
    // metrics carry this client's own counters, so they are serialised per client at send time.
    const text =
      out.event.type === 'metrics'
        ? JSON.stringify({ ...out.event, server: this.hooks.serverCounters(), client: this.counters() })
        : out.text;
    this.ws.send(text);
    this.sent += 1;
    this.maxBufferedAmount = Math.max(this.maxBufferedAmount, this.ws.bufferedAmount);
  }

  private socketFull(): boolean {
    return this.ws.bufferedAmount >= this.options.sendBufferBytes;
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
