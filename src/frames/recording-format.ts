// The on-disk layout of a recording (`--record DIR`), shared by the writer (recording.ts) and the
// reader (replay-source.ts):
//
//   DIR/session.json    metadata, written at start and rewritten (atomically) at a clean close
//   DIR/frames/NNNNNNNNNN.png   one PNG per stored frame, named by seq, written as temp + rename
//   DIR/frames.jsonl    one line per stored frame, appended only after its PNG is in place
//   DIR/events.jsonl    one line per emitted event, as the pipeline emitted it
//
// A SIGKILLed run leaves at worst a truncated last line and a stray temp file; the reader skips
// both. Lines may be out of seq order (PNG encodes finish out of order); the reader sorts.
// The index is data from disk, not trusted: an entry's file must be `frames/NAME`, a plain file
// that stays inside DIR/frames once links are resolved, or the recording is reported damaged.
import { lstat, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { z } from 'zod';
import type { DisplayInfo } from './frame.js';
import { regionSchema, type Rect } from './rect.js';
import { FrameSourceError } from './source-errors.js';

export const RECORDING_VERSION = 1;

const displaySchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  scaleFactor: z.number().positive(),
  primary: z.boolean(),
});

export const sessionSchema = z.object({
  version: z.literal(RECORDING_VERSION),
  startedAt: z.string(),
  /** Set at a clean close; absent when the run was killed. */
  endedAt: z.string().optional(),
  /** The source the run captured from, as given (kind, display, region...). */
  source: z.record(z.string(), z.unknown()).optional(),
  /** The pipeline's capture rate, a hint for replay. */
  fps: z.number().positive().optional(),
  displays: z.array(displaySchema).optional(),
  framesStored: z.number().int().nonnegative().optional(),
  framesDropped: z.number().int().nonnegative().optional(),
  eventsStored: z.number().int().nonnegative().optional(),
});
export type SessionInfo = z.infer<typeof sessionSchema>;

export const frameEntrySchema = z.object({
  seq: z.number().int().nonnegative(),
  time: z.number(),
  monotonicMs: z.number(),
  display: displaySchema,
  region: regionSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Path of the PNG relative to the recording folder: always a plain name inside frames/. */
  file: z.string().refine(isFramesPath, { message: "must name a file inside the recording's frames/ folder" }),
  /** Content hash from change detection, when the frame had been through it. */
  hash: z.string().optional(),
});
export type FrameEntry = z.infer<typeof frameEntrySchema> & { display: DisplayInfo; region: Rect };

export const SESSION_FILE = 'session.json';
export const FRAMES_INDEX = 'frames.jsonl';
export const EVENTS_FILE = 'events.jsonl';
export const FRAMES_DIR = 'frames';

export function frameFileName(seq: number): string {
  return posix.join(FRAMES_DIR, `${String(seq).padStart(10, '0')}.png`);
}

/**
 * `frames/NAME` and nothing else: no absolute path, no `..`, no sub-folder, no backslash. A
 * recording's index is data from disk and may have been written by someone else; a path that
 * leaves the recording would have replay read (and stream) any file the user can read.
 */
function isFramesPath(file: string): boolean {
  const parts = file.split('/');
  return parts.length === 2 && parts[0] === FRAMES_DIR && /^[^/\\\0]+$/.test(parts[1]!) && parts[1] !== '.' && parts[1] !== '..';
}

/**
 * Parses JSON lines; a last line that does not parse is a write cut short by a kill and is dropped,
 * a bad line anywhere else is corruption and an error naming the line.
 */
export function parseJsonLines<T>(text: string, schema: z.ZodType<T>, file: string): T[] {
  return parseNumberedJsonLines(text, schema, file).map((entry) => entry.value);
}

/** parseJsonLines, keeping each value's 1-based line number for later error messages. */
function parseNumberedJsonLines<T>(text: string, schema: z.ZodType<T>, file: string): Array<{ line: number; value: T }> {
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const out: Array<{ line: number; value: T }> = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const isLast = i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === '');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isLast && !complete) return;
      throw new FrameSourceError('ERR_RECORDING_DAMAGED', `${file}:${i + 1} is not valid JSON; the recording is damaged (only a truncated last line is tolerated).`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      if (isLast && !complete) return;
      const issue = parsed.error.issues[0];
      throw new FrameSourceError('ERR_RECORDING_DAMAGED', `${file}:${i + 1}: ${issue?.path.join('.') || 'line'} ${issue?.message ?? 'is invalid'}.`);
    }
    out.push({ line: i + 1, value: parsed.data });
  });
  return out;
}

export async function readSession(dir: string): Promise<SessionInfo> {
  const file = join(dir, SESSION_FILE);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FrameSourceError('ERR_RECORDING_DAMAGED', `cannot read ${file}: ${(err as Error).message}; is this a sightline recording?`);
  }
  const parsed = sessionSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrameSourceError('ERR_RECORDING_DAMAGED', `${file}: ${issue?.path.join('.') || 'file'} ${issue?.message ?? 'is invalid'} (recording format version ${RECORDING_VERSION} expected).`);
  }
  return parsed.data;
}

/**
 * The stored frames of a recording in seq order (tolerating a truncated last index line). Every
 * entry's file is checked to be inside DIR/frames, symbolic links resolved: a link out of the
 * recording is damage, like a `../` path. A file that is missing is left to the decoder to report.
 */
export async function readFrameIndex(dir: string): Promise<FrameEntry[]> {
  const file = join(dir, FRAMES_INDEX);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const entries = parseNumberedJsonLines(text, frameEntrySchema, file) as Array<{ line: number; value: FrameEntry }>;
  if (entries.length > 0) {
    const framesDir = join(await realpath(dir), FRAMES_DIR);
    for (const { line, value } of entries) {
      const problem = await escapes(join(dir, value.file), framesDir);
      if (problem) throw new FrameSourceError('ERR_RECORDING_DAMAGED', `${file}:${line}: file ${value.file} ${problem}; the recording is damaged or was tampered with.`);
    }
  }
  return entries.map((entry) => entry.value).sort((a, b) => a.seq - b.seq);
}

/** Why `path` is not a plain file inside `framesDir` (a real path), or null when it is or is missing. */
async function escapes(path: string, framesDir: string): Promise<string | null> {
  try {
    // The recorder never writes links; one here, even dangling, could point anywhere later.
    if ((await lstat(path)).isSymbolicLink()) return 'is a symbolic link';
    const inside = relative(framesDir, await realpath(path));
    return inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.includes(sep) ? "resolves outside the recording's frames folder" : null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : `cannot be resolved (${code ?? (err as Error).message})`;
  }
}

/** The recorded events, in the order they were emitted. */
export async function readEvents(dir: string): Promise<unknown[]> {
  const file = join(dir, EVENTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return parseJsonLines(text, z.unknown(), file);
}
