/**
 * Which kernels run the hot loops: 'wasm' (WebAssembly SIMD, the default where the engine supports
 * it) or 'js' (the pure TypeScript kernels, the portable reference and fallback). Both give the
 * same results up to float32 rounding; each gives the same bits for the same inputs every time.
 * This is the one place that chooses: everything else calls `kernels()`.
 */
import { LayerwiseError } from '../util/errors';
import { jsKernels } from './js';
import type { Kernels } from './kernel-interface';
import { wasmKernels, wasmReady, wasmUnavailableReason, type WasmKernels } from './wasm/wasm-backend';

export type BackendName = 'wasm' | 'js';

let requested: BackendName | undefined;

/** The backend the environment asks for: `LAYERWISE_BACKEND=js` (Node) selects the TS kernels. */
function fromEnvironment(): BackendName {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.LAYERWISE_BACKEND === 'js' ? 'js' : 'wasm';
}

/**
 * Selects the kernels: `'wasm'` (default) or `'js'`. Asking for 'wasm' where WebAssembly SIMD is
 * not available throws, saying why; without a call, layerwise uses wasm where it loads and the TS
 * kernels elsewhere.
 */
export function setBackend(name: BackendName): void {
  if (name !== 'wasm' && name !== 'js') {
    throw new LayerwiseError(`setBackend: expected 'wasm' or 'js', but received ${JSON.stringify(name)}.`);
  }
  if (name === 'wasm' && !wasmKernels()) {
    throw new LayerwiseError(`setBackend: the WebAssembly SIMD kernels are not available here (${wasmUnavailableReason()}). Use setBackend('js').`);
  }
  requested = name;
}

/** The backend in use: 'wasm' when selected (or by default) and available, else 'js'. */
export function getBackend(): BackendName {
  const name = requested ?? fromEnvironment();
  return name === 'wasm' && wasmKernels() ? 'wasm' : 'js';
}

/**
 * The wasm kernels, with the TS kernels standing in explicitly, here and nowhere else, for what the
 * wasm side does not cover: max pooling with a channel count that is not a multiple of 4 (its SIMD
 * kernel takes four channels at a time), and a product's bias and activation over arrays that do
 * not live in wasm memory.
 */
function withFallbacks(wasm: WasmKernels): Kernels {
  return {
    gemm: wasm.gemm.bind(wasm),
    conv2d: wasm.conv2d.bind(wasm),
    conv2dBackward: wasm.conv2dBackward.bind(wasm),
    sgd: wasm.sgd.bind(wasm),
    // In place on arrays in wasm memory; the TS kernel for the others (nothing to gain by copying them in).
    biasActivation: (z, rows, bias, act) => wasm.biasActivation(z, rows, bias, act) || jsKernels.biasActivation(z, rows, bias, act),
    biasActivationBackward: (dy, rows, dBias, act) => wasm.biasActivationBackward(dy, rows, dBias, act) || jsKernels.biasActivationBackward(dy, rows, dBias, act),
    maxPool: (x, g, y, argmax) => (g.channels % 4 === 0 ? wasm : jsKernels).maxPool(x, g, y, argmax),
  };
}

let wasmSet: { wasm: WasmKernels; kernels: Kernels } | undefined;

/** The kernels of the backend in use. */
export function kernels(): Kernels {
  if (getBackend() === 'js') return jsKernels;
  const wasm = wasmKernels()!;
  if (wasmSet?.wasm !== wasm) wasmSet = { wasm, kernels: withFallbacks(wasm) };
  return wasmSet.kernels;
}

/**
 * A zeroed Float32Array of `length` for a tensor that lives as long as a model does (a weight, its
 * gradient, an optimizer's state): with the wasm kernels, in their memory where it can be (Node,
 * cross-origin isolated pages), so that they read and write it in place instead of copying it in
 * and out on every call; else a plain array. Either way an ordinary Float32Array to every caller.
 */
export function residentArray(length: number): Float32Array {
  return (getBackend() === 'wasm' && wasmKernels()?.allocate(length)) || new Float32Array(length);
}

/** A copy of `values` as a resident array (see residentArray). */
export function residentCopy(values: Float32Array): Float32Array {
  const out = residentArray(values.length);
  out.set(values);
  return out;
}

/**
 * Zeroes `a`: through the wasm kernels when it is a resident array (a JavaScript fill of a view
 * into shared memory goes element by element, several times slower than their memset), else fill.
 */
export function fillZeros(a: Float32Array): void {
  // Only with the wasm backend in use: the js backend never loads the module (a resident array left
  // from an earlier wasm run is then zeroed by fill, slower but the same).
  if (!(getBackend() === 'wasm' && wasmKernels()?.zero(a))) a.fill(0);
}

export { wasmReady, wasmUnavailableReason };
