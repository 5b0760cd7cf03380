// manifest.json: everything the runtime needs besides the ONNX files, so it never has to read the
// original checkpoint (reference §1.1 preprocessing, §5/§6 tokens and chat format). Written by the
// builder and parsed by the runtime with the same schema.
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'sightline-model';
export const MANIFEST_VERSION = 1;

const dimSchema = z.union([z.number(), z.string()]);
const valueSchema = z.object({ name: z.string(), type: z.string(), shape: z.array(dimSchema) });

const fileSchema = z.object({
  onnx: z.string(),
  /** External weights next to the .onnx file, null when all weights are inline. */
  data: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  inputs: z.array(valueSchema),
  outputs: z.array(valueSchema),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  formatVersion: z.literal(MANIFEST_VERSION),
  builderVersion: z.string(),
  model: z.object({
    family: z.literal('deepseek-vl'),
    /** 'siglip' = 1.3B (SigLIP only), 'hybrid' = 7B (SAM + SigLIP). */
    variant: z.enum(['siglip', 'hybrid']),
    source: z.string(),
  }),
  dtype: z.enum(['fp32', 'fp16', 'int4']),
  files: z.object({ vision: fileSchema.optional(), embed: fileSchema.optional(), decoder: fileSchema.optional() }),
  dims: z.object({
    hiddenSize: z.number().int(),
    intermediateSize: z.number().int(),
    numLayers: z.number().int(),
    numHeads: z.number().int(),
    numKvHeads: z.number().int(),
    headDim: z.number().int(),
    vocabSize: z.number().int(),
    maxPositionEmbeddings: z.number().int(),
    ropeTheta: z.number(),
    rmsNormEps: z.number(),
    imageTokens: z.number().int(),
    imageFeatureDim: z.number().int(),
  }),
  preprocessing: z.object({
    /** Side of the square pixel_values the vision encoder takes (1024 hybrid, 384 SigLIP-only). */
    imageSize: z.number().int(),
    minSize: z.number().int(),
    /** Resize of the long side to imageSize: PIL bicubic with antialias (reference §1.1 step 2). */
    resample: z.literal('bicubic'),
    /** Centre padding colour, int(mean·255) per channel (reference §1.1 step 3). */
    background: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    rescaleFactor: z.number(),
    /** The processor's mean/std: used only for the background; the processor does not normalise. */
    imageMean: z.array(z.number()).nullable(),
    imageStd: z.array(z.number()).nullable(),
    /** pixel_values go to the encoder in [0,1]; mean/std normalisation happens inside the graph (§1.2). */
    normalizedInModel: z.literal(true),
  }),
  tokens: z.object({
    imagePlaceholder: z.number().int(),
    bos: z.number().int(),
    eos: z.number().int(),
    pad: z.number().int(),
    addBos: z.boolean(),
    /** Each placeholder is replaced by this many copies of its id (reference §6.2). */
    imageTokensPerImage: z.number().int(),
  }),
  chat: z.object({
    sftFormat: z.literal('deepseek'),
    systemPrompt: z.string(),
    roles: z.tuple([z.string(), z.string()]),
    sep: z.string(),
    sep2: z.string(),
    imageTag: z.string(),
    /** Greedy-decoding stop strings besides EOS (reference §5, demo). */
    stopStrings: z.array(z.string()),
  }),
  tokenizer: z.object({ file: z.string(), configFile: z.string().nullable() }),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof fileSchema>;

/** Parses a manifest read from disk; the error names the file and the first bad key. */
export function parseManifest(json: unknown, file: string): Manifest {
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${file}: not a sightline model manifest: key "${issue.path.join('.')}": ${issue.message}; rebuild the model with \`sightline build-model\``);
  }
  return r.data;
}

/** VLChatProcessor.system_prompt (reference §6.1). */
export const DEEPSEEK_SYSTEM_PROMPT =
  'You are a helpful language and vision assistant. You are able to understand the visual content that the user provides, and assist the user with a variety of tasks using natural language.';
