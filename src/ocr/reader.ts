// The inference half of the OCR engine, living in the worker thread: two onnxruntime sessions
// (DB detection, CTC recognition), detection over frame regions, and recognition of line crops
// with a cache keyed by the crop's pixels, so an unchanged line is never recognised twice.
import * as ort from 'onnxruntime-node';
import { alignToGrid, centre, clampTo, containsPoint, pad, type Rect } from '../frames/rect.js';
import type { WordBox } from '../perception/element.js';
import { loadCharset, checkCharsetMatches, type Charset } from './charset.js';
import { OCR_MODELS_HINT, invalidModel, missingModel, type OcrModelFiles } from './model-files.js';
import { OcrError } from './errors.js';
import { createOnnxSession, type Device, type OnnxSessionOptions } from '../inference/onnx-session.js';
import { isSightlineError } from '../errors.js';
import { buildDetInput, DET_STRIDE } from './det-preprocess.js';
import { dbBoxes, mergeLineFragments, DEFAULT_DB_OPTIONS, type DbOptions } from './db-postprocess.js';
import { REC_HEIGHT, recWidth, planBatches, writeRecInput } from './rec-preprocess.js';
import { ctcGreedy, toLine } from './ctc-decode.js';
import { InkColumns } from './ink-columns.js';
import { splitLongLine } from './long-lines.js';
import { hashPixels, contentBounds, type OcrImage } from './image.js';

export interface ReaderOptions {
  files: OcrModelFiles;
  /** onnxruntime intra-op threads (the machine's cores, at most 4: the models are small). */
  threads: number;
  device: Device;
  db?: Partial<DbOptions>;
  /** Largest detection input in pixels; bigger regions are detected in horizontal bands. */
  maxDetPixels?: number;
  /** Lines recognised below this mean character probability are dropped (noise, icons). */
  minConfidence?: number;
  /**
   * Boxes on one line closer than this many line heights are one element. DB bridges or splits
   * gaps just under a line height (menu items) depending on context far away; joining up to 1.0
   * keeps such a menu bar one element in every read (the words inside keep their own boxes),
   * while 1.5 already pulls icons next to a label into its crop (measured on excel.png).
   */
  lineGapRatio?: number;
  /** Recognition results kept, by crop hash. */
  cacheSize?: number;
}

export interface ReadRequest {
  image: OcrImage;
  /** Frame areas to detect in; lines whose centre falls inside one are returned. */
  regions: Rect[];
  /** Tensor pixels per frame pixel for detection (1 at 1x, 0.5 on a 2x screen). */
  detScale: number;
}

export interface RawLine {
  box: Rect;
  text: string;
  confidence: number;
  words: WordBox[];
  /** Hash of the crop's pixels (the recognition cache key). */
  hash: string;
}

export interface ReadResult {
  lines: RawLine[];
  detectMs: number;
  recognizeMs: number;
  cacheHits: number;
  cacheMisses: number;
}

interface CachedLine {
  text: string;
  confidence: number;
  /** Word boxes relative to the crop's top-left corner. */
  words: WordBox[];
}

export class OcrReader {
  private readonly cache = new Map<string, CachedLine>();
  private readonly db: DbOptions;
  private readonly maxDetPixels: number;
  private readonly minConfidence: number;
  private readonly cacheSize: number;
  private readonly lineGapRatio: number;

  private constructor(
    private readonly det: ort.InferenceSession,
    private readonly rec: ort.InferenceSession,
    private readonly charset: Charset,
    opts: ReaderOptions,
  ) {
    this.db = { ...DEFAULT_DB_OPTIONS, ...opts.db };
    this.maxDetPixels = opts.maxDetPixels ?? 2_400_000;
    this.minConfidence = opts.minConfidence ?? 0.5;
    this.cacheSize = opts.cacheSize ?? 4096;
    this.lineGapRatio = opts.lineGapRatio ?? 1.0;
  }

  static async create(opts: ReaderOptions): Promise<OcrReader> {
    const session: OnnxSessionOptions = {
      device: opts.device,
      threads: opts.threads,
      session: { interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' },
    };
    const charset = loadCharset(opts.files.charset);
    const det = await openSession(opts.files.detection, 'detection', session);
    const rec = await openSession(opts.files.recognition, 'recognition', session);
    const classes = await probeClasses(rec, opts.files.recognition);
    checkCharsetMatches(charset, classes, opts.files.charset);
    return new OcrReader(det, rec, charset, opts);
  }

  async read(req: ReadRequest): Promise<ReadResult> {
    const t0 = performance.now();
    const boxes = await this.detect(req);
    const t1 = performance.now();
    const { lines, hits, misses } = await this.recognize(req.image, boxes);
    const t2 = performance.now();
    return { lines, detectMs: t1 - t0, recognizeMs: t2 - t1, cacheHits: hits, cacheMisses: misses };
  }

  async close(): Promise<void> {
    await this.det.release();
    await this.rec.release();
  }

  /** Line boxes, in frame pixels, whose centres lie inside the requested regions. */
  async detect({ image, regions, detScale }: ReadRequest): Promise<Rect[]> {
    const frame = { x: 0, y: 0, width: image.width, height: image.height };
    const found: Rect[] = [];
    // Context around a region lets the network see whole glyphs at its border, and aligning it to
    // the 32-pixel grid a full-frame tensor has puts every pixel at the same phase of the network's
    // strides, so a region detects like the same area of a full frame (incremental == full).
    const context = Math.ceil((2 * DET_STRIDE) / detScale);
    for (const region of regions) {
      const area = clampTo(alignToGrid(pad(region, context), DET_STRIDE / detScale), frame);
      for (const band of bands(area, detScale, this.maxDetPixels, Math.max(context, MIN_BAND_OVERLAP))) {
        const content = contentBounds(image, band.area);
        if (!content) continue;
        const area = clampTo(alignToGrid(pad(content, context), DET_STRIDE / detScale), band.area);
        for (const box of await this.detectArea(image, area, detScale)) {
          const c = centre(box);
          if (containsPoint(region, c) && c.y >= band.coreTop && c.y < band.coreBottom) found.push(box);
        }
      }
    }
    return found;
  }

  private async detectArea(image: OcrImage, area: Rect, scale: number): Promise<Rect[]> {
    const input = buildDetInput(image, area, scale);
    const feeds = { [this.det.inputNames[0]!]: new ort.Tensor('float32', input.tensor, [1, 3, input.height, input.width]) };
    const out = await this.det.run(feeds);
    const prob = out[this.det.outputNames[0]!]!;
    const boxes = dbBoxes(prob.data as Float32Array, input.width, input.height, this.db);
    prob.dispose();
    const rects: Rect[] = [];
    for (const b of boxes) {
      const x0 = Math.max(0, Math.floor(input.originX + b.x0 / scale));
      const y0 = Math.max(0, Math.floor(input.originY + b.y0 / scale));
      const x1 = Math.min(image.width, Math.ceil(input.originX + b.x1 / scale));
      const y1 = Math.min(image.height, Math.ceil(input.originY + b.y1 / scale));
      if (x1 - x0 >= 2 && y1 - y0 >= 2) rects.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
    return mergeLineFragments(rects, this.lineGapRatio);
  }

  /** Recognises each box (a long line in pieces), from the cache when its pixels were seen before. */
  async recognize(image: OcrImage, boxes: Rect[]): Promise<{ lines: RawLine[]; hits: number; misses: number }> {
    const owners: number[] = [];
    const pieces: Rect[] = [];
    boxes.forEach((box, i) => {
      for (const piece of splitLongLine(image, box)) {
        pieces.push(piece);
        owners.push(i);
      }
    });
    const { results, misses } = await this.recognizePieces(image, pieces);
    const lines: RawLine[] = [];
    boxes.forEach((box, i) => {
      const parts = results.filter((_, p) => owners[p] === i && results[p]!.text !== '');
      const chars = parts.reduce((n, r) => n + r.text.length, 0);
      if (chars === 0) return;
      const confidence = parts.reduce((s, r) => s + r.confidence * r.text.length, 0) / chars;
      if (confidence < this.minConfidence) return;
      const words = parts.flatMap((r) => r.words);
      lines.push({ box, text: parts.map((r) => r.text).join(' '), confidence, words, hash: hashPixels(image, box) });
    });
    return { lines, hits: pieces.length - misses, misses };
  }

  /** Text of each crop, in frame coordinates; misses are batched by width and run through the model. */
  private async recognizePieces(image: OcrImage, boxes: Rect[]): Promise<{ results: CachedLine[]; misses: number }> {
    const hashes = boxes.map((b) => hashPixels(image, b));
    const results: (CachedLine | undefined)[] = hashes.map((h) => this.cache.get(h));
    const missing = boxes.map((_, i) => i).filter((i) => results[i] === undefined);
    const widths = missing.map((i) => recWidth(boxes[i]!));
    for (const batch of planBatches(widths)) {
      const batchWidth = Math.max(...batch.map((j) => widths[j]!));
      const tensor = new Float32Array(batch.length * 3 * REC_HEIGHT * batchWidth);
      batch.forEach((j, slot) => writeRecInput(image, boxes[missing[j]!]!, widths[j]!, tensor, slot, batchWidth));
      const feeds = { [this.rec.inputNames[0]!]: new ort.Tensor('float32', tensor, [batch.length, 3, REC_HEIGHT, batchWidth]) };
      const out = await this.rec.run(feeds);
      const probs = out[this.rec.outputNames[0]!]!;
      const [, steps, classes] = probs.dims as [number, number, number];
      batch.forEach((j, slot) => {
        const i = missing[j]!;
        const box = boxes[i]!;
        // Decode in crop coordinates so the cached words can be placed wherever the crop reappears.
        const local = { x: 0, y: 0, width: box.width, height: box.height };
        // The batch's steps cover batchWidth columns; this line's columns are the first widths[j].
        const ink = new InkColumns(image, box);
        const line = toLine(ctcGreedy(probs.data as Float32Array, slot, steps, classes, this.charset), local, widths[j]!, (a, b) => ink.longestBlank(a, b));
        results[i] = line;
        this.remember(hashes[i]!, line);
      });
      probs.dispose();
    }
    const placed = results.map((r, i) => {
      const { x, y } = boxes[i]!;
      return { ...r!, words: r!.words.map((w) => ({ ...w, box: { ...w.box, x: w.box.x + x, y: w.box.y + y } })) };
    });
    return { results: placed, misses: missing.length };
  }

  private remember(hash: string, line: CachedLine): void {
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, line);
  }
}

async function openSession(path: string, kind: string, options: OnnxSessionOptions): Promise<ort.InferenceSession> {
  try {
    return (await createOnnxSession(path, { ...options, label: `OCR ${kind} model` })).session;
  } catch (err) {
    if (isSightlineError(err) && err.code === 'ERR_MODEL_MISSING') throw missingModel(path, kind);
    if (isSightlineError(err) && err.code === 'ERR_MODEL_INVALID') throw new OcrError('ERR_OCR_MODEL_INVALID', err.message, { file: path, hint: OCR_MODELS_HINT });
    throw err;
  }
}

/** The recognition model's class count, from a one-line dry run (its output metadata is symbolic). */
async function probeClasses(rec: ort.InferenceSession, path: string): Promise<number> {
  try {
    const width = 32;
    const out = await rec.run({ [rec.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(3 * REC_HEIGHT * width), [1, 3, REC_HEIGHT, width]) });
    const probs = out[rec.outputNames[0]!]!;
    const classes = probs.dims[2]!;
    probs.dispose();
    return classes;
  } catch (err) {
    throw invalidModel(path, `OCR recognition model failed a test run (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * Frame pixels each detection band shares with its neighbours: taller than any line of screen
 * text, so a line cut by one band's border lies whole inside the next band.
 */
const MIN_BAND_OVERLAP = 128;

interface Band {
  area: Rect;
  /** Lines whose centre lies in [coreTop, coreBottom) belong to this band. */
  coreTop: number;
  coreBottom: number;
}

/** Splits a tall or huge area into overlapping full-width bands that each fit the pixel budget. */
function bands(area: Rect, scale: number, maxPixels: number, overlap: number): Band[] {
  const rowsPerBand = Math.floor(maxPixels / Math.max(1, area.width * scale * scale));
  if (area.height <= rowsPerBand) return [{ area, coreTop: -Infinity, coreBottom: Infinity }];
  const step = Math.max(overlap * 2, rowsPerBand - 2 * overlap);
  const out: Band[] = [];
  for (let top = area.y; top < area.y + area.height; top += step) {
    const coreTop = top === area.y ? -Infinity : top;
    const coreBottom = top + step >= area.y + area.height ? Infinity : top + step;
    const y0 = Math.max(area.y, top - overlap);
    const y1 = Math.min(area.y + area.height, top + step + overlap);
    out.push({ area: { x: area.x, y: y0, width: area.width, height: y1 - y0 }, coreTop, coreBottom });
  }
  return out;
}
