import { describe, expect, it } from 'vitest';
import { initializers, LayerwiseError, LSTM, Rng } from 'layerwise';
import { getInitializer } from '../../src/initializers';

/** Row-major [rows, cols] product aᵀ · a (transposeFirst) or a · aᵀ, in float64. */
function gram(a: Float32Array, rows: number, cols: number, transposeFirst: boolean): Float64Array {
  const n = transposeFirst ? cols : rows;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      const len = transposeFirst ? rows : cols;
      for (let k = 0; k < len; k++) sum += transposeFirst ? a[k * cols + i] * a[k * cols + j] : a[i * cols + k] * a[j * cols + k];
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** The largest |g − gain² · I|. */
function offIdentity(g: Float64Array, n: number, gain = 1): number {
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(g[i * n + j] - (i === j ? gain * gain : 0)));
  return worst;
}

/**
 * Keras 3's rule, written here independently by Householder reflections in float64: QR of the
 * [max, min] normal matrix drawn row by row from the same stream, Q times sign(diag R).
 */
function kerasOrthogonal(rows: number, cols: number, seed: number, gain: number): Float64Array {
  const [m, n] = [Math.max(rows, cols), Math.min(rows, cols)];
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: m * n }, () => rng.normal());
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const alpha = a[k * n + k] > 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = a[i * n + k];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i] ** 2;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * a[i * n + j];
      for (let i = k; i < m; i++) a[i * n + j] -= (2 * dot * v[i]) / vv;
    }
    vs.push(Float64Array.from(v, (x) => x / Math.sqrt(vv)));
  }
  // Q = H_0 · H_1 · … · H_{n−1} applied to the first n columns of the identity.
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * q[i * n + j];
      for (let i = k; i < m; i++) q[i * n + j] -= 2 * dot * v[i];
    }
  }
  for (let j = 0; j < n; j++) if (a[j * n + j] < 0) for (let i = 0; i < m; i++) q[i * n + j] *= -1;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[rows >= cols ? i * cols + j : j * cols + i] = gain * q[i * n + j];
  return out;
}

describe('orthogonal', () => {
  it('gives orthonormal columns for a tall matrix and orthonormal rows for a wide one', () => {
    const tall = initializers.orthogonal().init([7, 3], new Rng(1)).data;
    expect(offIdentity(gram(tall, 7, 3, true), 3)).toBeLessThan(1e-6);
    const wide = initializers.orthogonal().init([3, 8], new Rng(2)).data;
    expect(offIdentity(gram(wide, 3, 8, false), 3)).toBeLessThan(1e-6);
    const square = initializers.orthogonal().init([16, 16], new Rng(3)).data;
    expect(offIdentity(gram(square, 16, 16, true), 16)).toBeLessThan(1e-5);
    expect(offIdentity(gram(square, 16, 16, false), 16)).toBeLessThan(1e-5);
  });

  it("equals Keras 3's rule (QR of a normal matrix, signs from R's diagonal) computed by Householder reflections", () => {
    for (const [rows, cols, seed, gain] of [[5, 3, 1, 1], [3, 5, 2, 1], [6, 6, 3, 0.5], [4, 12, 4, 2]] as const) {
      const ours = initializers.orthogonal({ gain }).init([rows, cols], new Rng(seed)).data;
      expect(ours).toBeAllClose(kerasOrthogonal(rows, cols, seed, gain), { rtol: 0, atol: 1e-6 });
    }
  });

  it('flattens the leading dimensions (a 3-D weight is [prod(leading), last])', () => {
    const w = initializers.orthogonal().init([2, 3, 4], new Rng(5));
    expect(w.shape).toEqual([2, 3, 4]);
    expect(offIdentity(gram(w.data, 6, 4, true), 4)).toBeLessThan(1e-6);
  });

  it('scales by gain, is seeded, and saves its config', () => {
    const w = initializers.orthogonal({ gain: 3, seed: 9 });
    const a = w.init([4, 4], new Rng(1)).data;
    expect(offIdentity(gram(a, 4, 4, true), 4, 3)).toBeLessThan(1e-5);
    // Its own seed wins over the generator it is given.
    expect(w.init([4, 4], new Rng(2)).data).toEqual(a);
    expect(w.className).toBe('Orthogonal');
    expect(w.config).toEqual({ gain: 3, seed: 9 });
    expect(getInitializer({ className: 'Orthogonal', config: { gain: 3, seed: 9 } }, 'test').init([4, 4], new Rng(3)).data).toEqual(a);
    expect(getInitializer('orthogonal', 'test').className).toBe('Orthogonal');
  });

  it('is the recurrent kernels\' default: an LSTM(4) recurrent_kernel [4, 16] has orthonormal rows', () => {
    const layer = new LSTM({ units: 4, seed: 1 });
    layer.build([3, 2]);
    const u = layer.getWeights()[1];
    expect(u.shape).toEqual([4, 16]);
    expect(offIdentity(gram(u.data, 4, 16, false), 4)).toBeLessThan(1e-6);
  });

  it('refuses a weight of one dimension, and bad options, naming itself', () => {
    expect(() => initializers.orthogonal().init([5], new Rng(1))).toThrow(LayerwiseError);
    expect(() => initializers.orthogonal().init([5], new Rng(1))).toThrow(/^orthogonal: the weight to initialize must have at least 2 dimensions/);
    expect(() => initializers.orthogonal({ gian: 2 } as never)).toThrow(/orthogonal.*gain/);
    expect(() => initializers.orthogonal({ gain: Infinity })).toThrow(/^orthogonal: gain must be a finite number/);
  });
});
