// The portable fallback source (DESIGN.md "Capture"): the `screenshot-desktop` package, which
// shells out to ImageMagick `import` on Linux (about 2 frames/s) and to native tools on macOS and
// Windows. It returns an encoded PNG per shot; sharp decodes it to RGBA. On Linux it captures the X
// display named by $DISPLAY of this process.
import { createRequire } from 'node:module';
import sharp, { type Sharp } from 'sharp';
import type { DisplayInfo, FrameSource, RawFrame } from './frame.js';
import type { Rect } from './rect.js';
import { resolveTarget } from './display-target.js';
import { FrameSourceError, NoDisplayError } from './source-errors.js';

/** What `screenshot.listDisplays()` reports; fields vary by platform, so all but id are optional. */
interface ListedDisplay {
  id: string | number;
  name?: string;
  width?: number;
  height?: number;
  offsetX?: number;
  offsetY?: number;
  left?: number;
  top?: number;
  primary?: boolean;
}

interface ScreenshotModule {
  (options: { screen?: string | number; format?: 'png' }): Promise<Buffer>;
  listDisplays(): Promise<ListedDisplay[]>;
}

const screenshot = createRequire(import.meta.url)('screenshot-desktop') as ScreenshotModule;

export interface ScreenshotSourceOptions {
  /** Display id from `displays()` ("0" is the primary) or "all". Default "0". */
  display?: string;
  /** Part of the chosen display, relative to its origin. */
  region?: Rect;
}

interface Placed {
  info: DisplayInfo;
  /** The id screenshot-desktop knows this display by. */
  nativeId: string | number;
}

/** Primary first, then left to right, like the X11 source, so display ids mean the same thing. */
function placeDisplays(listed: ListedDisplay[]): Placed[] {
  const placed = listed.map((d) => ({
    nativeId: d.id,
    info: {
      id: '',
      name: d.name ?? String(d.id),
      x: d.offsetX ?? d.left ?? 0,
      y: d.offsetY ?? d.top ?? 0,
      width: d.width ?? 0,
      height: d.height ?? 0,
      scaleFactor: 1,
      primary: d.primary ?? false,
    },
  }));
  placed.sort((a, b) => Number(b.info.primary) - Number(a.info.primary) || a.info.x - b.info.x || a.info.y - b.info.y);
  if (placed.length > 0 && !placed.some((p) => p.info.primary)) placed[0]!.info.primary = true;
  placed.forEach((p, i) => (p.info.id = String(i)));
  return placed;
}

export class ScreenshotDesktopSource implements FrameSource {
  readonly kind = 'screenshot';
  private seq = 0;
  private closed = false;

  private constructor(
    private readonly placed: Placed[],
    readonly display: DisplayInfo,
    readonly region: Rect,
  ) {}

  static async open(options: ScreenshotSourceOptions = {}): Promise<ScreenshotDesktopSource> {
    if (process.platform === 'linux' && !process.env.DISPLAY) throw new NoDisplayError();
    let listed: ListedDisplay[];
    try {
      listed = await screenshot.listDisplays();
    } catch (err) {
      throw new FrameSourceError('ERR_SCREENSHOT_FAILED', `screenshot-desktop could not list displays (${(err as Error).message.trim()}); on Linux it needs xrandr and ImageMagick's \`import\`.`);
    }
    const placed = placeDisplays(listed);
    if (placed.length === 0) throw new FrameSourceError('ERR_SCREENSHOT_FAILED', 'screenshot-desktop found no displays; check that a screen is attached.');
    const { display, region } = resolveTarget(
      placed.map((p) => p.info),
      options.display ?? '0',
      options.region,
    );
    return new ScreenshotDesktopSource(placed, display, region);
  }

  async displays(): Promise<DisplayInfo[]> {
    return this.placed.map((p) => p.info);
  }

  async capture(): Promise<RawFrame | null> {
    if (this.closed) return null;
    const time = Date.now();
    const monotonicMs = performance.now();
    const image = this.display.id === 'all' ? await this.shootAll() : await this.shoot(this.placed.find((p) => p.info.id === this.display.id)!);
    // Some platforms list displays without a size (width 0): then the shot is taken as it comes.
    const sizeKnown = this.region.width > 0 && this.region.height > 0;
    const cropped = sizeKnown ? image.extract({ left: this.region.x, top: this.region.y, width: this.region.width, height: this.region.height }) : image;
    const { data, info } = await cropped
      .toColourspace('srgb')
      .ensureAlpha(1)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`screenshot decoded to ${info.channels} channels, expected 4`);
    const region = sizeKnown ? this.region : { x: 0, y: 0, width: info.width, height: info.height };
    return { seq: this.seq++, time, monotonicMs, display: this.display, region, width: info.width, height: info.height, pixelFormat: 'rgba', data };
  }

  private async shoot(target: Placed): Promise<Sharp> {
    let png: Buffer;
    try {
      png = await screenshot({ screen: target.nativeId, format: 'png' });
    } catch (err) {
      throw new FrameSourceError('ERR_SCREENSHOT_FAILED', `screenshot-desktop failed on display "${target.info.name}": ${(err as Error).message.trim()}`);
    }
    return sharp(png);
  }

  /** Composites every display at its place in the virtual desktop's bounding box. */
  private async shootAll(): Promise<Sharp> {
    const { display } = this;
    const parts = await Promise.all(
      this.placed.map(async (p) => ({ input: await (await this.shoot(p)).png().toBuffer(), left: p.info.x - display.x, top: p.info.y - display.y })),
    );
    const canvas = sharp({ create: { width: display.width, height: display.height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } });
    return sharp(await canvas.composite(parts).png({ compressionLevel: 0 }).toBuffer());
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
