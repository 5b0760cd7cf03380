// Streaming access to a Hugging Face checkpoint folder: config.json plus safetensors weights,
// single-file or sharded with model.safetensors.index.json (reference §8.1). Only headers are read
// up front; each tensor is read on demand with positioned sync reads, so memory holds one tensor.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { CheckpointError, parseDeepseekVlConfig, type DeepseekVlConfig } from './deepseek-vl/config.js';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from './onnx/float16.js';

export { CheckpointError };

export type StoredDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<StoredDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorInfo {
  name: string;
  dtype: StoredDType;
  shape: number[];
  file: string;
}

export interface Checkpoint {
  dir: string;
  config: DeepseekVlConfig;
  rawConfig: unknown;
  has(name: string): boolean;
  /** Throws naming the tensor and the checkpoint when it is absent. */
  info(name: string): TensorInfo;
  /** All tensor names, in file order. */
  names(): string[];
  /** Reads one tensor (sync, streamed from disk at its offset) converted to float32. */
  readFloat32(name: string): Float32Array;
  /** Reads elements [start, start+count) of a tensor (flattened, row-major) as float32. */
  readFloat32Range(name: string, start: number, count: number): Float32Array;
  close(): void;
}

interface Entry extends TensorInfo {
  /** Absolute byte offset of the tensor's data in its file. */
  offset: number;
  byteLength: number;
}

const headerEntrySchema = z.object({
  dtype: z.enum(Object.keys(DTYPE_BYTES) as [StoredDType, ...StoredDType[]]),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

const indexSchema = z.object({ weight_map: z.record(z.string(), z.string()) });

/** Largest header we accept: real headers are ~100 kB; this only guards against garbage. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Read granularity: bounds the scratch buffer for 2-byte dtypes. */
const READ_CHUNK_BYTES = 64 * 1024 * 1024;

function readHeader(path: string): Entry[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const file = basename(path);
    if (size < 8) throw new CheckpointError(`${path}: not a safetensors file (${size} bytes, expected at least an 8-byte header length)`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
      throw new CheckpointError(`${path}: bad safetensors header: header length ${headerLen} does not fit a ${size}-byte file`);
    }
    const json = Buffer.alloc(headerLen);
    readSync(fd, json, 0, headerLen, 8);
    let header: unknown;
    try {
      header = JSON.parse(json.toString('utf8'));
    } catch (e) {
      throw new CheckpointError(`${path}: bad safetensors header: not JSON (${(e as Error).message})`);
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) {
      throw new CheckpointError(`${path}: bad safetensors header: expected a JSON object`);
    }
    const dataStart = 8 + headerLen;
    const entries: Entry[] = [];
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const parsed = headerEntrySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new CheckpointError(`${path}: bad safetensors header entry for tensor "${name}": ${issue.path.join('.')}: ${issue.message}`);
      }
      const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
      const byteLength = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
      if (end - begin !== byteLength) {
        throw new CheckpointError(`${path}: tensor "${name}": shape [${shape}] ${dtype} needs ${byteLength} bytes, header gives ${end - begin}`);
      }
      if (dataStart + end > size) {
        throw new CheckpointError(
          `${path}: truncated: tensor "${name}" ends at byte ${dataStart + end} but the file has ${size} bytes; re-download or regenerate the file`,
        );
      }
      entries.push({ name, dtype, shape, file, offset: dataStart + begin, byteLength });
    }
    return entries.sort((a, b) => a.offset - b.offset);
  } finally {
    closeSync(fd);
  }
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new CheckpointError(`${path}: missing (${what})`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Opens a checkpoint folder: a single model.safetensors, or shards listed in model.safetensors.index.json. */
export function openCheckpoint(dir: string): Checkpoint {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CheckpointError(`${dir}: checkpoint folder not found`);
  const configPath = join(dir, 'config.json');
  const rawConfig = readJson(configPath, 'the checkpoint config, config.json');
  const config = parseDeepseekVlConfig(rawConfig, configPath);

  const entries = new Map<string, Entry>();
  const indexPath = join(dir, 'model.safetensors.index.json');
  const singlePath = join(dir, 'model.safetensors');
  if (existsSync(indexPath)) {
    const parsed = indexSchema.safeParse(readJson(indexPath, 'shard index'));
    if (!parsed.success) throw new CheckpointError(`${indexPath}: expected {"weight_map": {tensor: shard file}}: ${parsed.error.issues[0]!.message}`);
    const map = parsed.data.weight_map;
    const shards = new Map<string, Map<string, Entry>>();
    for (const shard of new Set(Object.values(map))) {
      const shardPath = join(dir, shard);
      if (!existsSync(shardPath)) throw new CheckpointError(`${shardPath}: missing shard listed in ${basename(indexPath)}`);
      shards.set(shard, new Map(readHeader(shardPath).map((e) => [e.name, e])));
    }
    for (const [name, shard] of Object.entries(map)) {
      const e = shards.get(shard)!.get(name);
      if (e === undefined) throw new CheckpointError(`${join(dir, shard)}: tensor "${name}" is listed in ${basename(indexPath)} but not in the shard`);
      entries.set(name, e);
    }
  } else if (existsSync(singlePath)) {
    for (const e of readHeader(singlePath)) entries.set(e.name, e);
  } else {
    throw new CheckpointError(`${dir}: no model.safetensors or model.safetensors.index.json; point build-model at a Hugging Face checkpoint folder`);
  }
  const source = existsSync(indexPath) ? `the shards listed in ${basename(indexPath)}` : basename(singlePath);
  return new SafetensorsCheckpoint(dir, config, rawConfig, entries, source);
}

class SafetensorsCheckpoint implements Checkpoint {
  private readonly fds = new Map<string, number>();

  constructor(
    readonly dir: string,
    readonly config: DeepseekVlConfig,
    readonly rawConfig: unknown,
    private readonly entries: Map<string, Entry>,
    /** Where tensors were looked up, for error messages. */
    private readonly source: string,
  ) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo {
    const e = this.entries.get(name);
    if (e === undefined) {
      throw new CheckpointError(`${this.dir}: tensor "${name}" not found in the checkpoint (searched ${this.source}, ${this.entries.size} tensors present)`);
    }
    return { name: e.name, dtype: e.dtype, shape: [...e.shape], file: e.file };
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  readFloat32(name: string): Float32Array {
    const e = this.entry(name);
    return this.readFloat32Range(name, 0, e.byteLength / DTYPE_BYTES[e.dtype]);
  }

  readFloat32Range(name: string, start: number, count: number): Float32Array {
    const e = this.entry(name);
    const width = DTYPE_BYTES[e.dtype];
    const total = e.byteLength / width;
    if (start < 0 || count < 0 || start + count > total) {
      throw new Error(`tensor "${name}": range [${start}, ${start + count}) is outside its ${total} elements`);
    }
    const out = new Float32Array(count);
    const fd = this.fd(e.file);
    const base = e.offset + start * width;
    if (e.dtype === 'F32') {
      this.readFully(fd, new Uint8Array(out.buffer), base, e);
      return out;
    }
    if (e.dtype !== 'F16' && e.dtype !== 'BF16') {
      throw new CheckpointError(`${join(this.dir, e.file)}: tensor "${name}" is ${e.dtype}; expected a float tensor (F32, F16 or BF16)`);
    }
    const perChunk = READ_CHUNK_BYTES / 2;
    const scratch = new Uint16Array(Math.min(perChunk, count));
    for (let done = 0; done < count; done += perChunk) {
      const n = Math.min(perChunk, count - done);
      const bits = scratch.subarray(0, n);
      this.readFully(fd, new Uint8Array(bits.buffer, 0, n * 2), base + done * 2, e);
      const dst = out.subarray(done, done + n);
      if (e.dtype === 'F16') float16BitsToFloat32(bits, dst);
      else bfloat16BitsToFloat32(bits, dst);
    }
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private entry(name: string): Entry {
    this.info(name);
    return this.entries.get(name)!;
  }

  private fd(file: string): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = openSync(join(this.dir, file), 'r');
      this.fds.set(file, fd);
    }
    return fd;
  }

  private readFully(fd: number, into: Uint8Array, position: number, e: Entry): void {
    for (let got = 0; got < into.byteLength; ) {
      const n = readSync(fd, into, got, Math.min(into.byteLength - got, READ_CHUNK_BYTES), position + got);
      if (n === 0) {
        throw new CheckpointError(`${join(this.dir, e.file)}: truncated while reading tensor "${e.name}" (expected ${into.byteLength} bytes at offset ${position}, got ${got})`);
      }
      got += n;
    }
  }
}
