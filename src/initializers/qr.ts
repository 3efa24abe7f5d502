/**
 * The orthonormal factor Q of the thin QR decomposition of a [rows, cols] matrix (rows ≥ cols),
 * row-major, in float64, with R's diagonal made positive: the factor Keras's Orthogonal keeps
 * after multiplying Q by sign(diag(R)). Modified Gram-Schmidt gives that positive diagonal by
 * construction (each column's norm); a second pass against the earlier columns keeps Q orthonormal
 * to rounding ("twice is enough"). Returns Q, row-major [rows, cols].
 */
export function orthonormalColumns(a: Float64Array, rows: number, cols: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < cols; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i * cols + k] * q[i * cols + j];
        for (let i = 0; i < rows; i++) q[i * cols + j] -= dot * q[i * cols + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += q[i * cols + j] ** 2;
    norm = Math.sqrt(norm);
    // A normal matrix has independent columns with probability 1; a zero column stays zero.
    if (norm > 0) for (let i = 0; i < rows; i++) q[i * cols + j] /= norm;
  }
  return q;
}
