/**
 * Batch-normalization kernels over data whose last axis holds `channels` values per row.
 */

/** Two float64 accumulators per channel, grown as needed and reused, so a training step allocates nothing. */
let scratch = new Float64Array(0);

function accumulators(channels: number): [Float64Array, Float64Array] {
  if (scratch.length < 2 * channels) scratch = new Float64Array(2 * channels);
  const first = scratch.subarray(0, channels);
  const second = scratch.subarray(channels, 2 * channels);
  first.fill(0);
  second.fill(0);
  return [first, second];
}

/** Per-channel mean and (biased) variance over all rows, in float64 sums. */
export function channelMoments(x: Float32Array, mean: Float32Array, variance: Float32Array): void {
  const c = mean.length;
  const rows = x.length / c;
  const [sum, sumSq] = accumulators(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let k = 0; k < c; k++) sum[k] += x[o + k];
  }
  for (let k = 0; k < c; k++) mean[k] = sum[k] / rows;
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let k = 0; k < c; k++) {
      const d = x[o + k] - mean[k];
      sumSq[k] += d * d;
    }
  }
  for (let k = 0; k < c; k++) variance[k] = sumSq[k] / rows;
}

/** xhat = (x − mean) · invStd; y = gamma · xhat + beta (gamma 1 and beta 0 when absent). */
export function normalize(
  x: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array | undefined,
  beta: Float32Array | undefined,
  xhat: Float32Array,
  y: Float32Array,
): void {
  const c = mean.length;
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const h = (x[i + k] - mean[k]) * invStd[k];
      xhat[i + k] = h;
      y[i + k] = (gamma ? gamma[k] * h : h) + (beta ? beta[k] : 0);
    }
  }
}

/**
 * Gradients of batch normalization. dGamma += Σ dy · xhat, dBeta += Σ dy. With `batchStatistics`
 * (training), the mean and variance depend on x too:
 *   dx = gamma · invStd / N · (N · dy − Σ dy − xhat · Σ dy · xhat)
 * otherwise (moving statistics) dx = gamma · invStd · dy.
 */
export function normalizeBackward(
  dy: Float32Array,
  xhat: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array | undefined,
  batchStatistics: boolean,
  dx: Float32Array,
  dGamma: Float32Array | undefined,
  dBeta: Float32Array | undefined,
): void {
  const c = invStd.length;
  const rows = dy.length / c;
  const [sumDy, sumDyXhat] = accumulators(c);
  for (let i = 0; i < dy.length; i += c) {
    for (let k = 0; k < c; k++) {
      sumDy[k] += dy[i + k];
      sumDyXhat[k] += dy[i + k] * xhat[i + k];
    }
  }
  for (let k = 0; k < c; k++) {
    if (dGamma) dGamma[k] += sumDyXhat[k];
    if (dBeta) dBeta[k] += sumDy[k];
  }
  for (let i = 0; i < dy.length; i += c) {
    for (let k = 0; k < c; k++) {
      const scale = (gamma ? gamma[k] : 1) * invStd[k];
      dx[i + k] = batchStatistics
        ? (scale / rows) * (rows * dy[i + k] - sumDy[k] - xhat[i + k] * sumDyXhat[k])
        : scale * dy[i + k];
    }
  }
}
