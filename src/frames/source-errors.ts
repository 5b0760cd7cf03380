// Errors a frame source raises for the user's own setup (no display, a wrong display id, a bad
// replay folder). Each is a SightlineError with a stable `code` and a one-sentence message saying
// what to do, so the CLI prints it without a stack trace (src/errors.ts).
import { SightlineError, type ErrorOptions } from '../errors.js';

export type FrameSourceErrorCode =
  | 'ERR_NO_DISPLAY'
  | 'ERR_X11_CONNECT'
  | 'ERR_DISPLAY_LOST'
  | 'ERR_UNKNOWN_DISPLAY'
  | 'ERR_REGION_OUTSIDE_DISPLAY'
  | 'ERR_SHM_UNAVAILABLE'
  | 'ERR_UNSUPPORTED_VISUAL'
  | 'ERR_BAD_SOURCE_SPEC'
  | 'ERR_REPLAY_NOT_FOUND'
  | 'ERR_REPLAY_EMPTY'
  | 'ERR_REPLAY_BAD_IMAGE'
  | 'ERR_SCREENSHOT_FAILED'
  | 'ERR_RECORDING_EXISTS'
  | 'ERR_RECORDING_DAMAGED';

export class FrameSourceError extends SightlineError {
  declare readonly code: FrameSourceErrorCode;

  constructor(code: FrameSourceErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = 'FrameSourceError';
  }
}

/** No screen to capture: the one message the CLI shows when DISPLAY is missing. */
export class NoDisplayError extends FrameSourceError {
  constructor(detail = 'DISPLAY is not set') {
    super(
      'ERR_NO_DISPLAY',
      `no display to capture (${detail}): set DISPLAY, run under Xvfb (\`xvfb-run -a sightline run\`), or use a replay source (\`--source replay:DIR\`).`,
    );
    this.name = 'NoDisplayError';
  }
}
