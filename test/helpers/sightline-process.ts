// Runs the real `sightline` CLI (dist/src/cli.js) as a child process and reads the URL and token it
// prints, so integration tests drive exactly what a user runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface SightlineProcess {
  child: ChildProcess;
  url: string;
  token: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function startSightline(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<SightlineProcess> {
  const child = spawn(process.execPath, [CLI, 'run', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sightline did not start within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /serving (ws:\/\/\S+)/.exec(stderr)?.[1];
      const token = /token (\S+)/.exec(stderr)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ url, token });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sightline exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  const { url, token } = await ready;
  return {
    child,
    url,
    token,
    stderr: () => stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A JSON client on the real socket that buffers every event and lets a test await one. */
export class EventClient {
  readonly events: Array<Record<string, any>> = [];
  /** The element set as the `elements` events so far describe it, by id (updated before waiters run). */
  readonly elements = new Map<string, Record<string, any>>();
  private waiters: Array<{ match: (e: Record<string, any>) => boolean; resolve: (e: Record<string, any>) => void }> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString()) as Record<string, any>;
      this.events.push(event);
      if (event.type === 'elements') this.applyElements(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  static connect(url: string, token: string): Promise<EventClient> {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      const client = new EventClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** The texts of the current element set, joined with " | ". */
  texts(): string {
    return [...this.elements.values()].map((e) => e.text).join(' | ');
  }

  private applyElements(event: Record<string, any>): void {
    if (event.full) this.elements.clear();
    for (const id of event.removed) this.elements.delete(id);
    for (const el of [...event.added, ...event.changed]) this.elements.set(el.id, el);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first event (already received or future) that matches. */
  next(match: (e: Record<string, any>) => boolean, timeoutMs = 30_000): Promise<Record<string, any>> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got types ${[...new Set(this.events.map((e) => e.type))].join(',')}`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  close(): void {
    this.ws.close();
  }
}

export interface CliResult {
  /** Exit code, or the signal name when it was killed. */
  code: number | string;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sightline <args>` to completion (the real compiled CLI) and returns what it printed.
 * `stdin` is written and closed; a process still running after `timeoutMs` is killed.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv, options: { stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.on('error', () => undefined); // a process that exits before reading stdin
  child.stdin!.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    }),
  );
}
