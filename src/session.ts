// The composition root (DESIGN.md "Layout"): builds a running sightline from one config — frame
// source, perception engine, the Runtime graph, the SightlineServer, the Recorder, and the
// components attached to it (the executor and the agents next) — and owns their lifecycle.
// `sightline run`, the benchmarks and the evaluations all start a Session; nothing else wires the
// server to the runtime.
//
// Start order: source → engine → server → recording → runtime → components; close runs in reverse,
// each close error logged and the rest still closed. The server listens before the recording folder
// is created, so a port in use leaves nothing behind on disk.
//
// The session holds the newest frame and the element set as published so far: a subscriber's
// snapshot, an agent or a tool asks the session (`latest()`), never an engine directly, so what
// they are told always agrees with the event stream they receive.
import { Subject, Subscription, type Observable } from 'rxjs';
import type { ActionExecutor } from './executor/executor-api.js';
import type { VlmBackend } from './vlm/backend.js';
import { createEngine, type EngineName } from './engines.js';
import type { Device } from './inference/onnx-session.js';
import type { DisplayInfo, Frame, FrameSource } from './frames/frame.js';
import { openFrameSource, type SourceSpec } from './frames/open-frame-source.js';
import { Recorder } from './frames/recording.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import type { UiElement } from './perception/element.js';
import type { PerceptionEngine } from './perception/engine.js';
import { Runtime, type RuntimeEvent } from './pipeline/runtime.js';
import { actionEvent, elementsDiffEvent, elementsFullEvent, frameEvent, metricsEvent, tokenEvent, type FramePublish } from './server/events.js';
import type { ClientCommand, CommandType, PublishEvent, Topic } from './server/protocol.js';
import type { ServerOptions } from './server/server-options.js';
import { SightlineServer } from './server/ws-server.js';

/** A part that plugs into a running session (the executor, an agent, the MCP server...). */
export interface SessionComponent {
  readonly name: string;
  /** The client commands it answers (it subscribes to `session.commands`); others get ERR_UNAVAILABLE. */
  readonly handles?: readonly CommandType[];
  /** Called once source, engine, server and runtime exist, before the first frame is captured. */
  start(session: Session): Promise<void> | void;
  /** Called on close, first: components stop before the pipeline and the server go away. */
  stop(): Promise<void> | void;
}

/** A validated command from an authenticated WebSocket client. */
export interface SessionCommand {
  clientId: string;
  command: ClientCommand;
}

export interface SessionConfig {
  /** What to watch: a spec the session opens, or an open FrameSource it takes over (and closes). */
  source: SourceSpec | FrameSource;
  /** Capture rate; default the source's own (a recording's), else 10. */
  fps?: number;
  /** An engine by name (default `ocr`; `none` for capture only), or an instance it takes over. */
  engine?: EngineName | PerceptionEngine;
  /** Where a named engine runs its models; default cpu. */
  device?: Device;
  /** The WebSocket server's options; `displays` defaults to the source's. Port default 0 (any free). */
  server?: ServerOptions;
  /** Record changed frames and published events into this folder (must be absent or empty). */
  record?: string;
  metrics?: Metrics;
  metricsIntervalMs?: number;
  tileSize?: number;
  /** Default: warnings and errors to stderr. */
  log?: Logger;
  components?: SessionComponent[];
  /** For opening a source from a spec ($DISPLAY). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What the session knows now: the newest frame and the element set as published so far. */
export interface SessionSnapshot {
  /** The newest changed frame (pixels included), or null before the first. */
  frame: Frame | null;
  /** That frame's event as published (with its thumbnail when one was made). */
  frameEvent: FramePublish | null;
  /** The element set after the last published diff, in reading order. */
  elements: UiElement[];
  /** seq of the frame that element set was perceived on; null before the first perception. */
  elementsSeq: number | null;
}

interface Resource {
  name: string;
  close: () => Promise<unknown> | unknown;
}

interface Parts {
  source: FrameSource;
  engine: PerceptionEngine | undefined;
  server: SightlineServer;
  recorder: Recorder | undefined;
  runtime: Runtime;
  fps: number;
  displays: DisplayInfo[];
}

export class Session {
  readonly metrics: Metrics;
  /** Every runtime event, hot; subscribe any time (before start() to see the first frame). */
  readonly events: Observable<RuntimeEvent>;
  /** Resolves when the pipeline has finished (the source ended, or stop()); rejects on a pipeline bug. */
  readonly finished: Promise<void>;
  private readonly log: Logger;
  private readonly events$ = new Subject<RuntimeEvent>();
  private readonly commands$ = new Subject<SessionCommand>();
  /**
   * Every client command, hot. The session handles pause/resume/stop itself; the component that
   * owns a command (the executor: act/approve/reject/stop; the VLM: ask/cancel; the agents:
   * goal/read/find) subscribes in its start() and answers through publish().
   */
  readonly commands: Observable<SessionCommand> = this.commands$.asObservable();
  /** The executor, once its component has started (set by that component; at most one). */
  executor: ActionExecutor | undefined;
  /** The vision-language model, when one is configured (set by its component). */
  vlm: VlmBackend | undefined;
  private readonly resources: Resource[] = [];
  private readonly subscriptions = new Subscription();
  private readonly elementSet = new Map<string, UiElement>();
  private elementsSeq: number | null = null;
  private latestFrame: Frame | null = null;
  private latestFrameEvent: FramePublish | null = null;
  private parts: Parts | null = null;
  private started = false;
  private stopping = false;
  private closing: Promise<void> | null = null;
  private settleFinished!: { resolve: () => void; reject: (err: unknown) => void };

  constructor(private readonly config: SessionConfig) {
    this.metrics = config.metrics ?? new Metrics();
    this.log = config.log ?? createLogger('warn');
    this.events = this.events$.asObservable();
    this.finished = new Promise<void>((resolve, reject) => (this.settleFinished = { resolve, reject }));
    this.finished.catch(() => undefined); // an owner that never awaits it must not crash the process
  }

  /** Opens and starts everything; resolves once clients can connect and capture has begun. */
  async start(): Promise<this> {
    if (this.started) throw new Error('Session.start() was already called; create a new Session to start again');
    this.started = true;
    try {
      this.parts = await this.build();
      for (const component of this.config.components ?? []) {
        await component.start(this);
        this.own(`component ${component.name}`, () => component.stop());
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    this.parts.runtime.start().then(this.settleFinished.resolve, this.settleFinished.reject);
    if (this.stopping) void this.parts.runtime.stop(); // stop() was called while starting (a Ctrl-C during model load)
    return this;
  }

  private async build(): Promise<Parts> {
    const { config, metrics } = this;
    const given = typeof config.engine === 'object' ? config.engine : undefined;
    let source: FrameSource;
    try {
      source = isFrameSource(config.source) ? config.source : await openFrameSource(config.source, config.env);
    } catch (err) {
      await given?.close().catch(() => undefined); // handed over: ours to close even though we never used it
      throw err;
    }
    this.own('source', () => source.close());
    const engine = given ?? (await createEngine(typeof config.engine === 'string' ? config.engine : 'ocr', { metrics, device: config.device ?? 'cpu' }));
    if (engine) this.own('engine', () => engine.close());
    const fps = config.fps ?? (source as { fps?: number }).fps ?? 10;
    const displays = await source.displays();

    const server = await new SightlineServer().start({ ...config.server, displays: config.server?.displays ?? displays });
    this.own('server', () => server.close());
    server.setSubscribeSnapshot((topics) => this.snapshotEvents(topics));
    server.setAdvertisedCommands([...SESSION_COMMANDS, ...(config.components ?? []).flatMap((c) => c.handles ?? [])]);
    this.subscriptions.add(server.commands.subscribe(({ clientId, command }) => this.onCommand(clientId, command)));

    const recorder = config.record
      ? await Recorder.create(config.record, {
          source: isFrameSource(config.source) ? { kind: config.source.kind } : config.source,
          fps,
          displays,
          onError: (e) => this.log.warn(`recording: ${e.message}`),
        })
      : undefined;
    if (recorder) this.own('recording', () => recorder.close());

    const runtime = new Runtime({
      source,
      fps,
      metrics,
      ...(engine ? { perception: engine } : {}),
      ...(recorder ? { recorder } : {}),
      ...(config.tileSize ? { tileSize: config.tileSize } : {}),
      ...(config.metricsIntervalMs ? { metricsIntervalMs: config.metricsIntervalMs } : {}),
      wantsThumbnails: () => server.wantsThumbnails(),
    });
    this.own('runtime', () => runtime.stop());
    this.subscriptions.add(runtime.events.subscribe((event) => this.onRuntimeEvent(event, server, recorder)));
    return { source, engine, server, recorder, runtime, fps, displays };
  }

  get server(): SightlineServer {
    return this.require().server;
  }

  get runtime(): Runtime {
    return this.require().runtime;
  }

  get source(): FrameSource {
    return this.require().source;
  }

  get engine(): PerceptionEngine | undefined {
    return this.require().engine;
  }

  get recorder(): Recorder | undefined {
    return this.require().recorder;
  }

  get fps(): number {
    return this.require().fps;
  }

  get displays(): DisplayInfo[] {
    return this.require().displays;
  }

  get paused(): boolean {
    return this.parts?.runtime.paused ?? false;
  }

  /** The newest frame and the element set as published so far (a fresh array; elements and frame are shared, do not mutate). */
  latest(): SessionSnapshot {
    return { frame: this.latestFrame, frameEvent: this.latestFrameEvent, elements: this.elements(), elementsSeq: this.elementsSeq };
  }

  /** The element set after the last published diff, in reading order. */
  elements(): UiElement[] {
    return [...this.elementSet.values()].sort((a, b) => a.order - b.order);
  }

  /** Stops capturing; frames already in the graph finish. */
  pause(): void {
    this.require().runtime.pause();
    this.log.info('paused');
  }

  resume(): void {
    this.require().runtime.resume();
    this.log.info('resumed');
  }

  /** Stops capture and lets in-flight perception finish; resolves when the pipeline has finished. */
  async stop(): Promise<void> {
    if (!this.stopping) this.log.info('stopping');
    this.stopping = true;
    if (!this.parts) return; // still starting: start() stops the runtime as soon as it exists
    await this.parts.runtime.stop();
    await this.finished.catch(() => undefined);
  }

  /** Stops everything and closes it in reverse start order; never throws (each failure is logged). */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    for (const resource of this.resources.splice(0).reverse()) {
      this.log.debug(`closing ${resource.name}`);
      try {
        await resource.close();
      } catch (err) {
        this.log.warn(`closing ${resource.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.subscriptions.unsubscribe();
    this.events$.complete();
    this.commands$.complete();
    this.settleFinished.resolve(); // a session closed before (or while) running has finished too
  }

  private own(name: string, close: () => Promise<unknown> | unknown): void {
    this.resources.push({ name, close });
  }

  private require(): Parts {
    if (!this.parts) throw new Error('the session is not started; call start() first');
    return this.parts;
  }

  private onRuntimeEvent(event: RuntimeEvent, server: SightlineServer, recorder: Recorder | undefined): void {
    if (event.type === 'frame') this.latestFrame = event.frame;
    else if (event.type === 'elements') this.applyDiff(event.diff);
    else if (event.type === 'error') this.log.warn(event.message, { code: event.code });
    for (const published of toProtocolEvents(event)) {
      if (published.type === 'frame') this.latestFrameEvent = published as FramePublish;
      server.publish(published);
      recorder?.writeEvent(published);
    }
    this.events$.next(event);
  }

  private applyDiff(diff: { seq: number; added: UiElement[]; removed: string[]; changed: UiElement[] }): void {
    for (const id of diff.removed) this.elementSet.delete(id);
    for (const element of [...diff.added, ...diff.changed]) this.elementSet.set(element.id, element);
    this.elementsSeq = diff.seq;
  }

  /** What a client gets when it subscribes (and on an elements resync): the newest frame, the full set. */
  private snapshotEvents(topics: readonly Topic[]): PublishEvent[] {
    const events: PublishEvent[] = [];
    if (topics.includes('frame') && this.latestFrameEvent) events.push(this.latestFrameEvent);
    if (topics.includes('elements') && this.parts?.engine) events.push(elementsFullEvent(this.elementsSeq ?? 0, this.elements()));
    return events;
  }

  /** Publishes an event from a component to clients (and into the recording), like the pipeline's own. */
  publish(event: PublishEvent): void {
    const { server, recorder } = this.require();
    server.publish(event);
    recorder?.writeEvent(event);
  }

  private onCommand(clientId: string, command: ClientCommand): void {
    this.log.debug('command', { clientId, type: command.type });
    if (command.type === 'pause') this.pause();
    else if (command.type === 'resume') this.resume();
    // `stop` always stops input first (the executor's component also hears it); `input: true` stops only input.
    else if (command.type === 'stop') {
      void this.executor?.stop(`stop command from ${clientId}`);
      if (!command.input) void this.stop();
    }
    const handled = SESSION_COMMANDS.has(command.type) || (this.config.components ?? []).some((c) => c.handles?.includes(command.type));
    if (!handled) {
      this.reply(clientId, {
        type: 'error',
        code: 'ERR_UNAVAILABLE',
        message: `this session has nothing that answers \`${command.type}\``,
        hint: unavailableHint(command.type),
      });
      return;
    }
    this.commands$.next({ clientId, command });
  }

  /** Sends an event to one client only (the reply to its command); false when it has gone. */
  reply(clientId: string, event: Parameters<SightlineServer['sendTo']>[1]): boolean {
    return this.require().server.sendTo(clientId, event);
  }
}

/**
 * The one place runtime events become protocol events (published to clients and recorded).
 * `text` and `action` have no topic yet: when the protocol has the `token` and `action` topics,
 * map them here and nowhere else.
 */
export function toProtocolEvents(event: RuntimeEvent): PublishEvent[] {
  switch (event.type) {
    case 'frame':
      return [frameEvent(event.frame, event.thumbnail)];
    case 'elements':
      return [elementsDiffEvent(event.diff)];
    case 'metrics':
      return [metricsEvent(event.snapshot)];
    case 'text':
      return [tokenEvent(event.seq, event.chunk.text, event.chunk.done)];
    case 'action':
      return [actionEvent(event.seq, event.action)];
    case 'error':
      return []; // logged by the session; perception failures are not a client's concern
  }
}

/** Commands the session answers itself. */
const SESSION_COMMANDS: ReadonlySet<CommandType> = new Set(['subscribe', 'pause', 'resume', 'stop']);

function unavailableHint(type: CommandType): string {
  switch (type) {
    case 'act':
    case 'approve':
    case 'reject':
      return 'start sightline with an executor (`--executor propose|confirm|auto`)';
    case 'ask':
    case 'cancel':
      return 'start sightline with a model (`--engine vlm --model DIR` or `--engine remote`)';
    default:
      return 'start sightline with the agents attached (`sightline run --agents`)';
  }
}

function isFrameSource(source: SourceSpec | FrameSource): source is FrameSource {
  return typeof (source as FrameSource).capture === 'function';
}
