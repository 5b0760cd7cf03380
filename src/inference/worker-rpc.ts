// The seam for inference: onnxruntime-node's session.run blocks the JavaScript thread (a 60 ms
// stall was measured, DESIGN.md "Threads"), so every model runs in a worker thread and the
// capture / socket loop only awaits messages. One small request/response protocol, reused by
// every engine (OCR now, the VLM later).
import { Worker, parentPort, type TransferListItem } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SightlineError, isSightlineError, type ErrorData } from '../errors.js';

/** The methods a worker exposes: each takes one structured-clonable argument. */
export type WorkerApi = Record<string, (arg: any) => unknown>;

interface Request {
  id: number;
  method: string;
  arg: unknown;
}

/**
 * How an error crosses the thread boundary: a SightlineError as its structured data (rebuilt as a
 * SightlineError on the calling side), anything else as a bug with the worker's stack.
 */
type WorkerError = { sightline: ErrorData } | { bug: { message: string; stack?: string } };

type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WorkerError };

/** A bug inside a worker (not a SightlineError), re-thrown on the calling side with the worker's stack. */
export class WorkerCallError extends Error {
  constructor(message: string, workerStack?: string) {
    super(message);
    this.name = 'WorkerCallError';
    if (workerStack) this.stack = `${this.stack}\n  in the worker: ${workerStack}`;
  }
}

export interface WorkerClientOptions {
  /** Rebuilds a worker's SightlineError as the engine's own subclass; default SightlineError.fromData. */
  rebuildError?: (data: ErrorData) => SightlineError;
}

/**
 * Resolves a worker module next to `importMetaUrl`, keeping the caller's extension so the same code
 * works from compiled `.js` and from `.ts` under a loader.
 */
export function siblingWorkerUrl(importMetaUrl: string, baseName: string): URL {
  return new URL(`./${baseName}${extname(fileURLToPath(importMetaUrl))}`, importMetaUrl);
}

/** Main-thread side: calls `method(arg)` in the worker and awaits its result. */
export class WorkerClient<Api extends WorkerApi> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private exited: Error | null = null;

  private readonly rebuildError: (data: ErrorData) => SightlineError;

  constructor(url: URL, workerData?: unknown, options: WorkerClientOptions = {}) {
    this.rebuildError = options.rebuildError ?? SightlineError.fromData;
    this.worker = new Worker(url, { workerData });
    this.worker.on('message', (msg: Response) => this.settle(msg));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`worker ${url.pathname} exited with code ${code}`)));
  }

  call<M extends keyof Api & string>(method: M, arg: Parameters<Api[M]>[0], transfer: TransferListItem[] = []): Promise<Awaited<ReturnType<Api[M]>>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, arg } satisfies Request, transfer);
    });
  }

  /** Calls pending at close reject; the worker is terminated. */
  async close(): Promise<void> {
    if (this.exited) return;
    await this.worker.terminate();
  }

  private settle(msg: Response): void {
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.value);
    else if ('sightline' in msg.error) waiter.reject(this.rebuildError(msg.error.sightline));
    else waiter.reject(new WorkerCallError(msg.error.bug.message, msg.error.bug.stack));
  }

  private failAll(err: Error): void {
    this.exited ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

/** Worker side: answers calls with `handlers`. */
export function serveWorker(handlers: WorkerApi): void {
  if (!parentPort) throw new Error('serveWorker must be called inside a worker thread');
  const port = parentPort;
  port.on('message', async (req: Request) => {
    try {
      const handler = handlers[req.method];
      if (!handler) throw new Error(`unknown worker method "${req.method}"`);
      port.postMessage({ id: req.id, ok: true, value: await handler(req.arg) } satisfies Response);
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, error: toWorkerError(err) } satisfies Response);
    }
  });
}

function toWorkerError(err: unknown): WorkerError {
  if (isSightlineError(err)) return { sightline: err.toData() };
  const e = err as Error | undefined;
  return { bug: { message: e?.message ?? String(err), ...(e?.stack ? { stack: e.stack } : {}) } };
}
