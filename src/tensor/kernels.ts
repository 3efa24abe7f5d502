/**
 * The GEMM, on the selected backend, and the element-wise kernels (elementwise.ts), re-exported:
 * the numeric entry points layers call.
 */
import { kernels } from './backend';
import type { GemmOptions } from './kernel-interface';

export type { GemmOptions };

/**
 * General matrix multiply: C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, on the selected
 * backend (a packed, register-blocked WebAssembly SIMD kernel, or `gemmJs`).
 */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions = {}): void {
  if (m === 0 || n === 0) return;
  kernels().gemm(a, b, c, m, n, k, transA, transB, alpha, beta);
}

export { addRowVector, accumulateColumnSums, axpy, multiply, gatherRows, dropoutMask, prelu, preluBackward, markActiveColumns } from './elementwise';
