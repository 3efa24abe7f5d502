import { describe, expect, it } from 'vitest';
import { Embedding, LayerNormalization, Sequential, tensor, type LayerNormalizationOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('LayerNormalization contract: shapes, weights, config round trip, gradients of the input, gamma and beta', () => {
  const cases: [string, LayerNormalizationOptions, number[], number][] = [
    ['default: the last axis of vectors', {}, [5], 10],
    ['the last axis of sequences', { axis: -1 }, [3, 4], 8],
    ['axes [1, 2] of images (each sample over all its pixels, per channel kept apart)', { axis: [1, 2] }, [2, 3, 2], 12],
    ['axes [-1, -3], given out of order', { axis: [-1, -3] }, [2, 3, 2], 8],
    ['the middle axis, center false', { axis: 2, center: false }, [2, 3, 2], 3],
    ['scale false', { scale: false, epsilon: 0.01 }, [4], 4],
    ['neither', { center: false, scale: false }, [2, 4], 0],
  ];
  for (const [label, options, inputShape, params] of cases) {
    it(label, () => {
      const { layer } = checkLayerContract({ make: (s) => new LayerNormalization({ ...options, inputShape: s }), inputShape, outputShape: inputShape, params, tol: 2e-3 });
      expect(layer.getConfig()).toMatchObject({ axis: options.axis ?? -1, epsilon: options.epsilon ?? 1e-3, center: options.center ?? true, scale: options.scale ?? true });
    });
  }
});

describe('LayerNormalization by hand', () => {
  it('each sample over its last axis: [1, 2, 3] and [2, 4, 6] both become ±√(3/2) · [−1, 0, 1] / √(1 + 1.5e-3)', () => {
    const layer = buildLayer((s) => new LayerNormalization({ inputShape: s }), [3]);
    const y = layer.forward(t([1, 2, 3, 2, 4, 6], [2, 3]), false);
    const a = 1 / Math.sqrt(2 / 3 + 1e-3);
    const b = 1 / Math.sqrt(8 / 3 + 1e-3);
    expect(y).toBeAllClose([-a, 0, a, -2 * b, 0, 2 * b], { rtol: 1e-6, atol: 1e-6 });
  });

  it('gamma and beta have the sizes of the axes in the order given; gamma scales and beta shifts', () => {
    const layer = buildLayer((s) => new LayerNormalization({ axis: [3, 1], inputShape: s }), [2, 3, 4]);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[4, 2], [4, 2]]);
    const plain = buildLayer((s) => new LayerNormalization({ inputShape: s }), [2]);
    plain.setWeights([t([2, 3], [2]), t([10, 20], [2])]);
    expect(Array.from(plain.forward(t([0, 1], [1, 2]), false).data)).toEqual([Math.fround(10 - 2 / Math.sqrt(0.25 + 1e-3) / 2), Math.fround(20 + 3 / Math.sqrt(0.25 + 1e-3) / 2)]);
  });

  it('computes the same in training and inference, and passes a mask on', () => {
    const layer = buildLayer((s) => new LayerNormalization({ inputShape: s }), [3]);
    const x = t([1, 5, 2, -3, 0, 1], [2, 3]);
    expect(Array.from(layer.forward(x, true).data)).toEqual(Array.from(layer.forward(x, false).data));
    const model = new Sequential({ layers: [new Embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputShape: [4] }), new LayerNormalization()] });
    expect(model.predict(t([1, 2, 0, 0], [1, 4])).shape).toEqual([1, 4, 3]);
    expect(LayerNormalization.supportsMasking).toBe(true);
  });

  it('fails for axes that do not fit, the batch axis, repeats and a bad epsilon, naming the layer', () => {
    expect(() => new LayerNormalization({ axis: 3, name: 'ln_a' }).build([4, 2])).toThrow(/^ln_a: axis=3 does not fit inputs of shape \(None, 4, 2\): each axis must be one of 1 to 2/);
    expect(() => new LayerNormalization({ axis: 0, name: 'ln_0' }).build([4])).toThrow(/^ln_0: axis=0 does not fit .*the batch axis 0 cannot be normalized over/);
    expect(() => new LayerNormalization({ axis: [1, -2], name: 'ln_r' }).build([4, 2])).toThrow(/^ln_r: axis=\[1,-2\] does not fit/);
    expect(() => new LayerNormalization({ axis: [1, 1], name: 'ln_d' })).toThrow(/^ln_d: axis must be an integer or a non-empty list of distinct integers\. Received: axis=\[1,1\]\.$/);
    expect(() => new LayerNormalization({ epsilon: 0, name: 'ln_e' })).toThrow(/^ln_e: epsilon must be a positive finite number\. Received: epsilon=0\.$/);
  });
});
