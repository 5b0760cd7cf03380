// The flags of `sightline run`: its help text and the parser that turns argv and the
// environment into a RunConfig, rejecting every mistake with one sentence (a UsageError).
import type { Rect } from '../frames/rect.js';
import { parseSourceArg, type SourceSpec } from '../frames/open-frame-source.js';
import type { LogLevel } from '../log.js';
import { intFlag, numberFlag, parseFlags } from './args.js';
import { ENGINES, type EngineName } from './engines.js';
import type { EngineDevice } from '../engines.js';
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

export interface RunConfig {
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
  /** Where models run. (Flags for these three come with the safety work; defaults until then.) */
  device: EngineDevice;
  /** The user opted in to a non-loopback bind. */
  exposeToNetwork: boolean;
  maxClients: number;
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
    device: 'cpu',
    exposeToNetwork: false,
    maxClients: 32,
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
