// A private X server for integration tests: Xvfb (MIT-SHM and RandR on) plus openbox, because
// without a window manager clicks do not move keyboard focus (DESIGN.md "Tests under a display").
// Readiness is event-driven: Xvfb reports its display number on -displayfd once it accepts
// connections, and openbox is ready when it has set _NET_SUPPORTING_WM_CHECK on the root window.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { connectX11, request } from '../../src/frames/x11-connection.js';
import { drawingClient, eventMask, type XEvent } from './x11-painter.js';

const execFileAsync = promisify(execFile);

/** One monitor carved out of the single X screen with `xrandr --setmonitor`. */
export interface MonitorSpec {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary?: boolean;
}

export interface XvfbOptions {
  width: number;
  height: number;
  depth?: 24;
  /** Several monitors on the one screen (RandR 1.5 monitors; Xinerama follows them). */
  monitors?: MonitorSpec[];
  /** Shorthand: N monitors side by side, splitting the width evenly (the first is primary). */
  screens?: number;
  withWindowManager?: boolean;
  /** Extra Xvfb arguments, appended last so they win (e.g. ['-extension', 'RANDR']). */
  serverArgs?: string[];
  /** How long to wait for Xvfb and openbox to come up before failing. */
  startTimeoutMs?: number;
}

export interface XvfbHandle {
  /** Display name, e.g. ":42". */
  display: string;
  width: number;
  height: number;
  /** process.env with DISPLAY set, for child processes. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test that throws before stop() must not leave servers behind: kill ours on exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function tail(chunks: string[]): string {
  return chunks.join('').trim().split('\n').slice(-5).join('\n');
}

function collect(stream: Readable | null): string[] {
  const chunks: string[] = [];
  stream?.setEncoding('utf8');
  stream?.on('data', (c: string) => {
    chunks.push(c);
    if (chunks.length > 50) chunks.shift();
  });
  return chunks;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the display number Xvfb writes on fd 3 once it is accepting connections. */
function readDisplayNumber(xvfb: ChildProcess, stderr: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd3 = xvfb.stdio[3] as Readable;
    let text = '';
    fd3.setEncoding('utf8');
    fd3.on('data', (c: string) => {
      text += c;
      if (text.includes('\n')) resolve(Number.parseInt(text, 10));
    });
    xvfb.once('exit', (code, signal) => reject(new Error(`Xvfb exited (${signal ?? code}) before it was ready:\n${tail(stderr)}`)));
    xvfb.once('error', (err) => reject(new Error(`cannot start Xvfb: ${err.message} (is the xvfb package installed?)`)));
  });
}

/** Resolves once a window manager has announced itself on the root window (EWMH check window). */
async function waitForWindowManager(display: string): Promise<void> {
  const conn = await connectX11(display, { shm: false });
  try {
    const { screen } = conn;
    const client = drawingClient(conn);
    const atom = await request<number>((cb) => client.InternAtom(false, '_NET_SUPPORTING_WM_CHECK', cb));
    const announced = new Promise<void>((resolve) => {
      client.on('event', (ev: XEvent) => {
        if (ev.name === 'PropertyNotify' && ev.atom === atom) resolve();
      });
    });
    // Subscribe before looking, so an announcement between the two cannot be missed.
    await request<void>((cb) => client.ChangeWindowAttributes(screen.root, { eventMask: eventMask.PropertyChange }, (err) => cb(err, undefined)));
    const prop = await request<{ type: number; data: Buffer | string }>((cb) => client.GetProperty(0, screen.root, atom, 0, 0, 1, cb));
    if (prop.type === 0) await announced;
  } finally {
    await conn.close();
  }
}

async function outputName(env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync('xrandr', ['--query'], { env });
  const match = /^(\S+) connected/m.exec(stdout);
  if (!match) throw new Error(`xrandr found no connected output:\n${stdout}`);
  return match[1]!;
}

/**
 * Splits the screen into monitors. The primary (or first) monitor takes over the real output, which
 * removes the automatic whole-screen monitor; the others are outputless ("none") monitors.
 */
async function setMonitors(env: NodeJS.ProcessEnv, monitors: MonitorSpec[]): Promise<void> {
  const output = await outputName(env);
  const owner = monitors.find((m) => m.primary) ?? monitors[0]!;
  for (const m of [owner, ...monitors.filter((m) => m !== owner)]) {
    // Geometry is W/mmW x H/mmH + X + Y; millimetres at 96 dpi keep xdpyinfo-style figures sane.
    const geometry = `${m.width}/${Math.round((m.width * 25.4) / 96)}x${m.height}/${Math.round((m.height * 25.4) / 96)}+${m.x}+${m.y}`;
    await execFileAsync('xrandr', ['--setmonitor', m.name, geometry, m === owner ? output : 'none'], { env });
  }
  await execFileAsync('xrandr', ['--output', output, '--primary'], { env });
}

function sideBySide(width: number, height: number, count: number): MonitorSpec[] {
  const each = Math.floor(width / count);
  return Array.from({ length: count }, (_, i) => ({ name: `MONITOR-${i}`, x: i * each, y: 0, width: i === count - 1 ? width - i * each : each, height, primary: i === 0 }));
}

function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts Xvfb (and openbox) on a free display number and waits until both are ready. */
export async function startXvfb(options: XvfbOptions): Promise<XvfbHandle> {
  const { width, height, depth = 24, withWindowManager = true, startTimeoutMs = 15_000 } = options;
  const monitors = options.monitors ?? (options.screens && options.screens > 1 ? sideBySide(width, height, options.screens) : undefined);
  installExitHook();
  // -displayfd: the server picks a free number itself (no lock-file race with parallel tests).
  // -noreset: keep RandR monitors and state when the last client disconnects.
  const xvfb = track(
    spawn(
      'Xvfb',
      ['-displayfd', '3', '-screen', '0', `${width}x${height}x${depth}`, '+extension', 'MIT-SHM', '+extension', 'RANDR', '-nolisten', 'tcp', '-noreset', ...(options.serverArgs ?? [])],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    ),
  );
  const xvfbErr = collect(xvfb.stderr);
  const children: ChildProcess[] = [xvfb];
  const stop = async () => {
    for (const child of children.slice().reverse()) await stopChild(child);
  };
  try {
    const number = await withTimeout(readDisplayNumber(xvfb, xvfbErr), startTimeoutMs, () => `Xvfb did not report a display within ${startTimeoutMs} ms:\n${tail(xvfbErr)}`);
    const display = `:${number}`;
    const env = { ...process.env, DISPLAY: display };
    if (withWindowManager) {
      const openbox = track(spawn('openbox', ['--sm-disable'], { env, stdio: ['ignore', 'ignore', 'pipe'] }));
      children.push(openbox);
      const wmErr = collect(openbox.stderr);
      const exited = new Promise<never>((_, reject) =>
        openbox.once('exit', (code, signal) => reject(new Error(`openbox exited (${signal ?? code}) during startup:\n${tail(wmErr)}`))),
      );
      exited.catch(() => {});
      await withTimeout(Promise.race([waitForWindowManager(display), exited]), startTimeoutMs, () => `openbox did not start within ${startTimeoutMs} ms:\n${tail(wmErr)}`);
    }
    if (monitors && monitors.length > 0) await setMonitors(env, monitors);
    return { display, width, height, env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
