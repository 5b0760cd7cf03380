// Live capture from an X server (DESIGN.md "Capture"): raw ZPixmap pixels of the root window, over
// MIT-SHM when the server is local, else with core GetImage (the whole image in the socket reply).
// Frames keep the server's BGRX byte order as pixelFormat 'bgra'; nothing is converted here.
import type { DisplayInfo, FrameSource, RawFrame } from './frame.js';
import type { Rect } from './rect.js';
import { connectX11, request, ZPixmap, type X11Connection } from './x11-connection.js';
import { enumerateX11Displays } from './x11-displays.js';
import { resolveTarget } from './display-target.js';
import { ShmImageReader } from './x11-shm.js';
import { FrameSourceError } from './source-errors.js';

export type X11CaptureMethod = 'shm' | 'getimage';

export interface X11SourceOptions {
  /** X display name, e.g. ":0"; default $DISPLAY. */
  xDisplay?: string;
  /** Monitor id from `displays()` ("0" is the primary) or "all" for the whole virtual desktop. Default "0". */
  display?: string;
  /** Part of the chosen display to capture, relative to the display's origin. */
  region?: Rect;
  /** 'auto' (default) uses MIT-SHM when the server accepts it, else core GetImage. */
  method?: 'auto' | X11CaptureMethod;
  /** Environment for the scale factor lookup (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export class X11FrameSource implements FrameSource {
  readonly kind = 'x11';
  private seq = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Buffers handed back through recycle(), reused by the next SHM captures. */
  private readonly spare: Buffer[] = [];
  private readonly issued = new WeakSet<Buffer>();

  private constructor(
    private readonly conn: X11Connection,
    private readonly shm: ShmImageReader | null,
    private readonly monitors: DisplayInfo[],
    readonly display: DisplayInfo,
    readonly region: Rect,
  ) {}

  static async open(options: X11SourceOptions = {}): Promise<X11FrameSource> {
    const method = options.method ?? 'auto';
    const conn = await connectX11(options.xDisplay ?? process.env.DISPLAY ?? '', { shm: method !== 'getimage' });
    try {
      checkPixelLayout(conn);
      const monitors = await enumerateX11Displays(conn, options.env);
      const { display, region } = resolveTarget(monitors, options.display ?? '0', options.region);
      const shm = method === 'getimage' ? null : await ShmImageReader.open(conn, region.width * region.height * 4);
      if (method === 'shm' && !shm) {
        throw new FrameSourceError('ERR_SHM_UNAVAILABLE', `MIT-SHM capture is not available on X display "${conn.name}" (remote display, no /dev/shm, or the server refused); use method "getimage".`);
      }
      return new X11FrameSource(conn, shm, monitors, display, region);
    } catch (err) {
      await conn.close();
      throw err;
    }
  }

  /** Which transfer this source ended up using. */
  get method(): X11CaptureMethod {
    return this.shm ? 'shm' : 'getimage';
  }

  async displays(): Promise<DisplayInfo[]> {
    return this.monitors;
  }

  /** Captures are serialized: one shared segment, and seq must follow capture order. */
  capture(): Promise<RawFrame | null> {
    const next = this.queue.then(() => this.captureNow());
    // The queue waits for the capture but must not hold its frame (8 MB) once the caller drops it.
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async captureNow(): Promise<RawFrame | null> {
    if (this.closed) return null;
    const { display, region } = this;
    const rootRect = { x: display.x + region.x, y: display.y + region.y, width: region.width, height: region.height };
    const time = Date.now();
    const monotonicMs = performance.now();
    const read = this.shm ? this.shm.read(this.conn.screen.root, rootRect, this.spare.pop()) : this.getImage(rootRect);
    const data = await this.conn.guard(read);
    if (this.shm) this.issued.add(data);
    return { seq: this.seq++, time, monotonicMs, display, region, width: region.width, height: region.height, pixelFormat: 'bgra', data };
  }

  /**
   * Hands a frame's buffer back for reuse. Only for frames nothing holds any more: the pipeline's
   * change stage calls it for frames it found unchanged and dropped. Measured under load, reading
   * into a reused buffer took about half the time of a fresh one (page faults on 8 MB; see
   * docs/benchmarks.md, "Capture"). Frames that are never recycled are never touched again.
   */
  recycle(frame: RawFrame): void {
    const data = frame.data;
    if (!this.issued.has(data) || this.spare.length >= 2 || data.length !== this.region.width * this.region.height * 4) return;
    this.issued.delete(data);
    this.spare.push(data);
  }

  private async getImage(rect: Rect): Promise<Buffer> {
    const { client, screen } = this.conn;
    const image = await request<{ data: Buffer }>((cb) => client.GetImage(ZPixmap, screen.root, rect.x, rect.y, rect.width, rect.height, 0xffffffff, cb));
    const expected = rect.width * rect.height * 4;
    if (image.data.length < expected) throw new Error(`GetImage returned ${image.data.length} bytes for ${rect.width}x${rect.height}, expected ${expected}`);
    // The reply buffer is freshly allocated per reply by the x11 package, so it is ours to keep.
    return image.data.length === expected ? image.data : image.data.subarray(0, expected);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    // A connection that is already gone cannot detach anything; closing it is all that is left.
    if (this.conn.alive() && this.shm) await this.conn.guard(this.shm.close()).catch(() => {});
    await this.conn.close();
  }
}

/** Frames are declared BGRX ('bgra'): true for 24/32-bit TrueColor with LSB-first images, i.e. every PC X server. */
function checkPixelLayout(conn: X11Connection): void {
  const depth = conn.screen.root_depth;
  if ((depth !== 24 && depth !== 32) || conn.display.image_byte_order !== 0) {
    throw new FrameSourceError(
      'ERR_UNSUPPORTED_VISUAL',
      `X display "${conn.name}" has depth ${depth} with ${conn.display.image_byte_order === 0 ? 'LSB' : 'MSB'}-first images; sightline captures 24-bit TrueColor, LSB-first screens only (run Xvfb with -screen 0 WxHx24).`,
    );
  }
}
