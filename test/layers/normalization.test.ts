/**
 * Normalization (Keras 3's preprocessing layer; TF.js 4.22 has none) against a float64 reference
 * of Keras 3's rule written here: adapt takes each feature's mean and population variance over
 * every other axis (keras/src/layers/preprocessing/normalization.py: np.mean, np.var), and the
 * layer computes (x − mean) / max(√variance, 1e-7), or mean + x · max(√variance, 1e-7) inverted.
 */
import { describe, expect, it } from 'vitest';
import { Dense, LayerwiseError, Normalization, randomUniform, Rng, Sequential, tensor, type Tensor } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';

const EPSILON = 1e-7;

/** Per-sample shape and Keras axis → the index of the feature of each flat position of a batch. */
function featureOf(shape: number[], axis: number): (i: number) => number {
  const rank = shape.length;
  const a = axis < 0 ? axis + rank : axis;
  const inner = shape.slice(a + 1).reduce((x, y) => x * y, 1);
  return (i) => Math.floor(i / inner) % shape[a];
}

/** Keras 3's adapt in float64: the mean and population variance of each feature. */
function referenceMoments(x: Tensor, axis: number): { mean: number[]; variance: number[] } {
  const feature = featureOf(x.shape, axis);
  const a = axis < 0 ? axis + x.shape.length : axis;
  const f = x.shape[a];
  const sum = new Array<number>(f).fill(0);
  const count = new Array<number>(f).fill(0);
  x.data.forEach((v, i) => {
    sum[feature(i)] += v;
    count[feature(i)]++;
  });
  const mean = sum.map((s, k) => s / count[k]);
  const sq = new Array<number>(f).fill(0);
  x.data.forEach((v, i) => (sq[feature(i)] += (v - mean[feature(i)]) ** 2));
  return { mean, variance: sq.map((s, k) => s / count[k]) };
}

/** Keras 3's call in float64. */
function referenceForward(x: Tensor, axis: number, mean: number[], variance: number[], invert = false): Float64Array {
  const feature = featureOf(x.shape, axis);
  return Float64Array.from(x.data, (v, i) => {
    const k = feature(i);
    const s = Math.max(Math.sqrt(variance[k]), EPSILON);
    return invert ? mean[k] + v * s : (v - mean[k]) / s;
  });
}

describe('Normalization contract: shapes, weights (mean, variance, count; none trainable), config round trip, gradients', () => {
  const cases: [string, () => Normalization, number[], number][] = [
    ['adapt-able, features last', () => new Normalization(), [4], 4 + 4 + 1],
    ['adapt-able, axis 1 of [3, 2]', () => new Normalization({ axis: 1 }), [3, 2], 3 + 3 + 1],
    ['given mean and variance (no weights)', () => new Normalization({ mean: [1, 2, 3], variance: [4, 0.25, 1] }), [3], 0],
    ['given scalars, inverted', () => new Normalization({ mean: 2, variance: 9, invert: true }), [2, 3], 0],
  ];
  for (const [label, make, inputShape, params] of cases) {
    it(label, () => {
      checkLayerContract({ make, inputShape, outputShape: inputShape, params, via: 'build' });
    });
  }
});

describe('Normalization.adapt against a float64 reference of Keras 3', () => {
  const configs: [number[], number][] = [
    [[5], -1],
    [[3, 4], -1],
    [[3, 4], 1],
    [[2, 3, 2], 2],
    [[2, 3, 2], -2],
    [[1], -1],
  ];
  configs.forEach(([sample, axis], c) => {
    for (const invert of [false, true]) {
      it(`samples [${sample}], axis ${axis}${invert ? ', inverted' : ''}`, () => {
        const rng = new Rng(100 + c);
        const data = randomUniform([40, ...sample], -3, 7, rng);
        // A wide spread, an offset feature: the statistics differ per feature.
        const feature = featureOf([40, ...sample], axis);
        data.data.forEach((v, i, a) => (a[i] = v * (1 + feature(i)) + 10 * feature(i)));
        const layer = new Normalization({ axis, invert });
        layer.adapt(data);
        const { mean, variance } = referenceMoments(data, axis);
        const [m, v, count] = layer.getWeights();
        expect(m.data).toBeAllClose(Float64Array.from(mean), { rtol: 1e-6, atol: 1e-6 });
        expect(v.data).toBeAllClose(Float64Array.from(variance), { rtol: 1e-6, atol: 1e-6 });
        expect(count.shape).toEqual([]);
        expect(layer.params().every((p) => !p.trainable)).toBe(true);
        const x = randomUniform([6, ...sample], -5, 5, rng);
        const y = layer.forward(x, false);
        expect(y.data).toBeAllClose(referenceForward(x, axis, mean, variance, invert), { rtol: 1e-5, atol: 1e-5 });
        const dy = randomUniform(y.shape, -1, 1, rng);
        const dx = layer.backward(dy);
        const fx = featureOf(x.shape, axis);
        const expected = Float64Array.from(dy.data, (g, i) => {
          const s = Math.max(Math.sqrt(variance[fx(i)]), EPSILON);
          return invert ? g * s : g / s;
        });
        expect(dx.data).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-6 });
      });
    }
  });

  it("Keras 3's docstring examples", () => {
    const scalar = new Normalization({ mean: 3, variance: 2 });
    scalar.build([1]);
    expect(scalar.forward(tensor([1, 2, 3], [3, 1]), false).data).toBeAllClose(Float32Array.from([-1.4142135, -0.70710677, 0]), { rtol: 1e-6, atol: 1e-7 });
    const adapt = tensor([0, 7, 4, 2, 9, 6, 0, 7, 4, 2, 9, 6], [4, 3]);
    const layer = new Normalization();
    layer.adapt(adapt);
    expect(Array.from(layer.forward(tensor([0, 7, 4], [1, 3]), false).data)).toEqual([-1, -1, -1]);
    const inverse = new Normalization({ invert: true });
    inverse.adapt(adapt);
    expect(Array.from(inverse.forward(tensor([1, 2, 3], [1, 3]), false).data)).toEqual([2, 10, 8]);
  });

  it('a constant feature (variance 0) divides by ε = 1e-7, as Keras 3: max(√variance, ε)', () => {
    const layer = new Normalization();
    layer.adapt([[5, 1], [5, 3]]);
    expect(Array.from(layer.getWeights()[1].data)).toEqual([0, 1]);
    const y = layer.forward(tensor([5.5, 2], [1, 2]), false);
    expect(y.data[0]).toBeCloseTo(0.5 / 1e-7, -2);
    expect(y.data[1]).toBe(0);
  });

  it('nested arrays work as data; adapting again replaces the statistics; before adapt it is the identity', () => {
    const layer = new Normalization();
    layer.build([2]);
    expect(Array.from(layer.forward(tensor([3, -4], [1, 2]), false).data)).toEqual([3, -4]);
    layer.adapt([[1, 10], [3, 30]]);
    expect(Array.from(layer.getWeights()[0].data)).toEqual([2, 20]);
    layer.adapt([[0, 0], [0, 2]]);
    expect(Array.from(layer.getWeights()[0].data)).toEqual([0, 1]);
  });

  it('an adapted layer first in a Sequential gives the model its input shape', () => {
    const norm = new Normalization();
    norm.adapt([[1, 2, 3], [3, 2, 1]]);
    const model = new Sequential({ layers: [norm, new Dense({ units: 1 })] });
    expect(model.inputShape).toEqual([3]);
    expect(model.countParams()).toBe(3 + 3 + 1 + 4);
    expect(model.trainableWeights.map((p) => p.name.split('/')[1])).toEqual(['kernel', 'bias']);
  });
});

describe('Normalization with given statistics: broadcast as Keras 3', () => {
  it('one value for all features, or one per feature', () => {
    const one = buildLayer(() => new Normalization({ mean: 1, variance: 4 }), [3], 'build');
    expect(Array.from(one.forward(tensor([1, 3, 5], [1, 3]), false).data)).toEqual([0, 1, 2]);
    const each = buildLayer(() => new Normalization({ mean: [0, 10, 0], variance: [1, 4, 0.25] }), [3], 'build');
    expect(Array.from(each.forward(tensor([1, 12, 1], [1, 3]), false).data)).toEqual([1, 1, 2]);
    const listOfOne = buildLayer(() => new Normalization({ mean: [1], variance: [4] }), [2], 'build');
    expect(Array.from(listOfOne.forward(tensor([3, 5], [1, 2]), false).data)).toEqual([1, 2]);
    expect(each.getConfig()).toMatchObject({ mean: [0, 10, 0], variance: [1, 4, 0.25], axis: -1, invert: false });
  });

  it('errors name the layer: pairs, shapes, finiteness, sizes, the batch axis, adapt', () => {
    expect(() => new Normalization({ name: 'n_pair', mean: 1 })).toThrow(/^n_pair: give mean and variance together, or neither \(then call adapt\)\./);
    expect(() => new Normalization({ name: 'n_shape', mean: [1, 2], variance: 1 })).toThrow(/^n_shape: mean and variance must have the same shape/);
    expect(() => new Normalization({ name: 'n_len', mean: [1, 2], variance: [1] })).toThrow(/^n_len: mean and variance must have the same shape/);
    expect(() => new Normalization({ name: 'n_neg', mean: [1], variance: [-1] })).toThrow(/^n_neg: mean must be finite numbers and variance finite non-negative numbers/);
    expect(() => new Normalization({ name: 'n_nan', mean: [NaN], variance: [1] })).toThrow(/^n_nan: mean must be finite numbers/);
    expect(() => new Normalization({ name: 'n_size', mean: [1, 2], variance: [1, 1] }).build([3])).toThrow(
      /^n_size: mean has 2 values, but the feature axis \(axis -1\) has 3 features\. Give one value, or one per feature\.$/,
    );
    expect(() => new Normalization({ name: 'n_batch', axis: 0 })).toThrow(/^n_batch: axis 0 is the batch axis/);
    expect(() => new Normalization({ name: 'n_axis', axis: 3 }).build([4])).toThrow(/^n_axis: axis 3 is not an axis of a sample of shape \(None, 4\) \(rank 2 with the batch axis\)\./);
    expect(() => new Normalization({ name: 'n_given', mean: 0, variance: 1 }).adapt([[1]])).toThrow(/^n_given\.adapt: the layer was given its mean and variance, which adapt would replace\./);
  });

  it('adapt with data that is not finite, empty, or of another shape fails and leaves the layer as it was', () => {
    const layer = new Normalization({ name: 'n_data' });
    layer.adapt([[1, 2], [3, 4]]);
    const before = layer.getWeights().map(bytesOf);
    expect(() => layer.adapt([[1, NaN], [3, 4]])).toThrow(/^n_data\.adapt: the data holds NaN at flat index 1, so the mean and variance would not be finite\./);
    expect(() => layer.adapt([[1, 2, 3]])).toThrow(/^n_data\.adapt: the layer was built for samples of shape \(None, 2\), but the data has samples of shape \(None, 3\)\.$/);
    expect(() => layer.adapt(tensor(new Float32Array(0), [0, 2]))).toThrow(LayerwiseError);
    expect(() => layer.adapt([1, 2])).toThrow(/^n_data\.adapt: expected a batch of samples/);
    expect(layer.getWeights().map(bytesOf)).toEqual(before);
    const fresh = new Normalization({ name: 'n_fresh' });
    expect(() => fresh.adapt([[Infinity]])).toThrow(/^n_fresh\.adapt: the data holds Infinity/);
    expect(fresh.built).toBe(false);
  });
});
