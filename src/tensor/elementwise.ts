/**
 * Element-wise and row-wise kernels over raw Float32Arrays, row-major, in TypeScript on every backend
 * (each is one pass over memory, bound by bandwidth, not arithmetic).
 */

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
