// The Frame contract (DESIGN.md, "Core contracts"): what capture hands to change detection,
// and what change detection hands to every later stage.

import type { Matrix3x3, Sharp } from 'sharp';
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
 * an unchanged frame is never converted; `opaqueRgb` converts inside libvips when a stage encodes one
 * (recordings, thumbnails), and OCR reads either order in place (ocr/image.ts `bgrOffsets`).
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

/** BGR → RGB as a libvips channel matrix: the swap runs on sharp's thread pool, never on the main thread. */
const SWAP_RED_BLUE: Matrix3x3 = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

/**
 * A sharp pipeline over a frame's raw 4-channel pixels, as opaque RGB: the alpha (X11's undefined X
 * byte) dropped and, for BGRA, red and blue swapped. Never resize a 4-channel frame before it: sharp
 * premultiplies by the undefined X byte (0 on Xvfb) first and the result is black; drop the
 * fourth channel in its own pass, then resize and apply this (pipeline/thumbnail.ts).
 */
export function opaqueRgb(image: Sharp, format: PixelFormat): Sharp {
  const rgb = image.removeAlpha();
  return format === 'bgra' ? rgb.recomb(SWAP_RED_BLUE) : rgb;
}
