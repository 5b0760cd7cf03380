// `sightline run`: the main job. Opens a frame source, starts the WebSocket server, wires the
// pipeline (capture → change → perceive) to it, and shuts everything down cleanly on SIGINT,
// SIGTERM or a client's `stop`.
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { openFrameSource, type SourceSpec } from '../frames/open-frame-source.js';
import type { FrameSource } from '../frames/frame.js';
import { Recorder } from '../frames/recording.js';
import { createLogger, type Logger } from '../log.js';
import { Metrics } from '../metrics.js';
import type { PerceptionEngine } from '../perception/engine.js';
import { Runtime, type RuntimeEvent } from '../pipeline/runtime.js';
import { elementsDiffEvent, elementsFullEvent, frameEvent, metricsEvent } from '../server/events.js';
import type { PublishEvent } from '../server/protocol.js';
import { SightlineServer } from '../server/ws-server.js';
import { createEngine } from './engines.js';
import { RUN_HELP, parseRunArgs } from './run-flags.js';

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
    case 'text':
    case 'action':
      return null; // no engine streams text or proposes actions yet (the VLM issue adds their topics)
    case 'error':
      log.warn(event.message, { code: event.code });
      return null;
  }
}

function lastSeq(frame: PublishEvent | null): number {
  return (frame && 'seq' in frame ? frame.seq : undefined) ?? 0;
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
