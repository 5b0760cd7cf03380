// embed_tokens.onnx + decoder.onnx alone from a checkpoint, without the vision encoder: for the text
// tests and the decoder benchmark (the full build goes through build.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DECODER_FILE, EMBED_TOKENS_FILE } from '../../../llm/decoder-io.js';
import { createBuildContext, type BuildDType } from '../../build-context.js';
import { Graph } from '../../onnx/graph.js';
import { saveModel } from '../../onnx/writer.js';
import { openCheckpoint } from '../../safetensors.js';
import { buildDecoder } from './decoder.js';
import { buildEmbedTokens } from './embed-tokens.js';

export function buildTextModels(checkpointDir: string, outDir: string, dtype: BuildDType): void {
  mkdirSync(outDir, { recursive: true });
  const checkpoint = openCheckpoint(checkpointDir);
  try {
    for (const [file, build] of [[EMBED_TOKENS_FILE, buildEmbedTokens], [DECODER_FILE, buildDecoder]] as const) {
      const graph = new Graph(file.replace('.onnx', ''), { externalDataFile: join(outDir, `${file}.data`) });
      build(createBuildContext({ checkpoint, graph, dtype }));
      saveModel(graph, join(outDir, file));
    }
  } finally {
    checkpoint.close();
  }
}
