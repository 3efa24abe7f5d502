import { describe, expect, it } from 'vitest';
import { randomUniform, Rng } from 'layerwise';
import { axisWindow, pair, tapInput, UNIT_AXIS, windowEnd, windowFirst, windowStart, type Padding } from '../../src/tensor/conv-geometry';
import { crop2d, pad2d } from '../../src/tensor/conv';
import { col2im, im2col } from '../../src/tensor/js/conv';
import { channelMoments, normalize, normalizeBackward } from '../../src/tensor/normalization';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../../src/tensor/pooling';
import { dot, naiveIm2col, naivePool, tap, window2d } from '../helpers/reference';

const random = (length: number, seed: number, lo = -1, hi = 1): Float32Array => randomUniform([length], lo, hi, new Rng(seed)).data;

describe('axisWindow', () => {
  it("'valid': floor((in − span) / stride) + 1 positions, no padding; undefined when the window does not fit", () => {
    expect(axisWindow(5, 3, 1, 1, 'valid')).toEqual({ input: 5, output: 3, size: 3, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 });
    expect(axisWindow(7, 3, 2, 1, 'valid')).toMatchObject({ output: 3, padBefore: 0, padAfter: 0 });
    expect(axisWindow(8, 3, 2, 1, 'valid')).toMatchObject({ output: 3 });
    // Dilation 2 spreads a 3-tap kernel over 5 inputs.
    expect(axisWindow(5, 3, 1, 2, 'valid')).toMatchObject({ output: 1 });
    expect(axisWindow(4, 3, 1, 2, 'valid')).toBeUndefined();
    expect(axisWindow(4, 5, 1, 1, 'valid')).toBeUndefined();
    expect(axisWindow(4, 4, 3, 1, 'valid')).toMatchObject({ output: 1 });
    // TensorFlow's documented example: in 13, k 6, stride 5 → 2 positions.
    expect(axisWindow(13, 6, 5, 1, 'valid')).toMatchObject({ output: 2 });
  });

  it("'same': ceil(in / stride) positions; odd padding goes after (TensorFlow's asymmetric case)", () => {
    expect(axisWindow(5, 3, 1, 1, 'same')).toMatchObject({ output: 5, padBefore: 1, padAfter: 1 });
    // Even kernel, stride 1: total 1, all after.
    expect(axisWindow(4, 2, 1, 1, 'same')).toMatchObject({ output: 4, padBefore: 0, padAfter: 1 });
    // Even kernel, stride 2: in 5 → 3 positions, total (3 − 1)·2 + 2 − 5 = 1 → 0 before, 1 after.
    expect(axisWindow(5, 2, 2, 1, 'same')).toMatchObject({ output: 3, padBefore: 0, padAfter: 1 });
    // in 6, k 2, stride 2: the windows tile exactly, no padding.
    expect(axisWindow(6, 2, 2, 1, 'same')).toMatchObject({ output: 3, padBefore: 0, padAfter: 0 });
    // in 7, k 4, stride 2 → 4 positions, total 6 + 4 − 7 = 3 → 1 before, 2 after.
    expect(axisWindow(7, 4, 2, 1, 'same')).toMatchObject({ output: 4, padBefore: 1, padAfter: 2 });
    // TensorFlow's documented example: in 13, k 6, stride 5 → 3 positions, pad 1 left and 2 right.
    expect(axisWindow(13, 6, 5, 1, 'same')).toMatchObject({ output: 3, padBefore: 1, padAfter: 2 });
    // Dilation 2 with k 3: span 5, total 4 → 2 and 2.
    expect(axisWindow(6, 3, 1, 2, 'same')).toMatchObject({ output: 6, padBefore: 2, padAfter: 2 });
    // A window larger than the input still fits with 'same'.
    expect(axisWindow(2, 5, 1, 1, 'same')).toMatchObject({ output: 2, padBefore: 2, padAfter: 2 });
    // Stride larger than the window: no padding needed can mean a negative total, clamped to 0.
    expect(axisWindow(7, 1, 3, 1, 'same')).toMatchObject({ output: 3, padBefore: 0, padAfter: 0 });
  });

  it("every size 1–12, window 1–5, stride 1–3, dilation 1–2 agrees with TF's formulas", () => {
    for (let input = 1; input <= 12; input++)
      for (let size = 1; size <= 5; size++)
        for (let stride = 1; stride <= 3; stride++)
          for (let dilation = 1; dilation <= 2; dilation++) {
            const span = (size - 1) * dilation + 1;
            // valid: out = ceil((in − span + 1) / stride) when the window fits.
            const valid = axisWindow(input, size, stride, dilation, 'valid');
            if (input < span) expect(valid).toBeUndefined();
            else expect(valid).toEqual({ input, size, stride, dilation, output: Math.ceil((input - span + 1) / stride), padBefore: 0, padAfter: 0 });
            // same: out = ceil(in / stride), total = max((out − 1)·stride + (k − 1)·d + 1 − in, 0), before = floor(total / 2).
            const out = Math.ceil(input / stride);
            const total = Math.max((out - 1) * stride + (size - 1) * dilation + 1 - input, 0);
            const same = axisWindow(input, size, stride, dilation, 'same')!;
            expect(same).toEqual({ input, size, stride, dilation, output: out, padBefore: Math.floor(total / 2), padAfter: total - Math.floor(total / 2) });
            // Every window of 'same' reads at least one real input (pooling relies on it).
            if (dilation === 1) {
              for (let o = 0; o < out; o++) expect(tap(same, o, 0) < input && tap(same, o, size - 1) >= 0).toBe(true);
            }
          }
  });

  it("'causal' pads (size − 1) · dilation before and nothing after, so output t reads inputs up to t", () => {
    // Kernel 3, dilation 2: 4 zeros before; with stride 1 the output is as long as the input.
    expect(axisWindow(6, 3, 1, 2, 'causal')).toEqual({ input: 6, output: 6, size: 3, stride: 1, dilation: 2, padBefore: 4, padAfter: 0 });
    // Stride 2 over 7 steps: windows end at inputs 0, 2, 4, 6 (floor((7 − 1) / 2) + 1 = 4 outputs).
    expect(axisWindow(7, 2, 2, 1, 'causal')).toMatchObject({ output: 4, padBefore: 1, padAfter: 0 });
    for (let input = 1; input <= 12; input++)
      for (let size = 1; size <= 5; size++)
        for (let stride = 1; stride <= 3; stride++)
          for (let dilation = 1; dilation <= 3; dilation++) {
            const a = axisWindow(input, size, stride, dilation, 'causal')!;
            // Causal is 'valid' over the input with span − 1 zeros in front (Keras's rule).
            const padded = axisWindow(input + (size - 1) * dilation, size, stride, dilation, 'valid')!;
            expect(a.output).toBe(padded.output);
            // The last tap of output o is input o · stride: never a later one.
            for (let o = 0; o < a.output; o++) expect(tapInput(a, o, size - 1)).toBe(o * stride);
          }
  });

  it('the window helpers place taps and clip undilated windows, for every padding', () => {
    // 'same', input 5, window 3, stride 2: windows start at −1, 1, 3.
    const same = axisWindow(5, 3, 2, 1, 'same')!;
    expect([0, 1, 2].map((o) => windowStart(same, o))).toEqual([-1, 1, 3]);
    expect([0, 1, 2].map((o) => [0, 1, 2].map((k) => tapInput(same, o, k)))).toEqual([[-1, 0, 1], [1, 2, 3], [3, 4, -1]]);
    expect([0, 1, 2].map((o) => [windowFirst(same, o), windowEnd(same, o)])).toEqual([[0, 2], [1, 4], [3, 5]]);
    // Dilation 2 skips inputs; taps in the padding are −1.
    const dilated = axisWindow(6, 3, 1, 2, 'same')!;
    expect([0, 1, 2].map((k) => tapInput(dilated, 0, k))).toEqual([-1, 0, 2]);
    expect([0, 1, 2].map((k) => tapInput(dilated, 5, k))).toEqual([3, 5, -1]);
    // Against a direct count over many windows: the clipped range holds exactly the taps inside the input.
    for (const padding of ['valid', 'same', 'causal'] as const)
      for (let input = 1; input <= 9; input++)
        for (let size = 1; size <= 4; size++)
          for (let stride = 1; stride <= 3; stride++) {
            const a = axisWindow(input, size, stride, 1, padding);
            if (!a) continue;
            for (let o = 0; o < a.output; o++) {
              const inside = Array.from({ length: size }, (_, k) => tapInput(a, o, k)).filter((i) => i >= 0);
              expect(inside).toEqual(Array.from({ length: windowEnd(a, o) - windowFirst(a, o) }, (_, i) => windowFirst(a, o) + i));
            }
          }
    // A rank-1 window is a rank-2 one with this trivial height.
    expect(tapInput(UNIT_AXIS, 0, 0)).toBe(0);
    expect([windowFirst(UNIT_AXIS, 0), windowEnd(UNIT_AXIS, 0)]).toEqual([0, 1]);
  });

  it('pair reads one number as a square and keeps a pair', () => {
    expect(pair(3)).toEqual([3, 3]);
    expect(pair([2, 5])).toEqual([2, 5]);
  });
});

/** The geometries im2col, col2im and the pooling kernels are checked on: odd and even sizes and windows, strides 1–3, dilation 1–2. */
const GEOMETRIES: { image: number[]; kernel: number[]; strides: number[]; dilation: number[]; padding: Padding }[] = [
  { image: [2, 5, 5, 1], kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid' },
  { image: [2, 5, 5, 2], kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' },
  { image: [1, 6, 7, 3], kernel: [2, 2], strides: [2, 2], dilation: [1, 1], padding: 'same' },
  { image: [2, 7, 6, 2], kernel: [4, 3], strides: [2, 3], dilation: [1, 1], padding: 'same' },
  { image: [1, 8, 9, 1], kernel: [3, 2], strides: [3, 2], dilation: [1, 1], padding: 'valid' },
  { image: [2, 7, 7, 2], kernel: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'valid' },
  { image: [1, 6, 8, 3], kernel: [2, 3], strides: [1, 1], dilation: [2, 1], padding: 'same' },
  { image: [2, 5, 4, 2], kernel: [2, 2], strides: [3, 3], dilation: [2, 2], padding: 'same' },
  { image: [1, 3, 4, 2], kernel: [5, 5], strides: [1, 2], dilation: [1, 1], padding: 'same' },
  { image: [3, 4, 4, 1], kernel: [4, 4], strides: [1, 1], dilation: [1, 1], padding: 'valid' },
];
const label = ({ image, kernel, strides, dilation, padding }: (typeof GEOMETRIES)[number]) =>
  `${image.join('x')} ${kernel.join('x')} stride ${strides.join('x')} dilation ${dilation.join('x')} ${padding}`;

describe('im2col and col2im', () => {
  for (const [i, c] of GEOMETRIES.entries()) {
    const g = window2d(c.image, c.kernel, c.strides, c.dilation, c.padding);
    const rows = g.batch * g.h.output * g.w.output;
    const depth = g.h.size * g.w.size * g.channels;
    const inputSize = c.image.reduce((a, b) => a * b);

    it(`${label(c)}: im2col equals the definition (exactly: it only copies)`, () => {
      const x = random(inputSize, 100 + i);
      const col = new Float32Array(rows * depth).fill(NaN); // padding entries must be written, not left
      im2col(x, g, col);
      expect(Array.from(col)).toEqual(Array.from(naiveIm2col(x, g)));
    });

    it(`${label(c)}: col2im is the adjoint, ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ (rtol 1e-5, float64 dot products)`, () => {
      const x = random(inputSize, 200 + i);
      const cols = random(rows * depth, 300 + i);
      const col = new Float32Array(rows * depth);
      im2col(x, g, col);
      const dx = new Float32Array(inputSize).fill(7); // overwritten, not accumulated into
      col2im(cols, g, dx);
      expect(dot(x, dx)).toBeAllClose(dot(col, cols), { rtol: 1e-5, atol: 1e-5 });
      // And against the scatter by definition: dx[tap] += col for every tap inside the image.
      const expected = new Float64Array(inputSize);
      const reference = naiveIm2col(Float64Array.from({ length: inputSize }, (_, j) => j + 1), g); // each entry names its source (+1)
      reference.forEach((source, j) => source > 0 && (expected[source - 1] += cols[j]));
      expect(dx).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-6 });
    });
  }
});

describe('pad2d and crop2d', () => {
  it('pads a 2x2 image with 1 row on top, 2 below, 0 left and 1 right, per channel', () => {
    // x = [[1, 2], [3, 4]] in channel 0 and ×10 in channel 1.
    const x = Float32Array.of(1, 10, 2, 20, 3, 30, 4, 40);
    const p = { top: 1, bottom: 2, left: 0, right: 1 };
    const y = new Float32Array(5 * 3 * 2).fill(9);
    pad2d(x, [1, 2, 2, 2], p, y);
    const channel = (k: number) => Array.from(y.filter((_, i) => i % 2 === k));
    expect(channel(0)).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0]);
    expect(channel(1)).toEqual([0, 0, 0, 10, 20, 0, 30, 40, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('crop2d takes the middle back (crop(pad(x)) = x) and is the adjoint of pad2d, for batches', () => {
    const shape = [3, 4, 5, 2];
    const p = { top: 2, bottom: 0, left: 1, right: 3 };
    const padded = 3 * 6 * 9 * 2;
    const x = random(120, 1);
    const y = new Float32Array(padded);
    pad2d(x, shape, p, y);
    const back = new Float32Array(120);
    crop2d(y, shape, p, back);
    expect(Array.from(back)).toEqual(Array.from(x));
    const dy = random(padded, 2);
    crop2d(dy, shape, p, back);
    // Both sides sum the same float32 products in float64: equal up to rounding (rtol 1e-6).
    expect(dot(y, dy)).toBeAllClose(dot(x, back), { rtol: 1e-6, atol: 1e-6 });
  });

  it('zero padding on every side is a copy', () => {
    const x = random(24, 3);
    const y = new Float32Array(24);
    pad2d(x, [2, 3, 2, 2], { top: 0, bottom: 0, left: 0, right: 0 }, y);
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});

describe('maxPool, avgPool and their backward passes', () => {
  it("avgPool 2x2 stride 2 'same' on a 3x3 image counts only the real inputs (TF's rule)", () => {
    // [[1, 2, 3], [4, 5, 6], [7, 8, 9]]: padding 0 before, 1 after, so the windows are
    // {1, 2, 4, 5}, {3, 6}, {7, 8}, {9}: means 3, 4.5, 7.5, 9 (with padding counted: 3, 2.25, 3.75, 2.25).
    const g = window2d([1, 3, 3, 1], [2, 2], [2, 2], [1, 1], 'same');
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const y = new Float32Array(4);
    avgPool(x, g, y);
    expect(Array.from(y)).toEqual([3, 4.5, 7.5, 9]);
    // Each window's gradient is shared among its own inputs only.
    const dx = new Float32Array(9);
    avgPoolBackward(Float32Array.of(4, 2, 2, 1), g, dx);
    expect(Array.from(dx)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // Max over the same windows; all inputs negative, so a padding 0 would win if it counted.
    const m = new Float32Array(4);
    const argmax = new Int32Array(4);
    maxPool(x.map((v) => -v), g, m, argmax);
    expect(Array.from(m)).toEqual([-1, -3, -7, -9]);
    expect(Array.from(argmax)).toEqual([0, 2, 6, 8]);
  });

  it('maxPool routes gradients to the winners and sums them where windows overlap', () => {
    // 1x4 image [1, 5, 2, 0], window 1x3 stride 1: both windows pick the 5.
    const g = window2d([1, 1, 4, 1], [1, 3], [1, 1], [1, 1], 'valid');
    const y = new Float32Array(2);
    const argmax = new Int32Array(2);
    maxPool(Float32Array.of(1, 5, 2, 0), g, y, argmax);
    expect(Array.from(y)).toEqual([5, 5]);
    const dx = new Float32Array(4).fill(3);
    maxPoolBackward(Float32Array.of(0.5, 2), argmax, dx);
    expect(Array.from(dx)).toEqual([0, 2.5, 0, 0]);
  });

  // Pooling windows have no dilation; sizes that are not multiples of the window, and overlapping windows.
  const pools = GEOMETRIES.filter((c) => c.dilation.every((d) => d === 1));
  for (const [i, c] of pools.entries()) {
    const g = window2d(c.image, c.kernel, c.strides, [1, 1], c.padding);
    const inputSize = c.image.reduce((a, b) => a * b);
    const outputSize = g.batch * g.h.output * g.w.output * g.channels;

    it(`${label(c)}: maxPool and maxPoolBackward equal the definition (exactly)`, () => {
      const x = random(inputSize, 400 + i);
      const y = new Float32Array(outputSize);
      const argmax = new Int32Array(outputSize);
      maxPool(x, g, y, argmax);
      const reference = naivePool(x, g, 'max');
      expect(Array.from(y)).toEqual(Array.from(reference.y));
      expect(Array.from(argmax)).toEqual(reference.argmax);
      const dy = random(outputSize, 500 + i);
      const dx = new Float32Array(inputSize);
      maxPoolBackward(dy, argmax, dx);
      const expected = new Float64Array(inputSize);
      reference.argmax.forEach((at, j) => (expected[at] += dy[j]));
      expect(dx).toBeAllClose(expected, { rtol: 1e-6, atol: 1e-7 });
    });

    it(`${label(c)}: avgPool equals the mean of the covered inputs; avgPoolBackward is its adjoint (rtol 1e-5)`, () => {
      const x = random(inputSize, 600 + i);
      const y = new Float32Array(outputSize);
      avgPool(x, g, y);
      expect(y).toBeAllClose(naivePool(x, g, 'average').y, { rtol: 1e-6, atol: 1e-7 });
      const dy = random(outputSize, 700 + i);
      const dx = new Float32Array(inputSize).fill(5);
      avgPoolBackward(dy, g, dx);
      expect(dot(x, dx)).toBeAllClose(dot(y, dy), { rtol: 1e-5, atol: 1e-5 });
    });
  }
});

describe('batch-normalization kernels against a direct float64 computation', () => {
  const rows = 37;
  const c = 3;
  // Channels with different offsets and spreads, so that a mix-up of channels shows.
  const x = random(rows * c, 9, -1, 1).map((v, i) => [0.5, -3, 10][i % c] + [1, 0.1, 4][i % c] * v);
  const column = (data: ArrayLike<number>, k: number) => Array.from({ length: rows }, (_, r) => data[r * c + k]);
  const mean64 = [0, 1, 2].map((k) => column(x, k).reduce((s, v) => s + v, 0) / rows);
  const var64 = [0, 1, 2].map((k) => column(x, k).reduce((s, v) => s + (v - mean64[k]) ** 2, 0) / rows);
  const eps = 1e-3;

  it('channelMoments: per-channel mean and biased variance (divided by N) (rtol 1e-6)', () => {
    const mean = new Float32Array(c);
    const variance = new Float32Array(c);
    channelMoments(x, mean, variance);
    expect(mean).toBeAllClose(mean64, { rtol: 1e-6, atol: 1e-7 });
    expect(variance).toBeAllClose(var64, { rtol: 1e-6, atol: 1e-7 });
  });

  it('normalize: xhat = (x − mean) / √(var + eps), y = gamma · xhat + beta; without gamma and beta y = xhat (rtol 1e-5)', () => {
    const mean = Float32Array.from(mean64);
    const invStd = Float32Array.from(var64, (v) => 1 / Math.sqrt(v + eps));
    const gamma = Float32Array.of(2, -0.5, 1.5);
    const beta = Float32Array.of(0.1, 0, -3);
    const xhat = new Float32Array(rows * c);
    const y = new Float32Array(rows * c);
    normalize(x, mean, invStd, gamma, beta, xhat, y);
    const xhat64 = Array.from(x, (v, i) => (v - mean64[i % c]) / Math.sqrt(var64[i % c] + eps));
    expect(xhat).toBeAllClose(xhat64, { rtol: 1e-5, atol: 1e-5 });
    expect(y).toBeAllClose(xhat64.map((h, i) => gamma[i % c] * h + beta[i % c]), { rtol: 1e-5, atol: 1e-5 });
    normalize(x, mean, invStd, undefined, undefined, xhat, y);
    expect(y).toBeAllClose(xhat64, { rtol: 1e-5, atol: 1e-5 });
  });

  /**
   * The textbook chain rule through the batch mean μ and variance σ² (Ioffe and Szegedy, 2015), in
   * float64 from x itself: dxhat = dy · γ; dσ² = Σ dxhat · (x − μ) · −½ (σ² + ε)^−3/2;
   * dμ = Σ −dxhat / √(σ² + ε) + dσ² · Σ −2 (x − μ) / N; dx = dxhat / √(σ² + ε) + dσ² · 2 (x − μ) / N + dμ / N.
   */
  function textbookBackward(dy: Float32Array, gamma: ArrayLike<number>): { dx: Float64Array; dGamma: number[]; dBeta: number[] } {
    const dx = new Float64Array(rows * c);
    const dGamma = [0, 0, 0];
    const dBeta = [0, 0, 0];
    for (let k = 0; k < c; k++) {
      const std = Math.sqrt(var64[k] + eps);
      let dVar = 0;
      let dMean = 0;
      let centred = 0;
      for (let r = 0; r < rows; r++) {
        const [xi, g] = [x[r * c + k] - mean64[k], dy[r * c + k]];
        dVar += g * gamma[k] * xi * -0.5 * std ** -3;
        dMean += (-g * gamma[k]) / std;
        centred += -2 * xi;
        dGamma[k] += (g * xi) / std;
        dBeta[k] += g;
      }
      dMean += (dVar * centred) / rows;
      for (let r = 0; r < rows; r++) {
        const xi = x[r * c + k] - mean64[k];
        dx[r * c + k] = (dy[r * c + k] * gamma[k]) / std + (dVar * 2 * xi) / rows + dMean / rows;
      }
    }
    return { dx, dGamma, dBeta };
  }

  for (const withGamma of [true, false]) {
    it(`normalizeBackward with batch statistics${withGamma ? '' : ' and no gamma'}: dx, and dGamma, dBeta accumulated (rtol 1e-4)`, () => {
      const mean = new Float32Array(c);
      const variance = new Float32Array(c);
      channelMoments(x, mean, variance);
      const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
      const gamma = withGamma ? Float32Array.of(2, -0.5, 1.5) : undefined;
      const xhat = new Float32Array(rows * c);
      normalize(x, mean, invStd, gamma, undefined, xhat, new Float32Array(rows * c));
      const dy = random(rows * c, 10);
      const dx = new Float32Array(rows * c);
      const dGamma = Float32Array.of(1, 1, 1);
      const dBeta = Float32Array.of(-1, -1, -1);
      normalizeBackward(dy, xhat, invStd, gamma, true, dx, dGamma, dBeta);
      const expected = textbookBackward(dy, gamma ?? [1, 1, 1]);
      // dx is a small difference of large sums: compared with an absolute floor scaled to |γ| / σ.
      expect(dx).toBeAllClose(expected.dx, { rtol: 1e-4, atol: 1e-4 });
      expect(dGamma).toBeAllClose(expected.dGamma.map((v) => v + 1), { rtol: 1e-4, atol: 1e-5 });
      expect(dBeta).toBeAllClose(expected.dBeta.map((v) => v - 1), { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('normalizeBackward with fixed statistics (inference): dx = gamma · invStd · dy; no gamma or beta to update', () => {
    const invStd = Float32Array.of(0.5, 2, 0.25);
    const gamma = Float32Array.of(2, -0.5, 1.5);
    const dy = random(rows * c, 11);
    const xhat = random(rows * c, 12);
    const dx = new Float32Array(rows * c);
    normalizeBackward(dy, xhat, invStd, gamma, false, dx, undefined, undefined);
    expect(dx).toBeAllClose(Array.from(dy, (v, i) => gamma[i % c] * invStd[i % c] * v), { rtol: 1e-6, atol: 1e-7 });
    const dGamma = new Float32Array(c);
    normalizeBackward(dy, xhat, invStd, undefined, false, dx, dGamma, undefined);
    expect(dx).toBeAllClose(Array.from(dy, (v, i) => invStd[i % c] * v), { rtol: 1e-6, atol: 1e-7 });
    expect(dGamma).toBeAllClose([0, 1, 2].map((k) => column(dy, k).reduce((s, v, r) => s + v * xhat[r * c + k], 0)), { rtol: 1e-5, atol: 1e-6 });
  });
});
