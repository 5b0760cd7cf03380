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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** Path of the PNG relative to the recording folder. */
  file: z.string(),
  /** Content hash from change detection, when the frame had been through it. */
  hash: z.string().optional(),
});
export type FrameEntry = z.infer<typeof frameEntrySchema> & { display: DisplayInfo; region: Rect };

export const SESSION_FILE = 'session.json';
export const FRAMES_INDEX = 'frames.jsonl';
export const EVENTS_FILE = 'events.jsonl';
export const FRAMES_DIR = 'frames';

export function frameFileName(seq: number): string {
  return join(FRAMES_DIR, `${String(seq).padStart(10, '0')}.png`);
}

/**
 * Parses JSON lines; a last line that does not parse is a write cut short by a kill and is dropped,
 * a bad line anywhere else is corruption and an error naming the line.
 */
export function parseJsonLines<T>(text: string, schema: z.ZodType<T>, file: string): T[] {
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const out: T[] = [];
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
    out.push(parsed.data);
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

/** The stored frames of a recording in seq order (tolerating a truncated last index line). */
export async function readFrameIndex(dir: string): Promise<FrameEntry[]> {
  const file = join(dir, FRAMES_INDEX);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return (parseJsonLines(text, frameEntrySchema, file) as FrameEntry[]).sort((a, b) => a.seq - b.seq);
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
