// `--record DIR`: keeps what a run saw (the frames that changed) and what it emitted (events), in
// the layout described in recording-format.ts, so the run can be replayed later.
//
// The capture loop never waits on disk: writeFrame() hands the pixels to sharp (PNG encoding runs
// on libuv's pool) and returns at once; when `maxInFlight` frames are already being written the
// new frame is dropped and counted instead of queued (DESIGN.md: never build a backlog).
// Crash safety: a PNG is written to a temp name and renamed into place, and only then is its index
// line appended, so after a SIGKILL every indexed frame is complete and the index is at worst one
// partial line long.
import { mkdir, open, readdir, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { opaqueRgb, type DisplayInfo, type Frame, type RawFrame } from './frame.js';
import { EVENTS_FILE, FRAMES_DIR, FRAMES_INDEX, RECORDING_VERSION, SESSION_FILE, frameFileName, type FrameEntry, type SessionInfo } from './recording-format.js';
import { FrameSourceError } from './source-errors.js';

export interface RecorderOptions {
  /** Frames being encoded at once; beyond that new frames are dropped (counted). Default 3. */
  maxInFlight?: number;
  /** zlib level for the PNGs: 1 (default) favours speed; screens compress well even so. */
  compressionLevel?: number;
  /** Written into session.json for the replay: the source spec and the capture rate. */
  source?: Record<string, unknown>;
  fps?: number;
  displays?: DisplayInfo[];
  /** Called after a frame's index line is on disk (tests and progress output use it). */
  onFrameStored?: (entry: FrameEntry) => void;
  /** Called when a frame could not be written (disk full...); the recorder keeps going. */
  onError?: (err: Error) => void;
}

export interface RecorderStats {
  framesStored: number;
  framesDropped: number;
  framesFailed: number;
  eventsStored: number;
}

/** Encodes a frame as an opaque RGB PNG; screens have no transparency and the X byte is undefined. */
function encodePng(frame: RawFrame, compressionLevel: number): Promise<Buffer> {
  const image = opaqueRgb(sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } }), frame.pixelFormat);
  return image.png({ compressionLevel, adaptiveFiltering: false }).toBuffer();
}

export class Recorder {
  readonly stats: RecorderStats = { framesStored: 0, framesDropped: 0, framesFailed: 0, eventsStored: 0 };
  private inFlight = new Set<Promise<void>>();
  private eventWrites: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly session: SessionInfo,
    private readonly index: FileHandle,
    private readonly events: FileHandle,
    private readonly options: RecorderOptions,
  ) {}

  /** Creates DIR (which must be absent or empty) and writes session.json. */
  static async create(dir: string, options: RecorderOptions = {}): Promise<Recorder> {
    await mkdir(join(dir, FRAMES_DIR), { recursive: true });
    const existing = (await readdir(dir)).filter((name) => name !== FRAMES_DIR);
    const framesPresent = (await readdir(join(dir, FRAMES_DIR))).length > 0;
    if (existing.length > 0 || framesPresent) {
      throw new FrameSourceError('ERR_RECORDING_EXISTS', `recording folder ${dir} is not empty; give a new folder to --record (recordings are never overwritten).`);
    }
    const session: SessionInfo = {
      version: RECORDING_VERSION,
      startedAt: new Date().toISOString(),
      ...(options.source ? { source: options.source } : {}),
      ...(options.fps ? { fps: options.fps } : {}),
      ...(options.displays ? { displays: options.displays } : {}),
    };
    await writeAtomically(join(dir, SESSION_FILE), JSON.stringify(session, null, 2) + '\n');
    // O_APPEND: each line is a single write, so concurrent appends never interleave.
    const index = await open(join(dir, FRAMES_INDEX), 'a');
    const events = await open(join(dir, EVENTS_FILE), 'a');
    return new Recorder(dir, session, index, events, options);
  }

  /**
   * Stores a changed frame. Returns false when it was dropped because `maxInFlight` writes are
   * pending. The frame's data is only read, never kept past the encode.
   */
  writeFrame(frame: RawFrame | Frame): boolean {
    if (this.closed) return false;
    if (this.inFlight.size >= (this.options.maxInFlight ?? 3)) {
      this.stats.framesDropped++;
      return false;
    }
    const write = this.storeFrame(frame).catch((err: Error) => {
      this.stats.framesFailed++;
      this.options.onError?.(new Error(`recording frame ${frame.seq} to ${this.dir} failed: ${err.message}`));
    });
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
    return true;
  }

  private async storeFrame(frame: RawFrame | Frame): Promise<void> {
    const png = await encodePng(frame, this.options.compressionLevel ?? 1);
    const file = frameFileName(frame.seq);
    await writeAtomically(join(this.dir, file), png);
    const entry: FrameEntry = {
      seq: frame.seq,
      time: frame.time,
      monotonicMs: frame.monotonicMs,
      display: frame.display,
      region: frame.region,
      width: frame.width,
      height: frame.height,
      file,
      ...('hash' in frame ? { hash: frame.hash } : {}),
    };
    await this.index.write(JSON.stringify(entry) + '\n');
    this.stats.framesStored++;
    this.options.onFrameStored?.(entry);
  }

  /** Resolves when every frame and event handed over so far is on disk (or has failed). */
  async idle(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.eventWrites;
  }

  /**
   * Appends an emitted event to events.jsonl, in call order. Pixel buffers and typed arrays inside
   * it (a frame event carries the Frame) are stored as `{ omitted, bytes }`: the pixels are in the
   * PNGs, and an 8 MB frame as a JSON number array would swamp the file.
   */
  writeEvent(event: unknown): void {
    if (this.closed) return;
    const line = JSON.stringify(event, omitBinary) + '\n';
    this.eventWrites = this.eventWrites
      .then(() => this.events.write(line))
      .then(
        () => void this.stats.eventsStored++,
        (err: Error) => this.options.onError?.(new Error(`recording an event to ${this.dir} failed: ${err.message}`)),
      );
  }

  /** Waits for pending writes, then records the end of the session and its counts in session.json. */
  async close(): Promise<RecorderStats> {
    if (this.closed) return this.stats;
    this.closed = true;
    await this.idle();
    await this.index.close();
    await this.events.close();
    const ended: SessionInfo = {
      ...this.session,
      endedAt: new Date().toISOString(),
      framesStored: this.stats.framesStored,
      framesDropped: this.stats.framesDropped,
      eventsStored: this.stats.eventsStored,
    };
    await writeAtomically(join(this.dir, SESSION_FILE), JSON.stringify(ended, null, 2) + '\n');
    return this.stats;
  }
}

/** JSON.stringify replacer; `this[key]` is the value before Buffer#toJSON turned it into an array. */
function omitBinary(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (ArrayBuffer.isView(raw)) return { omitted: raw.constructor.name, bytes: raw.byteLength };
  return value;
}

let tempCounter = 0;

/** Temp file in the same folder, then rename: readers see the old file or the whole new one. */
async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temp = `${path}.${process.pid}.${tempCounter++}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}
