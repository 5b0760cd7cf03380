// A real X client that puts known pixels on the screen for capture tests. Every drawing call ends
// with a round trip, so when it resolves the pixels are on the server and any other client's
// GetImage sees them: tests wait on that, never on sleeps.
import type { Rect } from '../../src/frames/rect.js';
import { connectX11, request, type X11Connection, type XClient } from '../../src/frames/x11-connection.js';

/** Core event mask bits (X11 protocol, SetWindowAttributes event-mask). */
export const eventMask = { StructureNotify: 1 << 17, PropertyChange: 1 << 22 } as const;

export interface XEvent {
  name: string;
  type: number;
  wid?: number;
  window?: number;
  atom?: number;
  [key: string]: unknown;
}

/**
 * The drawing and window requests of the `x11` package that only tests make (the runtime only
 * reads the screen; src/frames/x11-connection.ts declares what it uses).
 */
export interface XDrawingClient extends XClient {
  CreateWindow(
    wid: number,
    parent: number,
    x: number,
    y: number,
    width: number,
    height: number,
    borderWidth: number,
    depth: number,
    klass: number,
    visual: number,
    values: Record<string, number>,
  ): void;
  MapWindow(wid: number): void;
  DestroyWindow(wid: number): void;
  ChangeWindowAttributes(wid: number, values: Record<string, number>, cb?: (err: Error | null) => void): void;
  CreateGC(gc: number, drawable: number, values: Record<string, number>): void;
  ChangeGC(gc: number, values: Record<string, number>): void;
  FreeGC(gc: number): void;
  PolyFillRectangle(drawable: number, gc: number, rects: number[]): void;
  OpenFont(fid: number, name: string): void;
  ImageText8(drawable: number, gc: number, x: number, y: number, text: string): void;
  GetInputFocus(cb: (err: Error | null, focus: unknown) => void): void;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'event', listener: (ev: XEvent) => void): this;
}

/** The connection's client, with the requests tests draw with. */
export function drawingClient(conn: X11Connection): XDrawingClient {
  return conn.client as XDrawingClient;
}

/**
 * A round trip: resolves once the server has processed every request sent before it. Requests on
 * one connection execute in order, so after this the drawing is on the server for every client.
 */
export function roundTrip(client: XDrawingClient): Promise<void> {
  return request<unknown>((cb) => client.GetInputFocus(cb)).then(() => undefined);
}

export interface PainterOptions {
  /** Window area in root coordinates; the whole screen when omitted. */
  bounds?: Rect;
  /** Initial fill, 0xRRGGBB. */
  background?: number;
  /**
   * true (default): an override-redirect window, placed exactly and never decorated by the window
   * manager. false: a managed window (the WM decorates and may move it; it can take focus).
   */
  overrideRedirect?: boolean;
}

/** One rectangle fill: `rect` in window coordinates, `rgb` as 0xRRGGBB. */
export interface FillOp {
  rect: Rect;
  rgb: number;
}

export class X11Painter {
  private constructor(
    private readonly conn: X11Connection,
    readonly window: number,
    private readonly gc: number,
    readonly bounds: Rect,
  ) {}

  /** Opens a connection to `display`, creates and maps the window, and waits until it is shown. */
  static async open(display: string, options: PainterOptions = {}): Promise<X11Painter> {
    const conn = await connectX11(display, { shm: false });
    const { screen } = conn;
    const client = drawingClient(conn);
    if (screen.root_depth !== 24 && screen.root_depth !== 32) {
      await conn.close();
      throw new Error(`X11Painter needs a TrueColor screen of depth 24, got depth ${screen.root_depth}`);
    }
    const bounds = options.bounds ?? { x: 0, y: 0, width: screen.pixel_width, height: screen.pixel_height };
    const overrideRedirect = options.overrideRedirect ?? true;
    const window = client.AllocID();
    client.CreateWindow(window, screen.root, bounds.x, bounds.y, bounds.width, bounds.height, 0, 0, 0, 0, {
      backgroundPixel: options.background ?? 0x000000,
      overrideRedirect: overrideRedirect ? 1 : 0,
      eventMask: eventMask.StructureNotify,
    });
    const gc = client.AllocID();
    client.CreateGC(gc, window, { foreground: 0xffffff, background: 0x000000 });
    const mapped = new Promise<void>((resolve) => {
      client.on('event', (ev: XEvent) => {
        if (ev.name === 'MapNotify' && (ev.wid === window || ev.window === window)) resolve();
      });
    });
    client.MapWindow(window);
    // An override-redirect window is mapped by our own request; a managed one when the WM maps it.
    if (!overrideRedirect) await mapped;
    await roundTrip(client);
    return new X11Painter(conn, window, gc, bounds);
  }

  /** Fills rectangles (window coordinates) and returns once the server has drawn them. */
  async paint(ops: FillOp[]): Promise<void> {
    const client = drawingClient(this.conn);
    for (const op of ops) {
      client.ChangeGC(this.gc, { foreground: op.rgb });
      client.PolyFillRectangle(this.window, this.gc, [op.rect.x, op.rect.y, op.rect.width, op.rect.height]);
    }
    await roundTrip(client);
  }

  fill(rect: Rect, rgb: number): Promise<void> {
    return this.paint([{ rect, rgb }]);
  }

  fillAll(rgb: number): Promise<void> {
    return this.fill({ x: 0, y: 0, width: this.bounds.width, height: this.bounds.height }, rgb);
  }

  /** Draws `text` in the server's "fixed" core font with its baseline at (x, y), on an opaque background. */
  async text(x: number, y: number, text: string, rgb = 0x000000, backgroundRgb = 0xffffff): Promise<void> {
    const client = drawingClient(this.conn);
    const font = client.AllocID();
    client.OpenFont(font, 'fixed');
    client.ChangeGC(this.gc, { foreground: rgb, background: backgroundRgb, font });
    client.ImageText8(this.window, this.gc, x, y, text);
    await roundTrip(client);
  }

  /** Reads one pixel of the window back as 0xRRGGBB (core GetImage), for checking the painter itself. */
  async pixel(x: number, y: number): Promise<number> {
    const image = await request<{ data: Buffer }>((cb) => this.conn.client.GetImage(2, this.window, x, y, 1, 1, 0xffffffff, cb));
    return image.data.readUInt32LE(0) & 0xffffff;
  }

  async close(): Promise<void> {
    const client = drawingClient(this.conn);
    client.FreeGC(this.gc);
    client.DestroyWindow(this.window);
    await roundTrip(client);
    await this.conn.close();
  }
}
