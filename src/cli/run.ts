// `sightline run`: the main job. Flags → a Session (src/session.ts, which wires and owns every
// part), the start lines, and the signals: the first SIGINT or SIGTERM stops cleanly, a second one
// exits at once (130). Clients' pause/resume/stop commands are handled by the session itself.
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { SourceSpec } from '../frames/open-frame-source.js';
import { createLogger } from '../log.js';
import { Session } from '../session.js';
import { RUN_HELP, networkExposureWarning, parseRunArgs } from './run-flags.js';

export async function runCommand(argv: string[]): Promise<number> {
  const config = await parseRunArgs(argv);
  if (config === 'help') {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const log = createLogger(config.logLevel, config.logFormat);
  // sharp (thumbnails, recording, OCR crops) defaults to one thread on glibc (DESIGN.md "Threads").
  sharp.concurrency(availableParallelism());
  const session = new Session({
    source: config.source,
    ...(config.fps !== undefined ? { fps: config.fps } : {}),
    engine: config.engine,
    device: config.device,
    server: {
      host: config.host,
      port: config.port,
      allowedOrigins: config.allowedOrigins,
      maxClients: config.maxClients,
      ...(config.token !== undefined ? { token: config.token } : {}),
    },
    ...(config.record ? { record: config.record } : {}),
    log,
  });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130); // a second Ctrl-C: the user wants out now
    stopping = true;
    log.info(`${signal} received`);
    void session.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await session.start();
    if (config.exposeToNetwork) {
      log.warn(networkExposureWarning(config.host));
    }
    log.info(`capturing ${describeSource(config.source)} at ${session.fps} fps, engine ${config.engine}`);
    log.info(`serving ${session.server.url}`);
    // A configured token is the user's secret: never echo it (logs are collected and shared).
    if (config.token === undefined) log.info(`token ${session.server.token}  (clients send "Authorization: Bearer <token>" or subprotocol "token.<token>")`);
    else log.info('clients authenticate with the configured token');
    await session.finished;
    log.info('pipeline finished', { frames: session.metrics.counter('frames.changed') + session.metrics.counter('frames.unchanged') });
    return 0;
  } finally {
    await session.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function describeSource(spec: SourceSpec): string {
  if (spec.kind === 'replay') return `replay of ${spec.path}`;
  return `${spec.kind} display ${spec.display ?? '0'}${spec.region ? ` region ${spec.region.x},${spec.region.y},${spec.region.width}x${spec.region.height}` : ''}`;
}
