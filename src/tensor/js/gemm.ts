import type { GemmOptions } from '../kernel-interface';

/** Scratch space for transposed operands, grown as needed and reused across calls. */
let scratchA = new Float32Array(0);
let scratchB = new Float32Array(0);

/** out[j, i] = x[i, j] for x of [rows, cols]; returns a view of `out` of the right length. */
function transposeInto(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[row + j];
  }
  return out.subarray(0, rows * cols);
}

/**
 * gemm in TypeScript, the reference and fallback. Transposed operands are first copied into
 * scratch space (cheap next to the multiply), so one kernel, which streams rows of B four rows of
 * C at a time, serves all four cases. Zero entries of A are skipped (ReLU outputs are often zero),
 * so a NaN in B only spreads through non-zero A.
 */
export function gemmJs(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions = {},
): void {
  if (beta === 0) c.fill(0, 0, m * n);
  else if (beta !== 1) for (let i = 0; i < m * n; i++) c[i] *= beta;
  if (transA) {
    if (scratchA.length < m * k) scratchA = new Float32Array(m * k);
    a = transposeInto(a, k, m, scratchA);
  }
  if (transB) {
    if (scratchB.length < n * k) scratchB = new Float32Array(n * k);
    b = transposeInto(b, n, k, scratchB);
  }
  gemmRowMajor(a, b, c, m, n, k, alpha);
}

/** C[m, n] += alpha · A[m, k] · B[k, n], all row-major. */
function gemmRowMajor(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, alpha: number): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    const a0 = i * k;
    for (let p = 0; p < k; p++) {
      const x0 = alpha * a[a0 + p];
      const x1 = alpha * a[a0 + k + p];
      const x2 = alpha * a[a0 + 2 * k + p];
      const x3 = alpha * a[a0 + 3 * k + p];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[bp + j];
        c[c0 + j] += x0 * bv;
        c[c1 + j] += x1 * bv;
        c[c2 + j] += x2 * bv;
        c[c3 + j] += x3 * bv;
      }
    }
  }
  for (; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const x = alpha * a[ai + p];
      if (x === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j];
    }
  }
}
