// What the rest of sightline sees of a vision-language model: a request about one frame goes in, a
// stream of text deltas and one final answer come out. The local DeepSeek-VL engine (vlm/local-vlm)
// and the remote OpenAI-compatible backend (vlm/remote-vlm) both implement it; `sightline serve`
// exposes any implementation as /v1/chat/completions; agents and the `ask` command use it.
import type { Observable } from 'rxjs';
import type { Frame } from '../frames/frame.js';
import type { ImageTransform } from '../grounding/image-transform.js';
import type { UiElement } from '../perception/element.js';

export interface VlmRequest {
  /** Echoed on every event; the `cancel` command names it. */
  requestId: string;
  /** The user turn. */
  question: string;
  /** Replaces the model's default system prompt. */
  system?: string;
  /** The frame to look at (null: a text-only turn). */
  frame: Frame | null;
  /** Perceived elements listed in the prompt with their ids, so a model that cannot point names one. */
  elements?: readonly UiElement[];
  maxTokens?: number;
  /** 0 or absent: greedy. */
  temperature?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop?: readonly string[];
}

export interface VlmTimings {
  /** Vision encoder time (0 on a cache hit). */
  encodeMs: number;
  encodeCached: boolean;
  prefillMs: number;
  /** From the request to the first streamed token. */
  firstTokenMs: number;
  tokens: number;
  tokensPerSecond: number;
  totalMs: number;
}

export type VlmFinish = 'stop' | 'length' | 'cancelled' | 'error';

export type VlmEvent =
  | { type: 'delta'; requestId: string; seq: number | null; text: string }
  | {
      type: 'answer';
      requestId: string;
      seq: number | null;
      text: string;
      finish: VlmFinish;
      timings: VlmTimings;
      /** How the frame was made into the model's image, for mapping boxes back (grounding/coords.ts). */
      transform: ImageTransform | null;
      /** On finish `error`: what went wrong. */
      error?: { code: string; message: string };
    };

export interface VlmBackend {
  /** `vlm` (local) or `remote`. */
  readonly name: string;
  /** The model's id (manifest source or the server's model name). */
  readonly modelId: string;
  /**
   * Cold: subscribing starts the generation, unsubscribing cancels it within one decode step (or
   * aborts the HTTP stream). Emits deltas, then exactly one `answer`, then completes. Errors become
   * an `answer` with finish `error`; the Observable itself errors only on a bug.
   */
  generate(request: VlmRequest): Observable<VlmEvent>;
  close(): Promise<void>;
}
