// Checkpoint tensor names of the language model (reference §8.2); the graph I/O names live with the
// runtime that feeds them (src/llm/decoder-io.ts).

const LM = 'language_model.';

export const textWeights = {
  embedTokens: `${LM}model.embed_tokens.weight`,
  finalNorm: `${LM}model.norm.weight`,
  lmHead: `${LM}lm_head`,
  layer: (i: number) => `${LM}model.layers.${i}`,
};

export { decoderIo } from '../../../llm/decoder-io.js';
