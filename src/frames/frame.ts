// The Frame contract (DESIGN.md, "Core contracts"): what capture hands to change detection,
// and what change detection hands to every later stage.

import type { Rect } from './rect.js';

/** One monitor, placed in the virtual desktop. Origins may be negative (a monitor left of the primary). */
export interface DisplayInfo {
  /** Stable id within a session, e.g. "0", "1" (X11 RandR/Xinerama order) or "replay". */
  id: string;
  name?: string;
  /** Origin of this display in the virtual desktop, in physical pixels. */
  x: number;
  y: number;
  /** Size in physical pixels. */
  width: number;
  height: number;
  /** Device scale factor: physical pixels per logical point (1 on most X11 setups, 2 on Retina). */
  scaleFactor: number;
  primary: boolean;
}

/**
 * Pixel layout of `RawFrame.data`. Capture keeps the server's native order (X11 gives BGRX) so that
 * an unchanged frame is never converted; `toRgba` converts once, when a stage needs RGBA.
 */
export type PixelFormat = 'rgba' | 'bgra';

/** A captured image before change detection. */
export interface RawFrame {
  /** Monotonic per source, starting at 0. Gaps mean frames dropped before capture returned. */
  seq: number;
  /** Capture time, milliseconds since the Unix epoch. */
  time: number;
  /** Capture time on the monotonic clock (performance.now()), for latency figures. */
  monotonicMs: number;
  display: DisplayInfo;
  /** The captured area inside the display, physical pixels, relative to the display origin. */
  region: Rect;
  /** Equal to region.width/height. */
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  /** width*height*4 bytes, rows tightly packed (stride = width*4). */
  data: Buffer;
}

/** A frame after change detection: what every stage after `change` receives. */
export interface Frame extends RawFrame {
  /** Content hash of the whole frame (hex), derived from the tile hashes. */
  hash: string;
  /** Side length of the square tiles hashed for change detection, in pixels. */
  tileSize: number;
  tileColumns: number;
  tileRows: number;
  /** One 32-bit hash per tile, row-major. */
  tileHashes: Uint32Array;
  /** Changed areas against the previous frame of the same source, merged; the whole frame for the first. */
  dirtyRects: Rect[];
  /** seq of the frame the dirty rectangles were computed against, or null for the first frame. */
  previousSeq: number | null;
}

/** A source of frames: live capture, replay, ... Sources are interchangeable behind this interface. */
export interface FrameSource {
  readonly kind: string;
  /** The displays this source can capture. */
  displays(): Promise<DisplayInfo[]>;
  /** Capture one frame now; null when the source has ended (a replay that ran out of frames). */
  capture(): Promise<RawFrame | null>;
  /**
   * Optional: takes back a frame nobody holds any more (change detection found it identical to the
   * previous one), so its buffer can be reused for the next capture instead of allocating 8 MB.
   */
  recycle?(frame: RawFrame): void;
  /** Release connections, files, shared memory. */
  close(): Promise<void>;
}

/** Returns the frame's pixels as RGBA, converting BGRA in a new buffer when needed. */
export function toRgba(frame: Pick<RawFrame, 'data' | 'pixelFormat'>): Buffer {
  if (frame.pixelFormat === 'rgba') return frame.data;
  const src = frame.data;
  const out = Buffer.allocUnsafe(src.length);
  for (let i = 0; i < src.length; i += 4) {
    out[i] = src[i + 2]!;
    out[i + 1] = src[i + 1]!;
    out[i + 2] = src[i]!;
    out[i + 3] = 255; // X11 leaves the X byte undefined; treat as opaque
  }
  return out;
}
