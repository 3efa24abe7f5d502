/**
 * The GEMM, on the selected backend, and the element-wise kernels (elementwise.ts), re-exported:
 * the numeric entry points layers call.
 */
import { kernels } from './backend';
import type { FusedActivation, FusedActivationGradient, GemmOptions } from './kernel-interface';

export type { GemmOptions };

/**
 * General matrix multiply: C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, on the selected
 * backend (a packed, register-blocked WebAssembly SIMD kernel, or `gemmJs`).
 */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions = {}): void {
  if (m === 0 || n === 0) return;
  kernels().gemm(a, b, c, m, n, k, transA, transB, alpha, beta);
}

/** A product's output step, z[rows, n] += bias, then act.y = act(z) (ReLU or leaky ReLU), on the selected backend. */
export function biasActivation(z: Float32Array, rows: number, bias: Float32Array | undefined, act?: FusedActivation): void {
  if (bias || act) kernels().biasActivation(z, rows, bias, act);
}

/** biasActivation's backward step: act.dz = dy · act'(act.z), dBias += Σ_rows dz, on the selected backend. */
export function biasActivationBackward(dy: Float32Array, rows: number, dBias: Float32Array | undefined, act?: FusedActivationGradient): void {
  if (dBias || act) kernels().biasActivationBackward(dy, rows, dBias, act);
}

export { fillZeros } from './backend';
export { addRowVector, accumulateColumnSums, axpy, multiply, gatherRows, dropoutMask, prelu, preluBackward, markActiveColumns } from './elementwise';
