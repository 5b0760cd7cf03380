// One authenticated connection: what it subscribed to, its rate limit, and its own bounded send
// path. Sends go straight to the socket while `ws.bufferedAmount` is under `sendBufferBytes`;
// past that they wait in a SendQueue (each event by its topic's delivery policy) until the socket
// drains, so a client that stops reading holds at most sendBufferBytes (+ one message) in the
// socket plus one queue's worth — and only for `readDeadlineMs`, after which it is closed.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { TokenCarrier } from './auth.js';
import { parseCommand, type CommandProblem, type ParseLimits } from './parse-command.js';
import {
  PROTOCOL_VERSION,
  type ClientCommand,
  type ClientCounters,
  type PublishEvent,
  type ServerCounters,
  type ServerEvent,
} from './protocol.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { Outbound, SendQueue, type QueueItem, type SendQueueLimits } from './send-queue.js';
import { declarationOf, deliveryPolicy, type Topic, type WireEvent } from './topics.js';

export interface ChannelOptions extends SendQueueLimits, ParseLimits {
  sendBufferBytes: number;
  /** A queue that has not drained for this long closes the connection; 0 disables. */
  readDeadlineMs: number;
  /** How long a closing handshake may take before the socket is dropped. */
  closeTimeoutMs: number;
  rateLimit: RateLimitOptions;
}

export interface ChannelHooks {
  /** A valid command arrived (after rate limiting and validation). */
  command(channel: ClientChannel, command: ClientCommand): void;
  /** The full state of `topic`, for a client whose merged events overflowed; null when unknown. */
  topicSnapshot(topic: string): PublishEvent | null;
  serverCounters(): ServerCounters;
  closed(channel: ClientChannel): void;
}

export interface ClientStats extends ClientCounters {
  topics: Topic[];
  /** Features the client asked for, e.g. "thumbnails". */
  features: string[];
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

/** Why the channel closed the connection itself, when it did. */
export type ChannelVerdict = 'abuse' | 'unresponsive' | 'not-reading' | 'overflow';

export class ClientChannel {
  readonly topics = new Set<Topic>();
  readonly features = new Set<string>();
  private readonly queue: SendQueue;
  private readonly limiter: RateLimiter;
  private sent = 0;
  private received = 0;
  private errors = 0;
  private maxBufferedAmount = 0;
  private isClosed = false;
  /** Set once the channel closed the connection itself, saying why. */
  verdict: ChannelVerdict | null = null;
  /** Pings sent since the last pong. */
  private unansweredPings = 0;
  /** Armed while events wait for the socket; cleared (and re-armed) when the socket drains. */
  private readDeadline: NodeJS.Timeout | null = null;
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
    socket.on('drain', () => {
      this.disarmReadDeadline();
      this.flush();
    });
    this.whenClosed = new Promise((resolve) =>
      ws.once('close', () => {
        this.isClosed = true;
        this.disarmReadDeadline();
        hooks.closed(this);
        resolve();
      }),
    );
  }

  /** True when events of this type go to this client: it subscribed, or the topic goes to everyone. */
  wants(type: string): boolean {
    return this.topics.has(type as Topic) || declarationOf(type)?.audience === 'everyone';
  }

  /** Sends now if the socket has room, else queues by the event's policy. Never blocks, never throws. */
  deliver(out: Outbound): void {
    if (this.isClosed || this.ws.readyState !== this.ws.OPEN) return; // closing: nothing more goes out
    if (this.queue.length === 0 && !this.socketFull()) {
      this.write(out);
      return;
    }
    if (this.queue.push(out) === 'overflow') {
      const { type } = out.event;
      const policy = deliveryPolicy(type);
      const max = policy.kind === 'fifo' ? (policy.max ?? this.options.maxQueuedEvents) : 0;
      // A close reason is at most 123 bytes; topic names are short.
      return this.closeSlowPeer('overflow', `more than ${max} "${type.slice(0, 32)}" events pending; reconnect and read faster`);
    }
    this.armReadDeadline();
    this.flush();
  }

  /** Sends an event meant for this client only (hello, ack, error, snapshot). */
  send(event: ServerEvent | WireEvent): void {
    this.deliver(new Outbound(event as WireEvent));
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
   * Closes a peer that cannot keep up, with a reason it reads if it ever reads again; the closing
   * handshake cannot get through a full socket, so the connection is dropped after closeTimeoutMs.
   */
  private closeSlowPeer(verdict: ChannelVerdict, reason: string): void {
    if (this.isClosed || this.verdict) return;
    this.verdict = verdict;
    this.disarmReadDeadline();
    this.close(CLOSE_POLICY_VIOLATION, reason);
    setTimeout(() => this.terminate(), this.options.closeTimeoutMs).unref();
  }

  private armReadDeadline(): void {
    if (this.readDeadline || this.options.readDeadlineMs === 0 || this.isClosed) return;
    this.readDeadline = setTimeout(() => {
      this.readDeadline = null;
      this.closeSlowPeer('not-reading', `not reading: nothing sent could be delivered for ${this.options.readDeadlineMs} ms`);
    }, this.options.readDeadlineMs);
    this.readDeadline.unref();
  }

  private disarmReadDeadline(): void {
    if (this.readDeadline) clearTimeout(this.readDeadline);
    this.readDeadline = null;
  }

  /**
   * One heartbeat tick: ping the peer; drop it once two pings in a row went unanswered. Two, not
   * one, so that a stall of this process (which delays reading the pong) does not drop live peers.
   */
  heartbeat(): void {
    if (this.isClosed) return;
    if (this.unansweredPings >= 2) {
      this.verdict ??= 'unresponsive';
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
      features: [...this.features],
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
      this.verdict ??= 'abuse';
      return this.close(CLOSE_POLICY_VIOLATION, 'message rate limit exceeded repeatedly');
    }
    if (verdict === 'reject') return;
    if (verdict === 'reject-notify') {
      const { perSecond, burst } = this.options.rateLimit;
      return this.reportProblem({
        code: 'ERR_RATE_LIMITED',
        message: `more than ${perSecond} messages/s (burst ${burst}); messages are being dropped — slow down or the connection will be closed`,
      });
    }
    const parsed = parseCommand(data, isBinary, this.options);
    if (!parsed.ok) return this.reportProblem(parsed.problem);
    this.hooks.command(this, parsed.command);
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.socketFull() && !this.isClosed) {
      const out = this.materialise(this.queue.shift()!);
      if (out) this.write(out);
    }
    if (this.queue.length > 0) this.armReadDeadline();
  }

  private materialise(item: QueueItem): Outbound | null {
    if (item.kind === 'event') return item.out;
    if (item.kind === 'merged') return new Outbound({ v: PROTOCOL_VERSION, ...item.merger.toEvent() });
    const snapshot = this.hooks.topicSnapshot(item.topic);
    if (snapshot) return new Outbound({ v: PROTOCOL_VERSION, ...snapshot } as WireEvent);
    const topic = JSON.stringify(item.topic);
    this.reportProblem({
      code: 'ERR_RESYNC_UNAVAILABLE',
      message: `this client fell too far behind on ${topic} and its full state is not available; subscribe to ${topic} again`,
    });
    return null;
  }

  private write(out: Outbound): void {
    // Events that carry the receiver's own counters are serialised per client at send time.
    const text = declarationOf(out.event.type)?.receiverCounters
      ? JSON.stringify({ ...out.event, server: this.hooks.serverCounters(), client: this.counters() })
      : out.text;
    this.ws.send(text);
    this.sent += 1;
    this.maxBufferedAmount = Math.max(this.maxBufferedAmount, this.ws.bufferedAmount);
    if (this.socketFull()) this.armReadDeadline();
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
