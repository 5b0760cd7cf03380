// The pieces the reliability suite and tools/bench/soak.ts share: the real `sightline run` CLI as a
// child process (token given through $SIGHTLINE_TOKEN, never on argv), its resident memory read from
// /proc, and an X client that keeps the screen changing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { X11Painter } from '../helpers/x11-painter.js';

import { CLI } from '../helpers/sightline-process.js';

export { CLI };

/** A token of the form the server accepts (16..256 of [A-Za-z0-9._~-]). */
export const RELIABILITY_TOKEN = 'reliability-token-0123456789abcdef';

export interface RunProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  stderr(): string;
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts `sightline run --port 0 ...args` and resolves once it logs the URL it serves. The token
 * travels in the environment, so the helper does not depend on the token being printed.
 */
export async function startRun(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunProcess> {
  const child = spawn(process.execPath, [CLI, 'run', '--port', '0', ...args], {
    env: { ...env, SIGHTLINE_TOKEN: RELIABILITY_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sightline did not start within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /serving (ws:\/\/\S+)/.exec(stderr)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sightline exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  child.stdout!.resume();
  return {
    child,
    pid: child.pid!,
    url,
    stderr: () => stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion (for commands that should fail fast); resolves with its exit and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

/** Resident set size of a process in bytes (VmRSS of /proc/PID/status), or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

export interface ScreenChanger {
  /** Repaints done so far. */
  readonly changes: number;
  stop(): Promise<void>;
}

/**
 * Repaints a full-screen window every `intervalMs`: a colour band moves and the background
 * alternates, so every repaint changes tiles all over the screen. `draw` may add content (text for OCR).
 */
export async function changeScreen(
  display: string,
  intervalMs: number,
  draw?: (painter: X11Painter, step: number) => Promise<void>,
): Promise<ScreenChanger> {
  const painter = await X11Painter.open(display, { background: 0x202020 });
  const { width, height } = painter.bounds;
  let step = 0;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    busy = (async () => {
      const band = Math.max(8, Math.floor(width / 16));
      const x = (step * band) % width;
      await painter.paint([
        { rect: { x: 0, y: 0, width, height }, rgb: step % 2 ? 0x303030 : 0x404040 },
        { rect: { x, y: 0, width: band, height }, rgb: (step * 0x2f4f6f) & 0xffffff },
      ]);
      if (draw) await draw(painter, step);
      step += 1;
    })().catch(() => {});
  };
  const timer = setInterval(tick, intervalMs);
  tick();
  return {
    get changes() {
      return step;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      await painter.close();
    },
  };
}
