/**
 * Parity of LayerNormalization and the noise layers with TF.js (@tensorflow/tfjs 4.22, cpu
 * backend), every TF.js value computed inside the test by TF.js's own layers.
 *
 * LayerNormalization: forward and the gradients of L = Σ w ⊙ y with respect to the input, gamma and
 * beta (`tf.variableGrads` through the TF.js layer) over random shapes, axes and epsilons from a
 * seeded generator, on both layerwise kernel backends; center or scale false against a float64
 * reference written below (forward, and gradients by float64 central differences), since TF.js
 * 4.22's fit fails there (verified).
 *
 * Noise layers: TF.js's random bits cannot be reproduced, so what is compared is what does not
 * depend on them: the identity in inference; the values AlphaDropout takes on a constant input
 * (kept a · x + b in both; dropped a · α' + b in Keras 3 and layerwise, but a · (−α') + b in TF.js
 * 4.22, a sign slip there, verified); the structure of SpatialDropout1D's and Dropout's
 * noiseShape masks; and the statistics of the noise over large draws, in both libraries against
 * the same expected values. TF.js 4.22 has no SpatialDropout2D (verified).
 *
 * Tolerance of the deterministic comparisons: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AlphaDropout,
  Dropout,
  GaussianDropout,
  GaussianNoise,
  LayerNormalization,
  randomUniform,
  Rng,
  Sequential,
  setBackend,
  SpatialDropout1D,
  tensor,
  type Layer,
  type Tensor,
} from 'layerwise';
import { moments } from '../helpers/noise';
import { BACKENDS, CLOSE, generator, ours, toTf, useTfjsCpu } from './parity-helpers';

/** SELU's saturation α' = −scale · alpha, as Keras 3 writes it. */
const ALPHA_P = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717;
const CASES = 12;

useTfjsCpu('all');

// ------------------------------------------------------------------------------------------------
// LayerNormalization
// ------------------------------------------------------------------------------------------------

interface NormCase {
  shape: number[];
  axis: number | number[];
  epsilon: number;
  center: boolean;
  scale: boolean;
}

/** A random case: per-sample rank 1 to 3, a random non-empty set of axes (some negative, in any order). */
function normCase(int: (lo: number, hi: number) => number, rng: Rng, center = true, scale = true): NormCase {
  const rank = int(1, 3);
  const shape = [int(1, 3), ...Array.from({ length: rank }, () => int(2, 4))];
  const axes = rng.shuffle(Array.from({ length: rank }, (_, i) => i + 1)).slice(0, int(1, rank)).map((a) => (rng.uniform() < 0.5 ? a - rank - 1 : a));
  const epsilon = [1e-3, 1e-5, 0.1][int(0, 2)];
  return { shape, axis: axes.length === 1 && rng.uniform() < 0.5 ? axes[0] : axes, epsilon, center, scale };
}

/** The layerwise layer with random gamma and beta, built for the case. */
function ourNorm(c: NormCase, weights: Tensor[]): LayerNormalization {
  const layer = new LayerNormalization({ axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale, inputShape: c.shape.slice(1) });
  new Sequential({ layers: [layer] });
  layer.setWeights(weights);
  return layer;
}

/** The weights of a case: gamma in [0.5, 1.5], beta in [-1, 1], of the axes' sizes in the order given. */
function normWeights(c: NormCase, rng: Rng): Tensor[] {
  const rank = c.shape.length;
  const shape = (typeof c.axis === 'number' ? [c.axis] : c.axis).map((a) => c.shape[a < 0 ? a + rank : a]);
  return [...(c.scale ? [randomUniform(shape, 0.5, 1.5, rng)] : []), ...(c.center ? [randomUniform(shape, -1, 1, rng)] : [])];
}

/** TF.js: y and the gradients of Σ w ⊙ y for x, gamma and beta, through its LayerNormalization. */
function theirNorm(c: NormCase, weights: Tensor[], x: Tensor, w: Tensor): { y: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const layer = tf.layers.layerNormalization({ axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale });
    layer.apply(toTf(x));
    layer.setWeights(weights.map(toTf));
    const xVar = tf.variable(toTf(x));
    const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const wT = toTf(w);
    const y = layer.apply(xVar) as tf.Tensor;
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xVar) as tf.Tensor, wT)) as tf.Scalar, [xVar, ...vars]);
    const out = { y: Float32Array.from(y.dataSync()), grads: [xVar, ...vars].map((v) => Float32Array.from(grads[v.name].dataSync())) };
    xVar.dispose();
    return out;
  });
}

/**
 * Keras 3's layer normalization in float64: for each sample and each position along the other
 * axes, the mean and biased variance over `axis`; y = gamma · (x − mean) / √(var + epsilon) + beta,
 * with gamma and beta laid out over the normalized axes in the input's order.
 */
function normReference(c: NormCase, x: ArrayLike<number>, gamma?: ArrayLike<number>, beta?: ArrayLike<number>): Float64Array {
  const rank = c.shape.length;
  const axes = new Set((typeof c.axis === 'number' ? [c.axis] : c.axis).map((a) => (a < 0 ? a + rank : a)));
  const strides = c.shape.map((_, i) => c.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const groups = new Map<number, number[]>();
  const param: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const index = c.shape.map((d, a) => Math.floor(i / strides[a]) % d);
    let key = 0;
    let p = 0;
    index.forEach((v, a) => (axes.has(a) ? (p = p * c.shape[a] + v) : (key = key * c.shape[a] + v)));
    param.push(p);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const y = new Float64Array(x.length);
  for (const members of groups.values()) {
    const mean = members.reduce((s, i) => s + x[i], 0) / members.length;
    const variance = members.reduce((s, i) => s + (x[i] - mean) ** 2, 0) / members.length;
    for (const i of members) y[i] = (gamma ? gamma[param[i]] : 1) * ((x[i] - mean) / Math.sqrt(variance + c.epsilon)) + (beta ? beta[param[i]] : 0);
  }
  return y;
}

/** ∂/∂values of Σ w ⊙ f, by float64 central differences (step 1e-6). */
function numericGradient(values: Float64Array, f: () => Float64Array, w: ArrayLike<number>): Float64Array {
  const objective = () => f().reduce((s, v, i) => s + v * w[i], 0);
  return values.map((v, i) => {
    values[i] = v + 1e-6;
    const up = objective();
    values[i] = v - 1e-6;
    const down = objective();
    values[i] = v;
    return (up - down) / 2e-6;
  });
}

describe('what TF.js 4.22 lacks or computes otherwise (verified)', () => {
  for (const [center, scale] of [[false, true], [true, false]]) {
    it(`its LayerNormalization predicts, but its fit fails, with center ${center} and scale ${scale}`, async () => {
      const model = tf.sequential({ layers: [tf.layers.layerNormalization({ inputShape: [4], center, scale }), tf.layers.dense({ units: 1 })] });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const x = tf.randomUniform([8, 4]);
      expect((model.predict(x) as tf.Tensor).shape).toEqual([8, 1]);
      await expect(model.fit(x, tf.zeros([8, 1]), { epochs: 1, verbose: 0 })).rejects.toThrow(/Cannot read properties of undefined/);
      x.dispose();
      model.dispose();
    });
  }

  it('has no SpatialDropout2D layer; has the other noise layers', () => {
    const layers = tf.layers as unknown as Record<string, unknown>;
    expect(layers.spatialDropout2d).toBeUndefined();
    expect(layers.spatialDropout2D).toBeUndefined();
    for (const name of ['spatialDropout1d', 'gaussianNoise', 'gaussianDropout', 'alphaDropout', 'layerNormalization']) expect(typeof layers[name]).toBe('function');
  });

  it('its AlphaDropout takes noiseShape literally: a null entry fails in training', () => {
    const layer = tf.layers.alphaDropout({ rate: 0.5, noiseShape: [null, 1] as unknown as number[] });
    expect(() => layer.apply(tf.ones([2, 3]), { training: true })).toThrow(/Tensor must have a shape comprised of positive integers/);
  });
});

for (const backend of BACKENDS) {
  describe(`LayerNormalization on layerwise's '${backend}' backend`, () => {
    beforeAll(() => setBackend(backend));

    it(`equals TF.js (forward, and the gradients of the input, gamma and beta) over ${CASES} random shapes and axes`, () => {
      const { rng, int } = generator(201);
      for (let i = 0; i < CASES; i++) {
        const c = normCase(int, rng);
        const weights = normWeights(c, rng);
        const x = randomUniform(c.shape, -2, 2, rng);
        const w = randomUniform(c.shape, -1, 1, rng);
        const a = ours(ourNorm(c, weights), x, w);
        const b = theirNorm(c, weights, x, w);
        expect(a.y).toBeAllClose(b.y, CLOSE);
        expect(a.dx).toBeAllClose(b.grads[0], CLOSE);
        expect(a.params.length).toBe(2);
        a.params.forEach((g, k) => expect(g).toBeAllClose(b.grads[k + 1], CLOSE));
      }
    });

    it(`with center or scale false equals the float64 reference (forward and every gradient) over ${CASES} random cases`, () => {
      const { rng, int } = generator(202);
      for (let i = 0; i < CASES; i++) {
        const c = normCase(int, rng, i % 3 !== 0, i % 3 === 1 ? false : i % 3 === 0);
        const weights = normWeights(c, rng);
        const x = randomUniform(c.shape, -2, 2, rng);
        const w = randomUniform(c.shape, -1, 1, rng);
        const a = ours(ourNorm(c, weights), x, w);
        const values = [Float64Array.from(x.data), ...weights.map((t) => Float64Array.from(t.data))];
        const [gamma, beta] = c.scale ? [values[1], values[2]] : [undefined, values[1]];
        const f = () => normReference(c, values[0], gamma, c.center ? beta : undefined);
        expect(a.y).toBeAllClose(f(), CLOSE);
        values.forEach((v, k) => expect(k === 0 ? a.dx : a.params[k - 1]).toBeAllClose(numericGradient(v, f, w.data), CLOSE));
        // TF.js's forward agrees there too (only its fit fails).
        expect(a.y).toBeAllClose(tf.tidy(() => {
          const layer = tf.layers.layerNormalization({ axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale });
          layer.apply(toTf(x));
          layer.setWeights(weights.map(toTf));
          return Float32Array.from((layer.apply(toTf(x)) as tf.Tensor).dataSync());
        }), CLOSE);
      }
    });
  });
}

// ------------------------------------------------------------------------------------------------
// Noise layers
// ------------------------------------------------------------------------------------------------

/** TF.js's output of a layer in training or inference mode. */
function tfApply(layer: tf.layers.Layer, x: Tensor, training: boolean): Float32Array {
  return tf.tidy(() => Float32Array.from((layer.apply(toTf(x), { training }) as tf.Tensor).dataSync()));
}

/** Builds a layerwise layer for per-sample `shape`. */
function built<L extends Layer>(layer: L): L {
  new Sequential({ layers: [layer] });
  return layer;
}

describe('noise layers against TF.js', () => {
  it('all are the identity in inference, in both libraries', () => {
    const x = randomUniform([3, 4, 5], -2, 2, new Rng(1));
    const pairs: [Layer, tf.layers.Layer][] = [
      [new GaussianNoise({ stddev: 0.5, seed: 1, inputShape: [4, 5] }), tf.layers.gaussianNoise({ stddev: 0.5 })],
      [new GaussianDropout({ rate: 0.5, seed: 1, inputShape: [4, 5] }), tf.layers.gaussianDropout({ rate: 0.5 })],
      [new AlphaDropout({ rate: 0.5, seed: 1, inputShape: [4, 5] }), tf.layers.alphaDropout({ rate: 0.5 })],
      [new SpatialDropout1D({ rate: 0.5, seed: 1, inputShape: [4, 5] }), tf.layers.spatialDropout1d({ rate: 0.5 })],
      [new Dropout({ rate: 0.5, noiseShape: [null, 1, 5], seed: 1, inputShape: [4, 5] }), tf.layers.dropout({ rate: 0.5, noiseShape: [null, 1, 5] as unknown as number[] })],
    ];
    for (const [ourLayer, theirLayer] of pairs) {
      expect(Array.from(built(ourLayer).forward(x, false).data)).toEqual(Array.from(x.data));
      expect(tfApply(theirLayer, x, false)).toEqual(x.data);
    }
  });

  for (const rate of [0.1, 0.3, 0.5, 0.8]) {
    it(`AlphaDropout rate ${rate}: on a constant input both keep a · x + b at the same rate; TF.js drops to a · (−α') + b, Keras 3 and layerwise to a · α' + b`, () => {
      const c = 0.75;
      const x = tensor(new Float32Array(20000).fill(c), [200, 100]);
      const mine = built(new AlphaDropout({ rate, seed: 3, inputShape: [100] })).forward(x, true).data;
      const theirs = tfApply(tf.layers.alphaDropout({ rate }), x, true);
      const a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5;
      const b = -a * ALPHA_P * rate;
      const values = (y: Float32Array) => [...new Set(y)].sort((p, q) => p - q);
      // Keras 3: x' = x · kept + α' · (1 − kept); TF.js 4.22 writes (kept − 1) · α', the opposite sign for the dropped.
      expect(values(mine)).toBeAllClose([a * ALPHA_P + b, a * c + b], { rtol: 1e-6, atol: 1e-6 });
      expect(values(theirs)).toBeAllClose([a * c + b, -a * ALPHA_P + b].sort((p, q) => p - q), { rtol: 1e-6, atol: 1e-6 });
      // Binomial(20 000, rate): standard deviation ≤ 0.0036 in the fraction kept; allow 5 of them.
      for (const y of [mine, theirs]) expect(Math.abs(y.filter((v) => Math.abs(v - (a * c + b)) < 1e-5).length / y.length - (1 - rate))).toBeLessThan(0.018);
    });
  }

  it('SpatialDropout1D: both drop whole channels, with scales 0 or 1 / (1 − rate), at the rate', () => {
    const rate = 0.3;
    const x = tensor(new Float32Array(50 * 6 * 40).fill(1), [50, 6, 40]);
    const mine = built(new SpatialDropout1D({ rate, seed: 4, inputShape: [6, 40] })).forward(x, true).data;
    const theirs = tfApply(tf.layers.spatialDropout1d({ rate }), x, true);
    for (const y of [mine, theirs]) {
      expect([...new Set(y)].sort()).toBeAllClose([0, 1 / (1 - rate)], CLOSE);
      for (let n = 0; n < 50; n++) for (let t = 1; t < 6; t++) for (let c = 0; c < 40; c++) expect(y[(n * 6 + t) * 40 + c]).toBe(y[n * 240 + c]);
      // Binomial(2000, 0.3): standard deviation 0.010; allow 5 of them.
      expect(Math.abs(y.filter((v) => v === 0).length / y.length - rate)).toBeLessThan(0.05);
    }
  });

  it("Dropout's noiseShape [null, 1, channels]: both share the draw along the steps", () => {
    const x = tensor(new Float32Array(20 * 5 * 30).fill(1), [20, 5, 30]);
    const mine = built(new Dropout({ rate: 0.5, noiseShape: [null, 1, 30], seed: 5, inputShape: [5, 30] })).forward(x, true).data;
    const theirs = tfApply(tf.layers.dropout({ rate: 0.5, noiseShape: [null, 1, 30] as unknown as number[] }), x, true);
    for (const y of [mine, theirs]) {
      expect([...new Set(y)].sort()).toEqual([0, 2]);
      for (let n = 0; n < 20; n++) for (let t = 1; t < 5; t++) for (let c = 0; c < 30; c++) expect(y[(n * 5 + t) * 30 + c]).toBe(y[n * 150 + c]);
    }
  });

  it('GaussianNoise: in both, y − x has mean 0 and variance stddev² (100 000 draws)', () => {
    const stddev = 0.4;
    const x = randomUniform([100, 1000], -1, 1, new Rng(6));
    const mine = built(new GaussianNoise({ stddev, seed: 6, inputShape: [1000] })).forward(x, true).data;
    const theirs = tfApply(tf.layers.gaussianNoise({ stddev }), x, true);
    for (const y of [mine, theirs]) {
      const { mean, variance } = moments(y.map((v, i) => v - x.data[i]));
      // Standard errors 0.0013 and 0.0007; allow 5 of them.
      expect(Math.abs(mean)).toBeLessThan(0.0065);
      expect(Math.abs(variance - stddev ** 2)).toBeLessThan(0.0036);
    }
  });

  it('GaussianDropout: in both, y / x has mean 1 and variance rate / (1 − rate) (100 000 draws)', () => {
    const rate = 0.3;
    const x = tensor(new Float32Array(100000).fill(1.5), [100, 1000]);
    const mine = built(new GaussianDropout({ rate, seed: 7, inputShape: [1000] })).forward(x, true).data;
    const theirs = tfApply(tf.layers.gaussianDropout({ rate }), x, true);
    const expected = rate / (1 - rate);
    for (const y of [mine, theirs]) {
      const { mean, variance } = moments(y.map((v) => v / 1.5));
      expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(expected / 1e5));
      expect(Math.abs(variance - expected)).toBeLessThan(5 * expected * Math.sqrt(2 / 1e5));
    }
  });
});
