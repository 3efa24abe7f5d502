/**
 * Numeric kernels over raw Float32Arrays, row-major. The only hot loops in layerwise live here
 * (and in their WebAssembly twins, wasm/kernels.wat, which `getBackend()` selects).
 */
import { getBackend } from './backend';
import { wasmKernels } from './wasm/wasm-backend';

export interface GemmOptions {
  /** A is stored as [k, m] and used transposed. */
  transA?: boolean;
  /** B is stored as [n, k] and used transposed. */
  transB?: boolean;
  alpha?: number;
  /** 0 overwrites C; 1 accumulates into it. */
  beta?: number;
}

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
 * General matrix multiply: C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C.
 * On the 'wasm' backend, a packed, register-blocked WebAssembly SIMD kernel; on 'js', `gemmJs`.
 */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, options: GemmOptions = {}): void {
  if (getBackend() === 'wasm') gemmWasm(a, b, c, m, n, k, options);
  else gemmJs(a, b, c, m, n, k, options);
}

/** gemm on the WebAssembly SIMD kernels (which must be available). */
export function gemmWasm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions = {},
): void {
  if (m === 0 || n === 0) return;
  wasmKernels()!.gemm(a, b, c, m, n, k, transA, transB, alpha, beta);
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

/** out[r, c] = x[r, c] + bias[c] for `rows` rows of `bias.length` columns. */
export function addRowVector(x: Float32Array, bias: Float32Array, out: Float32Array, rows: number): void {
  const cols = bias.length;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[o + c] = x[o + c] + bias[c];
  }
}

/** into[c] += sum over rows of x[r, c]: the bias gradient. */
export function accumulateColumnSums(x: Float32Array, into: Float32Array, rows: number): void {
  const cols = into.length;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) into[c] += x[o + c];
  }
}

/** y[i] += a · x[i]. */
export function axpy(a: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

/** out[i] = x[i] · y[i]. */
export function multiply(x: Float32Array, y: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i] * y[i];
}

/** Copies rows `indices[start..end)` of a [*, rowSize] array into consecutive rows of `out`. */
export function gatherRows(
  src: Float32Array,
  rowSize: number,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  out: Float32Array,
): void {
  for (let r = start; r < end; r++) {
    const from = indices[r] * rowSize;
    out.set(src.subarray(from, from + rowSize), (r - start) * rowSize);
  }
}

/** Fills `mask` with 0 (probability `rate`) or 1 / (1 − rate): inverted dropout's scales. */
export function dropoutMask(mask: Float32Array, rate: number, uniform: () => number): void {
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = uniform() < rate ? 0 : keep;
}

/** Leaky ReLU with one slope per unit: y = x > 0 ? x : alpha[j] · x, where j cycles over alpha. */
export function prelu(x: Float32Array, alpha: Float32Array, y: Float32Array): void {
  const units = alpha.length;
  for (let start = 0; start < x.length; start += units) {
    for (let j = 0; j < units; j++) {
      const v = x[start + j];
      y[start + j] = v > 0 ? v : alpha[j] * v;
    }
  }
}

/** PReLU's gradients: dx = dy · (x > 0 ? 1 : alpha[j]); dAlpha[j] += Σ dy · x over x ≤ 0. */
export function preluBackward(x: Float32Array, alpha: Float32Array, dy: Float32Array, dx: Float32Array, dAlpha: Float32Array): void {
  const units = alpha.length;
  for (let start = 0; start < x.length; start += units) {
    for (let j = 0; j < units; j++) {
      const v = x[start + j];
      const g = dy[start + j];
      if (v > 0) dx[start + j] = g;
      else {
        dx[start + j] = alpha[j] * g;
        dAlpha[j] += v * g;
      }
    }
  }
}

/**
 * Marks the columns of a [rows, columns] array that exceed `threshold` in some row:
 * active[j] = 1 where x[r, j] > threshold for any r, with columns = active.length. Entries already
 * marked stay marked, so calls over the batches of an epoch OR together.
 */
export function markActiveColumns(x: Float32Array, threshold: number, active: Uint8Array): void {
  const columns = active.length;
  for (let start = 0; start < x.length; start += columns) {
    for (let j = 0; j < columns; j++) if (x[start + j] > threshold) active[j] = 1;
  }
}
