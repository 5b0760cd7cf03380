// MIT-SHM GetImage: the server writes pixels into a shared segment instead of an 8 MB socket
// reply. The segment is an unlinked file on /dev/shm handed to the server with ShmAttachFd
// (MIT-SHM 1.2, the `x11` package's fd-passing transport); we own the descriptor and read the
// pixels out with one positional read straight into the frame's own Buffer. That read is the only
// copy. The Buffer is fresh unless the caller passes one it knows is free (X11FrameSource.recycle).
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, accessSync, constants } from 'node:fs';
import type { Rect } from './rect.js';
import { requireExtension, ZPixmap, type X11Connection } from './x11-connection.js';

const SHM_DIR = '/dev/shm';
let segmentCounter = 0;

/** An anonymous /dev/shm file: it lives as long as our descriptor or the server's mapping. */
function createSegmentFile(size: number): number {
  const path = `${SHM_DIR}/sightline-shm-${process.pid}-${segmentCounter++}`;
  const fd = openSync(path, 'w+', 0o600);
  try {
    ftruncateSync(fd, size);
  } catch (err) {
    closeSync(fd);
    throw err;
  } finally {
    unlinkSync(path);
  }
  return fd;
}

/** Whether this platform can back the provider at all (Linux tmpfs). */
export function shmDirUsable(): boolean {
  try {
    accessSync(SHM_DIR, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

interface ShmExtension {
  major: number;
  minor: number;
  fdCapable: boolean;
  AttachFd(shmseg: number, fd: number, readOnly: boolean, cb: (err: Error | null) => void): void;
  Detach(shmseg: number, cb: (err: Error | null) => void): void;
  GetImage(
    drawable: number,
    x: number,
    y: number,
    width: number,
    height: number,
    planeMask: number,
    format: number,
    shmseg: number,
    offset: number,
    cb: (err: Error | null, reply: { depth: number; size: number }) => void,
  ): void;
}

interface Segment {
  shmseg: number;
  fd: number;
  size: number;
}

/** Reads rectangles of a drawable through one shared segment, growing it when a larger area is asked for. */
export class ShmImageReader {
  private segment: Segment | null = null;

  private constructor(
    private readonly conn: X11Connection,
    private readonly ext: ShmExtension,
  ) {}

  /**
   * Returns a reader, or null when shared memory cannot be used on this connection: a remote
   * display, no /dev/shm, a server without SHM 1.2, no fd passing, or an attach the server refuses
   * (servers advertise MIT-SHM and then reject it remotely, so only a real attach tells).
   */
  static async open(conn: X11Connection, probeBytes = 4096): Promise<ShmImageReader | null> {
    if (!conn.display.isLocalSocket || !shmDirUsable()) return null;
    let ext: ShmExtension;
    try {
      ext = (await requireExtension(conn.client, 'shm')) as ShmExtension;
    } catch {
      return null;
    }
    if (!ext.fdCapable || ext.major < 1 || (ext.major === 1 && ext.minor < 2)) return null;
    const reader = new ShmImageReader(conn, ext);
    try {
      await reader.ensureCapacity(probeBytes);
    } catch {
      await reader.close();
      return null;
    }
    return reader;
  }

  private async ensureCapacity(bytes: number): Promise<Segment> {
    if (this.segment && this.segment.size >= bytes) return this.segment;
    await this.detach();
    const fd = createSegmentFile(bytes);
    const shmseg = this.conn.client.AllocID();
    try {
      await new Promise<void>((resolve, reject) => this.ext.AttachFd(shmseg, fd, false, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      closeSync(fd);
      this.conn.client.ReleaseID(shmseg);
      throw err;
    }
    this.segment = { shmseg, fd, size: bytes };
    return this.segment;
  }

  /**
   * Captures `rect` of `drawable` as tightly packed 32-bit ZPixmap pixels, in a new Buffer unless
   * `into` is given: a buffer nothing else holds any more (X11FrameSource.recycle, the bench).
   */
  async read(drawable: number, rect: Rect, into?: Buffer): Promise<Buffer> {
    const bytes = rect.width * rect.height * 4;
    const { fd, shmseg } = await this.ensureCapacity(bytes);
    const reply = await new Promise<{ depth: number; size: number }>((resolve, reject) =>
      this.ext.GetImage(drawable, rect.x, rect.y, rect.width, rect.height, 0xffffffff, ZPixmap, shmseg, 0, (err, r) => (err ? reject(err) : resolve(r))),
    );
    if (reply.size !== bytes) throw new Error(`MIT-SHM GetImage returned ${reply.size} bytes for ${rect.width}x${rect.height}, expected ${bytes} (not a 32 bits-per-pixel screen?)`);
    const out = into && into.length >= bytes ? into.subarray(0, bytes) : Buffer.allocUnsafe(bytes);
    // On the main thread, deliberately: the 8 MB copy takes about 1 ms, and measured under Xvfb a
    // read through libuv's pool was slower (median 9.9 vs 4.1 ms idle, 17.9 vs 10.0 ms with sharp
    // encodes busy), since it queues behind sharp and onnxruntime work on the same pool.
    const bytesRead = readSync(fd, out, 0, bytes, 0);
    if (bytesRead !== bytes) throw new Error(`short read from the MIT-SHM segment: ${bytesRead} of ${bytes} bytes`);
    return out;
  }

  private async detach(): Promise<void> {
    const seg = this.segment;
    this.segment = null;
    if (!seg) return;
    await new Promise<void>((resolve) => this.ext.Detach(seg.shmseg, () => resolve()));
    closeSync(seg.fd);
    this.conn.client.ReleaseID(seg.shmseg);
  }

  close(): Promise<void> {
    return this.detach();
  }
}
