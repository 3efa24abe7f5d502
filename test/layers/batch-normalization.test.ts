import { describe, expect, it } from 'vitest';
import { BatchNormalization, Dense, initializers, randomUniform, Rng, Sequential, tensor, type BatchNormalizationOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

/** Non-trivial weights: gamma in [0.5, 2], beta in [−1, 1], moving mean in [−1, 1], moving variance in [0.5, 2]. */
const RANDOM_WEIGHTS: BatchNormalizationOptions = {
  gammaInitializer: initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 1 }),
  betaInitializer: initializers.randomUniform({ minval: -1, maxval: 1, seed: 2 }),
  movingMeanInitializer: initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }),
  movingVarianceInitializer: initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 4 }),
};
const bn = (options: BatchNormalizationOptions = {}) => (inputShape?: number[]) => new BatchNormalization({ inputShape, ...RANDOM_WEIGHTS, ...options });

/** Per-channel (last axis) mean and biased variance in float64. */
function moments(x: ArrayLike<number>, c: number): { mean: number[]; variance: number[] } {
  const rows = x.length / c;
  const mean = new Array<number>(c).fill(0);
  const variance = new Array<number>(c).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / rows;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / rows;
  return { mean, variance };
}

describe('BatchNormalization contract (inference mode): shapes, 4 · channels parameters, config round trip, gradients', () => {
  // Gradients: central differences, h = 1e-2, tolerance 1e-3 · max(1, |analytic|); the moving
  // statistics are not trainable and not checked.
  const cases: [string, BatchNormalizationOptions, number[], number][] = [
    ['features [5]', {}, [5], 20],
    ['images [3, 4, 2]', {}, [3, 4, 2], 8],
    ['center: false (no beta)', { center: false }, [3, 3, 2], 6],
    ['scale: false (no gamma)', { scale: false }, [3, 3, 2], 6],
    ['center and scale false', { center: false, scale: false }, [4], 8],
  ];
  for (const [label, options, inputShape, params] of cases) {
    it(label, () => {
      const { layer, grad } = checkLayerContract({ make: bn(options), inputShape, outputShape: inputShape, params });
      const expected = [...(options.scale === false ? [] : ['gamma']), ...(options.center === false ? [] : ['beta'])];
      expect(Object.keys(grad.paramErrors)).toEqual(expected.map((n) => `${layer.name}/${n}`));
    });
  }
});

describe('BatchNormalization gradients in training mode (batch statistics)', () => {
  // The mean and variance depend on every input: dx has the extra terms. h = 1e-2, tolerance 1e-3.
  const cases: [string, BatchNormalizationOptions, number[]][] = [
    ['features [5], batch 4', {}, [4, 5]],
    ['images [3, 4, 2], batch 3', {}, [3, 3, 4, 2]],
    ['center: false', { center: false }, [2, 3, 3, 3]],
    ['scale: false', { scale: false }, [2, 3, 3, 3]],
    ['center and scale false', { center: false, scale: false }, [6, 2]],
  ];
  for (const [label, options, shape] of cases) {
    it(label, () => {
      const layer = buildLayer(bn(options), shape.slice(1));
      const r = gradCheckLayer(layer, awayFromZero(shape, 5), { training: true });
      expect(r.maxError).toBeLessThanOrEqual(1e-3);
      expect(r.kinks).toBe(0);
      expect(Object.keys(r.paramErrors)).toHaveLength((options.center === false ? 0 : 1) + (options.scale === false ? 0 : 1));
    });
  }
});

describe('BatchNormalization forward', () => {
  it('training: y = gamma · (x − batch mean) / √(batch variance + eps) + beta, per channel (rtol 1e-5 against float64)', () => {
    const layer = buildLayer(bn({ epsilon: 0.01 }), [2, 3, 3]);
    const [gamma, beta] = layer.getWeights();
    const x = randomUniform([4, 2, 3, 3], -3, 5, new Rng(8));
    const { mean, variance } = moments(x.data, 3);
    const expected = Array.from(x.data, (v, i) => gamma.data[i % 3] * ((v - mean[i % 3]) / Math.sqrt(variance[i % 3] + 0.01)) + beta.data[i % 3]);
    expect(layer.forward(x, true)).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
  });

  it('inference: uses the moving statistics and leaves them unchanged (rtol 1e-5 against float64)', () => {
    const layer = buildLayer(bn(), [3]);
    const [gamma, beta, movingMean, movingVariance] = layer.getWeights();
    const x = randomUniform([5, 3], -2, 2, new Rng(9));
    const y = layer.forward(x, false);
    const expected = Array.from(x.data, (v, i) => gamma.data[i % 3] * ((v - movingMean.data[i % 3]) / Math.sqrt(movingVariance.data[i % 3] + 1e-3)) + beta.data[i % 3]);
    expect(y).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
    expect(layer.getWeights().slice(2)).toEqual([movingMean, movingVariance]);
  });

  it('by hand, defaults (gamma 1, beta 0, eps 1e-3): one channel [0, 4] → mean 2, variance 4 → ±2 / √4.001', () => {
    const layer = buildLayer((s) => new BatchNormalization({ inputShape: s }), [1]);
    expect(layer.forward(t([0, 4], [2, 1]), true)).toBeAllClose([-2 / Math.sqrt(4.001), 2 / Math.sqrt(4.001)]);
    // That call moved the statistics (momentum 0.99) from mean 0 and variance 1 to
    // 0.99 · 0 + 0.01 · 2 = 0.02 and 0.99 · 1 + 0.01 · 4 = 1.03, which inference uses.
    expect(layer.forward(t([0, 4], [2, 1]), false)).toBeAllClose([-0.02 / Math.sqrt(1.031), 3.98 / Math.sqrt(1.031)]);
  });
});

describe('BatchNormalization moving statistics', () => {
  it('one training call: moving ← momentum · moving + (1 − momentum) · batch, with the biased variance', () => {
    // Channel [0, 4]: mean 2, biased variance 4 (the unbiased one, 8, would give 0.9 + 0.8 = 1.7).
    const layer = buildLayer((s) => new BatchNormalization({ momentum: 0.9, inputShape: s }), [1]);
    layer.forward(t([0, 4], [2, 1]), true);
    const [, , movingMean, movingVariance] = layer.getWeights();
    // 0.2 and 1.3, to float32 precision (rtol 1e-6).
    expect(movingMean).toBeAllClose([0.9 * 0 + 0.1 * 2], { rtol: 1e-6, atol: 0 });
    expect(movingVariance).toBeAllClose([0.9 * 1 + 0.1 * 4], { rtol: 1e-6, atol: 0 });
  });

  it('three training calls on random batches follow the recurrence exactly (rtol 1e-6, float64 recurrence)', () => {
    const momentum = 0.8;
    const layer = buildLayer(bn({ momentum }), [2, 2, 3]);
    let [, , mean64, var64] = layer.getWeights().map((w) => Array.from(w.data));
    for (let step = 0; step < 3; step++) {
      const x = randomUniform([3, 2, 2, 3], -1 + step, 2 + 2 * step, new Rng(20 + step));
      layer.forward(x, true);
      const batch = moments(x.data, 3);
      mean64 = mean64.map((m, k) => momentum * m + (1 - momentum) * batch.mean[k]);
      var64 = var64.map((v, k) => momentum * v + (1 - momentum) * batch.variance[k]);
      const [, , movingMean, movingVariance] = layer.getWeights();
      expect(movingMean).toBeAllClose(mean64, { rtol: 1e-6, atol: 1e-7 });
      expect(movingVariance).toBeAllClose(var64, { rtol: 1e-6, atol: 1e-7 });
    }
    // Inference calls do not move them.
    const before = layer.getWeights();
    layer.forward(randomUniform([3, 2, 2, 3], 5, 9, new Rng(1)), false);
    expect(layer.getWeights()).toEqual(before);
  });
});

describe('BatchNormalization weights and parameter counts', () => {
  it('getWeights order: gamma, beta, moving_mean, moving_variance; the last two not trainable; Keras initial values', () => {
    const layer = buildLayer((s) => new BatchNormalization({ inputShape: s }), [4, 4, 3]);
    expect(layer.params().map((p) => [p.name.split('/')[1], p.trainable, p.value.shape])).toEqual([
      ['gamma', true, [3]],
      ['beta', true, [3]],
      ['moving_mean', false, [3]],
      ['moving_variance', false, [3]],
    ]);
    expect(layer.getWeights().map((w) => Array.from(w.data))).toEqual([[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    expect(layer.countParams()).toBe(12);
    expect(layer.getConfig()).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true });
  });

  it('center: false drops beta, scale: false drops gamma; the moving statistics stay', () => {
    const names = (options: BatchNormalizationOptions) => buildLayer(bn(options), [2]).params().map((p) => p.name.split('/')[1]);
    expect(names({ center: false })).toEqual(['gamma', 'moving_mean', 'moving_variance']);
    expect(names({ scale: false })).toEqual(['beta', 'moving_mean', 'moving_variance']);
    expect(names({ center: false, scale: false })).toEqual(['moving_mean', 'moving_variance']);
  });

  it('summary counts the moving statistics as non-trainable: Dense 4 → 8 (40) + BatchNormalization (32, 16 non-trainable)', () => {
    const model = new Sequential({ layers: [new Dense({ units: 8, inputShape: [4] }), new BatchNormalization()] });
    const text = model.summary({ printFn: () => {} });
    expect(text).toMatch(new RegExp(`\n${model.layers[1].name} \\(BatchNormalization\\) +\\(None, 8\\) +32\n`));
    expect(text).toMatch(/\nTotal params: 72\nTrainable params: 56\nNon-trainable params: 16\n/);
    expect(model.countParams()).toBe(72);
  });

  it('setWeights takes all four, in order', () => {
    const layer = buildLayer((s) => new BatchNormalization({ inputShape: s }), [2]);
    const weights = [t([2, 3], [2]), t([0.5, -0.5], [2]), t([1, -1], [2]), t([4, 0.25], [2])];
    layer.setWeights(weights);
    expect(layer.getWeights()).toEqual(weights);
    // Inference: y = gamma · (x − mean) / √(var + eps) + beta.
    expect(layer.forward(t([3, 0], [1, 2]), false)).toBeAllClose([2 * (2 / Math.sqrt(4.001)) + 0.5, 3 * (1 / Math.sqrt(0.251)) - 0.5], { rtol: 1e-6 });
  });
});

describe('BatchNormalization options are checked up front', () => {
  for (const momentum of [-0.1, 1, 1.5, NaN]) {
    it(`momentum=${momentum}`, () => {
      expect(() => new BatchNormalization({ momentum, name: 'bn_m' })).toThrow(new RegExp(`^bn_m: momentum must be in \\[0, 1\\)\\. Received: momentum=${momentum}\\.$`));
    });
  }
  for (const epsilon of [0, -1e-3, NaN]) {
    it(`epsilon=${epsilon}`, () => {
      expect(() => new BatchNormalization({ epsilon, name: 'bn_e' })).toThrow(new RegExp(`^bn_e: epsilon must be positive\\. Received: epsilon=${epsilon}\\.$`));
    });
  }

  it('an axis other than the last fails at build, saying how to fix it; the last axis by number is accepted', () => {
    expect(() => new BatchNormalization({ axis: 1, name: 'bn_axis' }).build([4, 4, 3])).toThrow(
      /^bn_axis: only the last axis \(axis: -1, channels last\) can be normalized, but axis=1 for inputs of rank 4\. Move the features to the last axis\.$/,
    );
    const layer = new BatchNormalization({ axis: 3 });
    layer.build([4, 4, 3]);
    expect(layer.countParams()).toBe(12);
  });

  it('forward before build names the layer', () => {
    expect(() => new BatchNormalization({ name: 'bn_nb' }).forward(t([1], [1, 1]), true)).toThrow(/^bn_nb: the layer is not built yet/);
  });
});
