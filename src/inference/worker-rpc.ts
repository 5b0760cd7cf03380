// The seam for inference: onnxruntime-node's session.run blocks the JavaScript thread (a 60 ms
// stall was measured, DESIGN.md "Threads"), so every model runs in a worker thread and the
// capture / socket loop only awaits messages. One small request/response protocol, reused by
// every engine (OCR now, the VLM later).
import { Worker, parentPort, type TransferListItem } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The methods a worker exposes: each takes one structured-clonable argument. */
export type WorkerApi = Record<string, (arg: any) => unknown>;

interface Request {
  id: number;
  method: string;
  arg: unknown;
}

type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; code?: string } };

/** An error raised inside a worker, re-thrown on the calling side with the worker's message and code. */
export class WorkerCallError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WorkerCallError';
  }
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

  constructor(url: URL, workerData?: unknown) {
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
    else waiter.reject(new WorkerCallError(msg.error.message, msg.error.code));
  }

  private failAll(err: Error): void {
    this.exited ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

/**
 * Worker side: answers calls with `handlers`. A handler may return `{ value, transfer }` through
 * `withTransfer` to move large buffers back without copying.
 */
export function serveWorker(handlers: WorkerApi): void {
  if (!parentPort) throw new Error('serveWorker must be called inside a worker thread');
  const port = parentPort;
  port.on('message', async (req: Request) => {
    try {
      const handler = handlers[req.method];
      if (!handler) throw Object.assign(new Error(`unknown worker method "${req.method}"`), { code: 'ERR_UNKNOWN_METHOD' });
      const result = await handler(req.arg);
      if (result instanceof Transferable) port.postMessage({ id: req.id, ok: true, value: result.value } satisfies Response, result.transfer);
      else port.postMessage({ id: req.id, ok: true, value: result } satisfies Response);
    } catch (err) {
      const e = err as Error & { code?: string };
      port.postMessage({ id: req.id, ok: false, error: { message: e.message ?? String(err), code: e.code } } satisfies Response);
    }
  });
}

class Transferable {
  constructor(
    readonly value: unknown,
    readonly transfer: TransferListItem[],
  ) {}
}

/** Marks a handler result whose listed buffers move to the main thread instead of being copied. */
export function withTransfer<T>(value: T, transfer: TransferListItem[]): T {
  return new Transferable(value, transfer) as unknown as T;
}
