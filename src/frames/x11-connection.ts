// A typed, promise-returning view of the pure-JS `x11` client (node_modules/x11). The package is
// callback-based and ships no types; this file is the one place that touches it untyped, so the
// capture source and display enumeration read as ordinary async TypeScript. It declares only the
// requests the runtime makes (tests that draw declare their own, in test/helpers/x11-painter.ts).
import { createRequire } from 'node:module';
import { FrameSourceError } from './source-errors.js';

/** The subset of the `x11` request interface sightline uses (docs: node_modules/x11/docs). */
export interface XClient {
  AllocID(): number;
  ReleaseID(id: number): void;
  GetImage(
    format: number,
    drawable: number,
    x: number,
    y: number,
    width: number,
    height: number,
    planeMask: number,
    cb: (err: Error | null, image: { depth: number; visualId: number; data: Buffer }) => void,
  ): void;
  InternAtom(onlyIfExists: boolean, name: string, cb: (err: Error | null, atom: number) => void): void;
  GetAtomName(atom: number, cb: (err: Error | null, name: string) => void): void;
  GetProperty(
    del: number,
    wid: number,
    property: number,
    type: number,
    longOffset: number,
    longLength: number,
    cb: (err: Error | null, prop: { type: number; format: number; data: Buffer | string }) => void,
  ): void;
  QueryExtension(name: string, cb: (err: Error | null, ext: { present: boolean; majorOpcode: number }) => void): void;
  require(name: string, cb: (err: Error | null, ext: any) => void): void;
  close(cb?: () => void): void;
  terminate(): void;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  removeListener(event: string, listener: (...args: any[]) => void): this;
  /** Internals used to issue requests the package does not wrap (RandR GetMonitors), and the atom cache. */
  atoms: Record<string, number>;
  atom_names: Record<number, string>;
  seq_num: number;
  replies: Record<number, [((buf: Buffer, opt: number) => unknown) | null, (err: Error | null, value: any) => void]>;
  pack_stream: { put(b: Buffer): void; submit(expectReply?: boolean): void };
}

export interface XScreen {
  root: number;
  pixel_width: number;
  pixel_height: number;
  root_depth: number;
  root_visual: number;
  white_pixel: number;
  black_pixel: number;
}

/** The `display` object `createClient` hands back. */
export interface XDisplay {
  client: XClient;
  screen: XScreen[];
  isLocalSocket: boolean;
  image_byte_order: number;
}

interface X11Module {
  createClient(options: { display?: string; shm?: false | 'off' }, cb: (err: Error | null, display: XDisplay) => void): XClient;
}

const x11 = createRequire(import.meta.url)('x11') as X11Module;

/** Core image format codes (X11 protocol, GetImage/PutImage). */
export const ZPixmap = 2;

/** An open connection to an X server. */
export interface X11Connection {
  /** The display name it was opened with, e.g. ":99". */
  name: string;
  display: XDisplay;
  client: XClient;
  screen: XScreen;
  /**
   * Settles like `pending`, or rejects (code ERR_DISPLAY_LOST) if the server goes away first: the
   * `x11` package never calls back requests on a dead connection. Wrap every request the runtime
   * awaits. Each call registers one rejecter and removes it when `pending` settles, so nothing
   * outlives the request (a race against one never-settling "lost" promise would keep every
   * result reachable from it: one frame buffer per capture).
   */
  guard<T>(pending: Promise<T>): Promise<T>;
  /** False once the server has gone away. */
  alive(): boolean;
  close(): Promise<void>;
}

/** Raised when the X server cannot be reached; `code` lets the CLI print the message without a stack. */
export class X11ConnectError extends FrameSourceError {
  constructor(displayName: string, cause: Error) {
    super(
      'ERR_X11_CONNECT',
      `cannot connect to X display "${displayName}": ${cause.message}. Check that the X server is running and DISPLAY is right, or run under Xvfb (xvfb-run -a).`,
    );
    this.name = 'X11ConnectError';
  }
}

/** Connects to `displayName` (default $DISPLAY). `shm: false` gives a plain socket (no fd passing). */
export function connectX11(displayName = process.env.DISPLAY ?? '', options: { shm?: boolean } = {}): Promise<X11Connection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(new X11ConnectError(displayName, err));
    };
    const client = x11.createClient({ display: displayName, ...(options.shm === false ? { shm: false as const } : {}) }, (err, display) => {
      if (err) return fail(err);
      settled = true;
      isolateAtomCache(client);
      client.removeListener('error', fail);
      let gone = false;
      let lostError: FrameSourceError | null = null;
      const waiting = new Set<(err: Error) => void>();
      const onGone = (why: string) => {
        gone = true;
        lostError ??= new FrameSourceError('ERR_DISPLAY_LOST', `X display "${displayName}" closed the connection (${why}); restart capture once the X server is back.`);
        for (const rejectOne of waiting) rejectOne(lostError);
        waiting.clear();
      };
      client.on('end', () => onGone('connection ended'));
      // Protocol errors of requests without a callback arrive here; socket errors end the stream.
      client.on('error', (err: Error & { code?: string }) => {
        if (typeof err.code === 'string' && err.code.startsWith('E')) onGone(err.message);
      });
      const guard = <T>(pending: Promise<T>): Promise<T> => {
        if (lostError) {
          pending.catch(() => {});
          return Promise.reject(lostError);
        }
        return new Promise<T>((resolveGuard, rejectGuard) => {
          waiting.add(rejectGuard);
          pending.then(
            (value) => {
              waiting.delete(rejectGuard);
              resolveGuard(value);
            },
            (err: unknown) => {
              waiting.delete(rejectGuard);
              rejectGuard(err);
            },
          );
        });
      };
      resolve({
        name: displayName,
        display,
        client,
        screen: display.screen[0]!,
        guard,
        alive: () => !gone,
        close: () => {
          if (!gone) return closeClient(client);
          client.terminate();
          return Promise.resolve();
        },
      });
    });
    client.on('error', fail);
  });
}

/** The X protocol's predefined atoms are 1..68 (XA_LAST_PREDEFINED); everything above is per server. */
const LAST_PREDEFINED_ATOM = 68;

/**
 * The `x11` package (4.2.2) starts every client's atom cache as the same module-level object and
 * adds interned atoms to it, so a second connection to another server (every test file that starts
 * two Xvfbs) gets the first server's atom ids and a "Bad atom" error. Each client gets its own
 * cache holding only the predefined atoms.
 */
function isolateAtomCache(client: XClient): void {
  const atoms: Record<string, number> = {};
  const names: Record<number, string> = {};
  for (const [name, id] of Object.entries(client.atoms)) {
    if (id >= 1 && id <= LAST_PREDEFINED_ATOM) {
      atoms[name] = id;
      names[id] = name;
    }
  }
  client.atoms = atoms;
  client.atom_names = names;
}

function closeClient(client: XClient): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    client.on('end', finish);
    try {
      client.close(finish);
    } catch {
      client.terminate();
      finish();
    }
  });
}

/** Wraps a callback-style request: `call(X, cb)` → Promise. */
export function request<T>(issue: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    issue((err, value) => (err ? reject(err) : resolve(value)));
  });
}

export function requireExtension(client: XClient, name: string): Promise<any> {
  return request((cb) => client.require(name, cb));
}
