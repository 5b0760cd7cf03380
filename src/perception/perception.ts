// The Perception result (DESIGN.md "Core contracts"): what one engine made of one frame. An engine
// fills the parts it has — OCR and the widget detector the element diff, the VLM its vision tokens,
// the text it streamed and the actions parsed from it — and the pipeline publishes each part as
// its own topic without knowing which engine produced it.
import type { ElementsDiff } from './element.js';

/** The vision tokens an image encoder produced for a frame (the features stay in the engine). */
export interface VisionTokens {
  /** Number of tokens (576 for DeepSeek-VL) and their width. */
  count: number;
  dim: number;
  /** Content hash of the exact preprocessed input: equal hashes mean the cached tokens were reused. */
  inputHash: string;
  cached: boolean;
}

/** A piece of model text as it streams, in order; `done` on the last one of an answer. */
export interface TextChunk {
  text: string;
  done: boolean;
}

/**
 * An action an engine proposed, before the grounding layer validates and resolves it. Its shape
 * is checked by the one action schema (grounding/); here it is opaque so that the contract does not
 * depend on the grounding folder.
 */
export interface ProposedAction {
  type: string;
  [field: string]: unknown;
}

export interface Perception {
  /** The frame it was computed on. */
  seq: number;
  /** The engine's name (`ocr`, `vlm`, ...). */
  engine: string;
  elements?: ElementsDiff;
  visionTokens?: VisionTokens;
  text?: TextChunk[];
  actions?: ProposedAction[];
}
