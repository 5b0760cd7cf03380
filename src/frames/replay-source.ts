// Replays frames from disk: a recording made with `--record` (session.json + frames.jsonl), or any
// folder of PNG/JPEG images taken in name order (natural order: shot2 before shot10). Images are
// decoded with sharp to RGBA. capture() returns null after the last frame, or starts over when
// `loop` is set. The pipeline's ticker sets the pace; `fps` is only a hint for it.
//
// Bad images: the error names the file. Policy `onBadFile: 'stop'` (default) fails the capture;
// 'skip' leaves the file out, counts it in `skipped` and reports it to `onSkip`.
//
// seq: a recording keeps its recorded seqs (gaps are the unchanged frames the run did not store),
// an image folder counts from 0; each loop lap continues after the previous lap's last seq.
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { DisplayInfo, FrameSource, RawFrame } from './frame.js';
import type { Rect } from './rect.js';
import { SESSION_FILE, readFrameIndex, readSession } from './recording-format.js';
import { FrameSourceError } from './source-errors.js';

export interface ReplaySourceOptions {
  path: string;
  loop?: boolean;
  /** Capture rate hint for the pipeline; defaults to the recording's own rate, if it stored one. */
  fps?: number;
  /** Crop every frame to this rectangle (frame coordinates). */
  region?: Rect;
  onBadFile?: 'stop' | 'skip';
  onSkip?: (file: string, reason: string) => void;
}

interface ReplayItem {
  file: string;
  seq: number;
  /** Known for recordings; image folders learn it when the file is decoded. */
  display?: DisplayInfo;
  region?: Rect;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

async function isRecording(path: string): Promise<boolean> {
  try {
    await stat(join(path, SESSION_FILE));
    return true;
  } catch {
    return false;
  }
}

async function listItems(path: string): Promise<{ items: ReplayItem[]; recorded: boolean; fps?: number; displays?: DisplayInfo[] }> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new FrameSourceError('ERR_REPLAY_NOT_FOUND', `replay folder ${path} does not exist; give a folder of PNG/JPEG images or a --record folder.`);
  }
  if (!info.isDirectory()) throw new FrameSourceError('ERR_REPLAY_NOT_FOUND', `replay source ${path} is not a folder; give a folder of PNG/JPEG images or a --record folder.`);
  if (await isRecording(path)) {
    const session = await readSession(path);
    const entries = await readFrameIndex(path);
    return {
      recorded: true,
      items: entries.map((e) => ({ file: join(path, e.file), seq: e.seq, display: e.display, region: e.region })),
      ...(session.fps ? { fps: session.fps } : {}),
      ...(session.displays ? { displays: session.displays } : {}),
    };
  }
  const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()));
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return { recorded: false, items: names.map((n, i) => ({ file: join(path, n), seq: i })) };
}

interface Decoded {
  data: Buffer;
  width: number;
  height: number;
}

async function decode(file: string, crop?: Rect): Promise<Decoded> {
  let image = sharp(file, { failOn: 'error' });
  if (crop) image = image.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height });
  const { data, info } = await image.toColourspace('srgb').ensureAlpha(1).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export class ReplaySource implements FrameSource {
  readonly kind = 'replay';
  readonly skipped: Array<{ file: string; reason: string }> = [];
  private position = 0;
  private lap = 0;
  private lapSpan: number;
  private prefetch: { index: number; result: Promise<Decoded> } | null = null;
  private closed = false;
  private firstDisplay: DisplayInfo | undefined;

  private constructor(
    private readonly options: ReplaySourceOptions,
    private readonly items: ReplayItem[],
    readonly recorded: boolean,
    /** Capture rate hint: the option, else the recording's rate, else undefined (pipeline default). */
    readonly fps: number | undefined,
    private readonly recordedDisplays: DisplayInfo[] | undefined,
  ) {
    this.lapSpan = items.length === 0 ? 0 : items[items.length - 1]!.seq + 1;
  }

  static async open(options: ReplaySourceOptions): Promise<ReplaySource> {
    const { items, recorded, fps, displays } = await listItems(options.path);
    if (items.length === 0) {
      throw new FrameSourceError(
        'ERR_REPLAY_EMPTY',
        recorded ? `recording ${options.path} holds no frames (frames.jsonl is empty).` : `replay folder ${options.path} has no .png, .jpg or .jpeg files.`,
      );
    }
    return new ReplaySource(options, items, recorded, options.fps ?? fps, displays);
  }

  /** The recording's displays, or one "replay" display sized like the first image. */
  async displays(): Promise<DisplayInfo[]> {
    if (this.recordedDisplays) return this.recordedDisplays;
    const first = this.items[0]!;
    if (first.display) return [first.display];
    if (!this.firstDisplay) {
      const { width, height } = await this.firstImageSize();
      this.firstDisplay = this.folderDisplay(width, height);
    }
    return [this.firstDisplay];
  }

  /**
   * The size of the first image that reads; with `onBadFile: 'skip'` bad ones are left out as
   * capture() would, else the first bad file is the error (a 0-byte or non-image file included).
   */
  private async firstImageSize(): Promise<{ width: number; height: number }> {
    while (this.items.length > 0) {
      const item = this.items[0]!;
      try {
        const { width, height } = await sharp(item.file, { failOn: 'error' }).metadata();
        if (!width || !height) throw new Error('the file has no image size');
        return { width, height };
      } catch (err) {
        const reason = (err as Error).message.trim();
        if (this.options.onBadFile !== 'skip') throw badImage(item.file, reason);
        this.skipped.push({ file: item.file, reason });
        this.options.onSkip?.(item.file, reason);
        this.items.splice(0, 1);
      }
    }
    throw new FrameSourceError('ERR_REPLAY_EMPTY', `replay folder ${this.options.path} has no image that decodes (every file was skipped as bad).`);
  }

  private folderDisplay(width: number, height: number): DisplayInfo {
    return { id: 'replay', name: basename(this.options.path), x: 0, y: 0, width, height, scaleFactor: 1, primary: true };
  }

  private startDecode(index: number): Promise<Decoded> {
    const result = decode(this.items[index]!.file, this.options.region);
    result.catch(() => {}); // observed when its frame is asked for
    return result;
  }

  /** Decoding is started one frame ahead, so a 1080p PNG decode overlaps the pipeline's work. */
  private take(index: number): Promise<Decoded> {
    const ready = this.prefetch?.index === index ? this.prefetch.result : this.startDecode(index);
    this.prefetch = null;
    return ready;
  }

  async capture(): Promise<RawFrame | null> {
    while (!this.closed) {
      if (this.position >= this.items.length) {
        if (!this.options.loop || this.items.length === 0) return null;
        this.position = 0;
        this.lap++;
      }
      const index = this.position++;
      const item = this.items[index]!;
      const time = Date.now();
      const monotonicMs = performance.now();
      let decoded: Decoded;
      try {
        decoded = await this.take(index);
      } catch (err) {
        const reason = (err as Error).message.trim();
        if (this.options.onBadFile === 'skip') {
          this.skipped.push({ file: item.file, reason });
          this.options.onSkip?.(item.file, reason);
          this.items.splice(index, 1);
          this.position = index;
          continue;
        }
        throw badImage(item.file, reason);
      }
      const next = this.position < this.items.length ? this.position : this.options.loop ? 0 : -1;
      if (next >= 0 && next !== index) this.prefetch = { index: next, result: this.startDecode(next) };
      const { width, height, data } = decoded;
      const display = item.display ?? this.folderDisplay(width, height);
      const crop = this.options.region;
      const base = item.region ?? { x: 0, y: 0, width, height };
      const region = crop ? { x: base.x + crop.x, y: base.y + crop.y, width, height } : base;
      return { seq: item.seq + this.lap * this.lapSpan, time, monotonicMs, display, region, width, height, pixelFormat: 'rgba', data };
    }
    return null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.prefetch = null;
  }
}

function badImage(file: string, reason: string): FrameSourceError {
  return new FrameSourceError('ERR_REPLAY_BAD_IMAGE', `cannot decode ${file}: ${reason.replace(/\.$/, '')}. Remove or fix the file, or replay with bad files skipped.`);
}
