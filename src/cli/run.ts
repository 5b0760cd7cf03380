// `sightline run`: the main job. Opens a frame source, starts the WebSocket server, wires the
// pipeline (capture → change → perceive) to it, and shuts everything down cleanly on SIGINT,
// SIGTERM or a client's `stop`.
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { openFrameSource, parseSourceArg, type SourceSpec } from '../frames/open-source.js';
import type { FrameSource, Rect } from '../frames/frame.js';
import { Recorder } from '../frames/recording.js';
import { createLogger, type LogLevel, type Logger } from '../log.js';
import { Metrics } from '../pipeline/metrics.js';
import type { PerceptionEngine } from '../pipeline/perception.js';
import { Runtime, type RuntimeEvent } from '../pipeline/runtime.js';
import { elementsDiffEvent, elementsFullEvent, frameEvent, metricsEvent } from '../server/events.js';
import type { PublishEvent } from '../server/protocol.js';
import { SightlineServer } from '../server/ws-server.js';
import { intFlag, numberFlag, parseFlags } from './args.js';
import { ENGINES, createEngine, type EngineName } from './engines.js';
import { UsageError } from './usage-error.js';

export const RUN_HELP = `Usage: sightline run [options]

Watches a screen, perceives what changed, and streams events over a WebSocket.

Options:
  --source SRC        x11 (default when DISPLAY is set), screenshot (portable, slow),
                      replay:DIR or a folder path (images or a --record recording)
  --display ID        display to capture: 0 (primary), 1, ... or all (virtual desktop); default 0
  --region X,Y,W,H    capture only this rectangle of the display (physical pixels)
  --fps N             capture rate, 0.1..120 (default 10, or a recording's own rate);
                      unchanged frames cost about 1 ms
  --engine NAME       perception engine: ${ENGINES.join(' | ')} (default ocr: PP-OCRv4, CPU)
  --host ADDR         interface to bind (default 127.0.0.1; widening it exposes your screen)
  --port N            port (default 7717; 0 picks a free one)
  --token TOKEN       client token (default: $SIGHTLINE_TOKEN, else a random one printed at start)
  --allow-origin URL  also accept browser pages from this origin (repeatable)
  --record DIR        store the changed frames and emitted events in DIR (replay with --source DIR)
  --loop              replay: start over after the last frame
  --log-format FMT    text (default) or json
  --verbose, --quiet  more or less logging
  -h, --help          this help
`;

interface RunConfig {
  source: SourceSpec;
  /** undefined: the source's own rate (a recording's), else 10. */
  fps: number | undefined;
  engine: EngineName;
  host: string;
  port: number;
  token?: string;
  allowedOrigins: string[];
  record?: string;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
}

export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RunConfig | 'help' {
  const { values } = parseFlags('run', argv, {
    source: { type: 'string' },
    display: { type: 'string' },
    region: { type: 'string' },
    fps: { type: 'string' },
    engine: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    record: { type: 'string' },
    loop: { type: 'boolean' },
    'log-format': { type: 'string' },
    verbose: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const engine = (values.engine ?? 'ocr') as EngineName;
  if (!ENGINES.includes(engine)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}, got "${values.engine}"`);
  const source: SourceSpec = { ...parseSourceArg(values.source, env) };
  if (values.display !== undefined) source.display = values.display;
  if (values.region !== undefined) source.region = parseRegion(values.region);
  if (values.loop) source.loop = true;
  const token = values.token ?? env.SIGHTLINE_TOKEN;
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, got "${logFormat}"`);
  return {
    source,
    fps: values.fps === undefined ? undefined : numberFlag('fps', values.fps, 10, 0.1, 120),
    engine,
    host: values.host ?? '127.0.0.1',
    port: intFlag('port', values.port, 7717, 0, 65535),
    ...(token ? { token } : {}),
    allowedOrigins: values['allow-origin'] ?? [],
    ...(values.record ? { record: values.record } : {}),
    logLevel: values.verbose ? 'debug' : values.quiet ? 'warn' : 'info',
    logFormat,
  };
}

function parseRegion(value: string): Rect {
  const parts = value.split(',').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2]! <= 0 || parts[3]! <= 0) {
    throw new UsageError(`--region must be X,Y,WIDTH,HEIGHT in whole pixels, e.g. 0,0,800,600; got "${value}"`);
  }
  const [x, y, width, height] = parts as [number, number, number, number];
  return { x, y, width, height };
}

export async function runCommand(argv: string[]): Promise<number> {
  const config = parseRunArgs(argv);
  if (config === 'help') {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const log = createLogger(config.logLevel, config.logFormat);
  // sharp (thumbnails, recording, OCR crops) defaults to one thread on glibc (DESIGN.md "Threads").
  sharp.concurrency(availableParallelism());
  const metrics = new Metrics();
  const resources: Array<{ name: string; close: () => Promise<unknown> }> = [];
  const closeAll = async () => {
    for (const r of resources.reverse()) await r.close().catch((err: Error) => log.warn(`closing ${r.name} failed: ${err.message}`));
  };
  try {
    const source: FrameSource & { fps?: number } = await openFrameSource(config.source);
    resources.push({ name: 'source', close: () => source.close() });
    const fps = config.fps ?? source.fps ?? 10;
    const displays = await source.displays();

    const engine: PerceptionEngine | undefined = await createEngine(config.engine, metrics);
    if (engine) resources.push({ name: 'engine', close: () => engine.close() });

    const recorder = config.record ? await Recorder.create(config.record, { source: config.source, fps, displays, onError: (e) => log.warn(`recording: ${e.message}`) }) : undefined;
    if (recorder) resources.push({ name: 'recording', close: () => recorder.close() });

    const server = await new SightlineServer().start({ host: config.host, port: config.port, allowedOrigins: config.allowedOrigins, displays, ...(config.token ? { token: config.token } : {}) });
    resources.push({ name: 'server', close: () => server.close() });

    const runtime = new Runtime({ source, fps, metrics, ...(engine ? { perception: engine } : {}), ...(recorder ? { recorder } : {}), wantsThumbnails: () => server.wantsThumbnails() });
    let lastFrame: PublishEvent | null = null;
    server.setSubscribeSnapshot((topics) => [
      ...(topics.includes('frame') && lastFrame ? [lastFrame] : []),
      ...(topics.includes('elements') && engine ? [elementsFullEvent(lastSeq(lastFrame), engine.elements())] : []),
    ]);
    runtime.events.subscribe((event) => {
      const published = toPublishEvent(event, log);
      if (!published) return;
      if (published.type === 'frame') lastFrame = published;
      server.publish(published);
      recorder?.writeEvent(published);
    });

    const stop = once(() => {
      log.info('stopping');
      void runtime.stop();
    });
    server.commands.subscribe(({ clientId, command }) => {
      log.debug('command', { clientId, type: command.type });
      if (command.type === 'pause') runtime.pause();
      else if (command.type === 'resume') runtime.resume();
      else if (command.type === 'stop') stop();
    });
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130); // a second Ctrl-C: the user wants out now
      stopping = true;
      log.info(`${signal} received`);
      stop();
    };
    let stopping = false;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    log.info(`capturing ${describeSource(config.source)} at ${fps} fps, engine ${config.engine}`);
    log.info(`serving ${server.url}`);
    log.info(`token ${server.token}  (clients send "Authorization: Bearer <token>" or subprotocol "token.<token>")`);
    await runtime.start();
    log.info('pipeline finished', { frames: metrics.counter('frames.changed') + metrics.counter('frames.unchanged') });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return 0;
  } finally {
    await closeAll();
  }
}

function toPublishEvent(event: RuntimeEvent, log: Logger): PublishEvent | null {
  switch (event.type) {
    case 'frame':
      return frameEvent(event.frame, event.thumbnail);
    case 'elements':
      return elementsDiffEvent(event.diff);
    case 'metrics':
      return metricsEvent(event.snapshot);
    case 'error':
      log.warn(event.message, { code: event.code });
      return null;
  }
}

function lastSeq(frame: PublishEvent | null): number {
  return frame && 'seq' in frame ? frame.seq : 0;
}

function describeSource(spec: SourceSpec): string {
  if (spec.kind === 'replay') return `replay of ${spec.path}`;
  return `${spec.kind} display ${spec.display ?? '0'}${spec.region ? ` region ${spec.region.x},${spec.region.y},${spec.region.width}x${spec.region.height}` : ''}`;
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
