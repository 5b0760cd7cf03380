// Errors a frame source raises for the user's own setup (no display, a wrong display id, a bad
// replay folder). Each carries a stable `code` and a one-sentence message saying what to do, so the
// CLI prints `message` without a stack trace (STYLE.md "Errors are actionable").

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

export class FrameSourceError extends Error {
  constructor(
    readonly code: FrameSourceErrorCode,
    message: string,
  ) {
    super(message);
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

/** True for errors whose message is meant for the user as is (print it, no stack). */
export function isUserFacingSourceError(err: unknown): err is FrameSourceError {
  return err instanceof FrameSourceError;
}
