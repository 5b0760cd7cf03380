// One entry point from configuration to a FrameSource: a zod-checked spec (the boundary, parsed
// once), `parseSourceArg` for the CLI's `--source`, and `openFrameSource`.
import { z } from 'zod';
import type { FrameSource } from './frame.js';
import { X11FrameSource } from './x11-source.js';
import { ScreenshotDesktopSource } from './screenshot-desktop-source.js';
import { ReplaySource } from './replay-source.js';
import { regionSchema } from './rect.js';
import { FrameSourceError, NoDisplayError } from './source-errors.js';

export const sourceSpecSchema = z
  .object({
    kind: z.enum(['x11', 'screenshot', 'replay']),
    /** Display id ("0" is the primary, then left to right) or "all" (the virtual desktop). */
    display: z.string().regex(/^(\d+|all)$/, 'must be a display number such as "0" or "all"').optional(),
    /** Capture only this part of the display, relative to its origin. */
    region: regionSchema.optional(),
    /** Replay: a folder of images or a recording. */
    path: z.string().min(1).optional(),
    /** Replay: start over after the last frame. */
    loop: z.boolean().optional(),
    /** Replay: capture rate hint. */
    fps: z.number().positive().optional(),
    /** Replay: what to do with an image that does not decode. */
    onBadFile: z.enum(['stop', 'skip']).optional(),
    /** x11: transfer method; 'auto' prefers MIT-SHM. */
    method: z.enum(['auto', 'shm', 'getimage']).optional(),
    /** x11: X display name; default $DISPLAY. */
    xDisplay: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => s.kind !== 'replay' || s.path !== undefined, { message: 'a replay source needs "path"', path: ['path'] });

export type SourceSpec = z.infer<typeof sourceSpecSchema>;

/** Validates an untrusted spec (config file, CLI); one error naming the field. */
export function parseSourceSpec(input: unknown): SourceSpec {
  const parsed = sourceSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => `${i.path.join('.') || 'source'}: ${i.message}`).join('; ');
  throw new FrameSourceError('ERR_BAD_SOURCE_SPEC', `invalid frame source (${details}).`);
}

/**
 * The `--source` flag: absent → x11 when DISPLAY is set; "x11"; "screenshot"; "replay:DIR"; or a
 * folder path (anything with a slash or a dot prefix) → replay of that folder.
 */
export function parseSourceArg(arg: string | undefined, env: NodeJS.ProcessEnv = process.env): SourceSpec {
  const value = arg?.trim();
  if (!value) {
    if (!env.DISPLAY) throw new NoDisplayError();
    return { kind: 'x11' };
  }
  if (value === 'x11' || value === 'screenshot') return { kind: value };
  if (value.startsWith('replay:')) {
    const path = value.slice('replay:'.length);
    if (!path) throw new FrameSourceError('ERR_BAD_SOURCE_SPEC', '--source replay: needs a folder, e.g. --source replay:./recordings/run1.');
    return { kind: 'replay', path };
  }
  if (value.includes('/') || value.startsWith('.') || value.startsWith('~')) return { kind: 'replay', path: value };
  throw new FrameSourceError('ERR_BAD_SOURCE_SPEC', `unknown --source "${value}"; use x11, screenshot, replay:DIR or a folder path.`);
}

/** Opens the source a spec describes. Throws FrameSourceError (with a user-facing message) on setup mistakes. */
export async function openFrameSource(input: SourceSpec | unknown, env: NodeJS.ProcessEnv = process.env): Promise<FrameSource> {
  const spec = parseSourceSpec(input);
  switch (spec.kind) {
    case 'x11': {
      const xDisplay = spec.xDisplay ?? env.DISPLAY;
      if (!xDisplay) throw new NoDisplayError();
      return X11FrameSource.open({
        xDisplay,
        env,
        ...(spec.display ? { display: spec.display } : {}),
        ...(spec.region ? { region: spec.region } : {}),
        ...(spec.method ? { method: spec.method } : {}),
      });
    }
    case 'screenshot':
      return ScreenshotDesktopSource.open({
        ...(spec.display ? { display: spec.display } : {}),
        ...(spec.region ? { region: spec.region } : {}),
      });
    case 'replay':
      return ReplaySource.open({
        path: spec.path!,
        ...(spec.loop !== undefined ? { loop: spec.loop } : {}),
        ...(spec.fps ? { fps: spec.fps } : {}),
        ...(spec.region ? { region: spec.region } : {}),
        ...(spec.onBadFile ? { onBadFile: spec.onBadFile } : {}),
      });
  }
}
