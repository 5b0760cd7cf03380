// The one place an onnxruntime session is created (DESIGN.md "Execution"): the device choice
// (cpu | webgpu | cuda | auto) becomes execution providers, and every way it can go wrong for the
// user (a provider this install lacks, a missing or damaged model file) becomes a SightlineError
// with a stable code and what to do, instead of an onnxruntime message from deep inside.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SightlineError, isSightlineError } from '../errors.js';

export const DEVICES = ['cpu', 'webgpu', 'cuda', 'auto'] as const;
export type Device = (typeof DEVICES)[number];
/** A device a session actually runs on (auto resolved). */
export type ResolvedDevice = Exclude<Device, 'auto'>;

export interface OnnxSessionOptions {
  device: Device;
  /** Intra-op threads of the CPU provider; onnxruntime's default (all cores) when omitted. */
  threads?: number;
  /** Further session options (graph optimisation, execution mode); providers are set here. */
  session?: Omit<ort.InferenceSession.SessionOptions, 'executionProviders' | 'intraOpNumThreads'>;
  /** What the file is, for messages ("OCR detection model"); default "model". */
  label?: string;
  /** What to do about a missing or damaged file; default: rebuild or reinstall it. */
  fileHint?: string;
}

export interface OnnxSession {
  session: ort.InferenceSession;
  device: ResolvedDevice;
}

const INSTALL_HINT: Record<Exclude<ResolvedDevice, 'cpu'>, string> = {
  cuda: 'install the CUDA build of onnxruntime-node with `npm install --onnxruntime-node-install=cuda12` on a machine with internet (CUDA 12 and cuDNN 9 must be installed), or use --device cpu',
  webgpu: 'WebGPU needs a GPU with a Vulkan driver (libvulkan) on Linux; use --device cpu or --device cuda',
};

/** Opens `path` on `device`; `auto` takes the first of cuda, webgpu that works here, else cpu. */
export async function createOnnxSession(path: string, options: OnnxSessionOptions): Promise<OnnxSession> {
  const label = options.label ?? 'model';
  requireModelFile(path, label, options.fileHint);
  if (options.device === 'auto') {
    for (const device of ['cuda', 'webgpu'] as const) {
      if (!providerInstalled(device)) continue;
      try {
        return await createOn(path, device, options);
      } catch (err) {
        if (isSightlineError(err) && err.code !== 'ERR_DEVICE_UNAVAILABLE') throw err;
      }
    }
    return createOn(path, 'cpu', options);
  }
  if (options.device !== 'cpu' && !providerInstalled(options.device)) throw deviceUnavailable(options.device, 'its execution provider is not in this onnxruntime-node install');
  return createOn(path, options.device, options);
}

async function createOn(path: string, device: ResolvedDevice, options: OnnxSessionOptions): Promise<OnnxSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    ...options.session,
    ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    executionProviders: [device],
  };
  try {
    return { session: await ort.InferenceSession.create(path, sessionOptions), device };
  } catch (err) {
    const reason = firstLine(err);
    if (device === 'cpu') throw invalidModel(path, options.label ?? 'model', reason, options.fileHint);
    // A GPU provider failed: the model is at fault only if the CPU cannot load it either.
    const cpu = await ort.InferenceSession.create(path, { ...options.session, executionProviders: ['cpu'] }).catch(() => null);
    if (!cpu) throw invalidModel(path, options.label ?? 'model', reason, options.fileHint);
    await cpu.release();
    throw deviceUnavailable(device, reason);
  }
}

/**
 * Whether onnxruntime-node lists the provider and its library is present: webgpu is bundled in the
 * npm build; cuda is compiled in but its libraries come only with `--onnxruntime-node-install=cuda12`.
 */
export function providerInstalled(device: ResolvedDevice): boolean {
  const backend = ort.listSupportedBackends().find((b) => b.name === device);
  if (!backend) return false;
  if (backend.bundled) return true;
  return existsSync(join(bindingDir(), `libonnxruntime_providers_${device}.so`)) || existsSync(join(bindingDir(), `onnxruntime_providers_${device}.dll`));
}

function bindingDir(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(dirname(require.resolve('onnxruntime-node')));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

function requireModelFile(path: string, label: string, hint: string | undefined): void {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new SightlineError('ERR_MODEL_MISSING', `${label} file not found: ${path}`, { file: path, hint: hint ?? 'check the path, or build the model again' });
  }
}

function invalidModel(path: string, label: string, reason: string, hint: string | undefined): SightlineError {
  return new SightlineError('ERR_MODEL_INVALID', `${label} ${path} could not be loaded (${reason})`, { file: path, hint: hint ?? 'the file is damaged or not an ONNX model; build or download it again' });
}

function deviceUnavailable(device: Exclude<ResolvedDevice, 'cpu'>, reason: string): SightlineError {
  return new SightlineError('ERR_DEVICE_UNAVAILABLE', `device ${device} is not available (${reason})`, { hint: INSTALL_HINT[device] });
}

/** onnxruntime's first line without its "Load model from PATH failed:" and source-location prefixes. */
function firstLine(err: unknown): string {
  const line = ((err as Error)?.message ?? String(err)).split('\n')[0]!.trim();
  return line.replace(/^Load model from .* failed:\s*/, '').replace(/^\/\S+:\d+ .*\) /, '');
}
