/**
 * Numeric kernels over raw Float32Arrays, row-major. The only hot loops in layerwise live here.
 */

export interface GemmOptions {
  /** A is stored as [k, m] and used transposed. */
  transA?: boolean;
  /** B is stored as [n, k] and used transposed. */
  transB?: boolean;
  alpha?: number;
  /** 0 overwrites C; 1 accumulates into it. */
  beta?: number;
}

/**
 * General matrix multiply: C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C.
 * Loop orders keep the innermost loop on contiguous memory for each transpose case. Zero entries
 * of A are skipped (ReLU outputs are often zero), so a NaN in B only spreads through non-zero A.
 */
export function gemm(
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

  if (!transB && transA) {
    // A is [k, m]: for each p, row p of A scales row p of B into every row of C.
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const bp = p * n;
      for (let i = 0; i < m; i++) {
        const aip = alpha * a[ap + i];
        if (aip === 0) continue;
        const ci = i * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
    return;
  }
  if (!transB) {
    // C[i, :] += alpha · A[i, p] · B[p, :], streaming rows of B.
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      const ai = i * k;
      for (let p = 0; p < k; p++) {
        const aip = alpha * a[ai + p];
        if (aip === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
    return;
  }
  // B is [n, k]: each C[i, j] is a dot product of a row of op(A) with a row of B.
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let sum = 0;
      if (transA) for (let p = 0; p < k; p++) sum += a[p * m + i] * b[bj + p];
      else {
        const ai = i * k;
        for (let p = 0; p < k; p++) sum += a[ai + p] * b[bj + p];
      }
      c[ci + j] += alpha * sum;
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
