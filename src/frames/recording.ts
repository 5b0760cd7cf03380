// `--record DIR`: keeps what a run saw (the frames that changed) and what it emitted (events), in
// the layout described in recording-format.ts, so the run can be replayed later.
//
// The capture loop never waits on disk: writeFrame() hands the pixels to sharp (PNG encoding runs
// on libuv's pool) and returns at once; when `maxInFlight` frames are already being written the
// new frame is dropped and counted instead of queued (DESIGN.md: never build a backlog).
// Crash safety: a PNG is written to a temp name and renamed into place, and only then is its index
// line appended, so after a SIGKILL every indexed frame is complete and the index is at worst one
// partial line long.
//
// Privacy: a recording holds screenshots and what was read off them. Its folders are 0700 and its
// files 0600 whatever the umask, and an existing folder is used only when it is empty, ours and
// closed to group and others (it could otherwise be read, or pre-seeded, by another local user).
import { lstat, mkdir, open, readdir, rename, writeFile, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { opaqueRgb, type DisplayInfo, type Frame, type RawFrame } from './frame.js';
import { EVENTS_FILE, FRAMES_DIR, FRAMES_INDEX, RECORDING_VERSION, SESSION_FILE, frameFileName, type FrameEntry, type SessionInfo } from './recording-format.js';
import { FrameSourceError } from './source-errors.js';
import { SightlineError } from '../errors.js';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

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

  /**
   * Creates DIR (and missing parents) or takes an existing empty folder of ours that only we can
   * read, and writes session.json. Every refusal is a SightlineError saying why.
   */
  static async create(dir: string, options: RecorderOptions = {}): Promise<Recorder> {
    await prepareFolder(dir);
    const session: SessionInfo = {
      version: RECORDING_VERSION,
      startedAt: new Date().toISOString(),
      ...(options.source ? { source: options.source } : {}),
      ...(options.fps ? { fps: options.fps } : {}),
      ...(options.displays ? { displays: options.displays } : {}),
    };
    await writeAtomically(join(dir, SESSION_FILE), JSON.stringify(session, null, 2) + '\n');
    // O_APPEND: each line is a single write, so concurrent appends never interleave.
    const index = await openPrivate(join(dir, FRAMES_INDEX));
    const events = await openPrivate(join(dir, EVENTS_FILE));
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
  // 'wx': a fresh file of ours, never one planted under the temp name; the umask can only take
  // bits away from 0600, so no chmod is needed.
  await writeFile(temp, data, { mode: FILE_MODE, flag: 'wx' });
  await rename(temp, path);
}

/** An index file for appending (O_APPEND: each line is one write), created 0600. */
async function openPrivate(path: string): Promise<FileHandle> {
  return open(path, 'a', FILE_MODE);
}

/** Makes DIR and DIR/frames ready to write into, or says in one sentence why they cannot be. */
async function prepareFolder(dir: string): Promise<void> {
  let info: Stats | null;
  try {
    info = await lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotCreate(dir, err);
    info = null;
  }
  if (info) {
    await checkExistingFolder(dir, info);
  } else {
    try {
      // The mode applies to every parent created too; a umask only takes bits away from 0700.
      await mkdir(dir, { recursive: true, mode: FOLDER_MODE });
    } catch (err) {
      throw cannotCreate(dir, err);
    }
  }
  const frames = join(dir, FRAMES_DIR);
  try {
    await mkdir(frames, { mode: FOLDER_MODE });
  } catch (err) {
    throw cannotCreate(frames, err);
  }
}

async function checkExistingFolder(dir: string, info: Stats): Promise<void> {
  const hint = 'give --record a new folder (it is created 0700)';
  if (info.isSymbolicLink()) throw new SightlineError('ERR_RECORDING_UNSAFE', `recording folder ${dir} is a symbolic link`, { hint, file: dir });
  if (!info.isDirectory()) throw new SightlineError('ERR_RECORDING_PATH', `recording folder ${dir} exists and is not a folder`, { hint, file: dir });
  if ((await readdir(dir)).length > 0) {
    throw new FrameSourceError('ERR_RECORDING_EXISTS', `recording folder ${dir} is not empty; give a new folder to --record (recordings are never overwritten).`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new SightlineError('ERR_RECORDING_UNSAFE', `recording folder ${dir} belongs to uid ${info.uid}, not to this user (uid ${uid})`, { hint, file: dir });
  }
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new SightlineError('ERR_RECORDING_UNSAFE', `recording folder ${dir} is open to other users (mode ${mode})`, {
      hint: `run \`chmod 700 ${dir}\` or ${hint}`,
      file: dir,
    });
  }
}

function cannotCreate(path: string, err: unknown): SightlineError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOTDIR' ? 'a part of the path is not a folder' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EROFS' ? 'the file system is read-only' : e.code === 'EEXIST' ? 'it exists and is not a folder' : (e.message ?? String(err));
  return new SightlineError('ERR_RECORDING_PATH', `cannot create recording folder ${path}: ${why}`, { hint: 'give --record a folder you can write to', file: path, cause: err });
}
