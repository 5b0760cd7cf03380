// Graph I/O names shared by the model builder (which writes embed_tokens.onnx and decoder.onnx) and
// the runtime that feeds them. They follow transformers.js / onnxruntime-genai (reference §10.2–10.4);
// docs/model-builder.md "Decoder I/O" gives shapes and meaning.
export const decoderIo = {
  inputIds: 'input_ids',
  inputsEmbeds: 'inputs_embeds',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  numLogitsToKeep: 'num_logits_to_keep',
  pastKey: (i: number) => `past_key_values.${i}.key`,
  pastValue: (i: number) => `past_key_values.${i}.value`,
  presentKey: (i: number) => `present.${i}.key`,
  presentValue: (i: number) => `present.${i}.value`,
  logits: 'logits',
};

export const EMBED_TOKENS_FILE = 'embed_tokens.onnx';
export const DECODER_FILE = 'decoder.onnx';
