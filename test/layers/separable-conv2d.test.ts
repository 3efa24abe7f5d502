import { describe, expect, it } from 'vitest';
import { randomUniform, Rng, Sequential, SGD, tensor } from 'layerwise';
import { SeparableConv2D, type SeparableConv2DOptions } from '../../src/layers/separable-conv2d';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { awayFromZero, expectGradientsAccumulate } from '../helpers/gradcheck';
import { referenceSeparable } from '../helpers/conv-family-reference';

/** A seeded SeparableConv2D with 3 filters and a 3x3 kernel unless `options` say otherwise. */
function separable(options: Partial<SeparableConv2DOptions> = {}) {
  return (inputShape?: number[]) => new SeparableConv2D({ filters: 3, kernelSize: 3, seed: 4, inputShape, ...options });
}

describe('SeparableConv2D contract: shapes, parameters, config round trip, gradients of input, both kernels and bias', () => {
  // Gradients: central differences with h = 1e-2, |numeric − analytic| ≤ 1e-3 · max(1, |analytic|).
  // Parameters: kh · kw · in · m (depthwise) + in · m · filters (pointwise) + filters (bias).
  const cases: [string, Partial<SeparableConv2DOptions>, number[], number[], number][] = [
    ['3x3 stride 1 valid', {}, [5, 6, 2], [3, 4, 3], 18 + 6 + 3],
    ['3x3 stride 2 valid, depthMultiplier 2', { strides: 2, depthMultiplier: 2 }, [7, 6, 2], [3, 2, 3], 36 + 12 + 3],
    ['3x3 same, depthMultiplier 3, 2 filters', { padding: 'same', depthMultiplier: 3, filters: 2 }, [4, 5, 2], [4, 5, 2], 54 + 12 + 2],
    ['2x2 stride 2 same', { kernelSize: 2, strides: 2, padding: 'same' }, [5, 6, 3], [3, 3, 3], 12 + 9 + 3],
    ['4x3 kernel, strides [3, 1], same', { kernelSize: [4, 3], strides: [3, 1], padding: 'same', depthMultiplier: 2 }, [7, 5, 1], [3, 5, 3], 24 + 6 + 3],
    ['dilation 2 valid', { dilationRate: 2 }, [6, 7, 2], [2, 3, 3], 18 + 6 + 3],
    ['dilation [1, 2] same, depthMultiplier 2', { dilationRate: [1, 2], padding: 'same', depthMultiplier: 2 }, [4, 5, 2], [4, 5, 3], 36 + 12 + 3],
    ['no bias, stride 2 same, tanh', { useBias: false, strides: 2, padding: 'same', activation: 'tanh' }, [5, 6, 2], [3, 3, 3], 18 + 6],
  ];
  for (const [label, options, inputShape, outputShape, params] of cases) {
    it(label, () => {
      const { layer, grad } = checkLayerContract({ make: separable(options), inputShape, outputShape, params, batch: 2 });
      const names = ['depthwise_kernel', 'pointwise_kernel', ...(options.useBias === false ? [] : ['bias'])];
      expect(Object.keys(grad.paramErrors)).toEqual(names.map((n) => `${layer.name}/${n}`));
    });
  }

  it("'relu' and 'leaky_relu' (h = 1e-3, kinks checked one-sided)", () => {
    for (const activation of ['relu', 'leaky_relu'] as const) {
      checkLayerContract({ make: separable({ activation, depthMultiplier: 2 }), inputShape: [4, 5, 2], outputShape: [2, 3, 3], params: 36 + 12 + 3, h: 1e-3, maxKinks: 2, batch: 2 });
    }
  });
});

describe('SeparableConv2D forward', () => {
  it('by hand: depthwise box sums of each channel, then a pointwise difference of the channels', () => {
    const layer = buildLayer((inputShape) => new SeparableConv2D({ filters: 1, kernelSize: 2, depthwiseInitializer: 'ones', inputShape }), [2, 2, 2]);
    const [depthwise] = layer.getWeights();
    layer.setWeights([depthwise, tensor(Float32Array.from([1, -1]), [1, 1, 2, 1]), tensor(Float32Array.from([0.5]), [1])]);
    // Channel 0 holds 1, 2, 3, 4 (sum 10); channel 1 holds 10, 20, 30, 40 (sum 100): 10 − 100 + 0.5.
    expect(Array.from(layer.forward(tensor(Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]), [1, 2, 2, 2]), false).data)).toEqual([-89.5]);
  });

  const geometries: [string, Partial<SeparableConv2DOptions>, number[]][] = [
    ['valid', {}, [2, 6, 5, 3]],
    ['same, stride 2, depthMultiplier 2', { strides: 2, padding: 'same', kernelSize: 2, depthMultiplier: 2 }, [2, 5, 7, 2]],
    ['dilation 2 valid, depthMultiplier 3', { dilationRate: 2, depthMultiplier: 3, filters: 4 }, [2, 7, 6, 2]],
    ['dilation [3, 1] same, no bias', { dilationRate: [3, 1], padding: 'same', useBias: false }, [1, 5, 6, 3]],
  ];
  for (const [label, options, shape] of geometries) {
    it(`${label}: equals the definition computed in float64 (rtol 1e-5, atol 1e-5)`, () => {
      const layer = buildLayer(separable({ ...options, biasInitializer: 'glorotUniform' }), shape.slice(1));
      const x = randomUniform(shape, -1, 1, new Rng(6));
      const [depthwise, pointwise, bias] = layer.getWeights();
      const y = layer.forward(x, false);
      expect(y.shape).toEqual([shape[0], ...layer.computeOutputShape(shape.slice(1))]);
      expect(y).toBeAllClose(referenceSeparable(x.data, depthwise.data, pointwise.data, bias?.data, shape, layer), { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('gradients accumulate over backward calls; a batch of another size reuses nothing stale', () => {
    const layer = buildLayer(separable({ padding: 'same', depthMultiplier: 2 }), [4, 4, 2]);
    expectGradientsAccumulate(layer, awayFromZero([2, 4, 4, 2], 2), awayFromZero([1, 4, 4, 2], 9), randomUniform([2, 4, 4, 3], -1, 1, new Rng(1)));
  });

  it('backward with inputGradient false still accumulates the depthwise gradient', () => {
    const layer = buildLayer(separable(), [4, 4, 2]);
    const x = awayFromZero([1, 4, 4, 2], 3);
    const dy = randomUniform([1, 2, 2, 3], -1, 1, new Rng(2));
    layer.forward(x, true);
    layer.backward(dy);
    const full = layer.params().map((p) => Float32Array.from(p.grad.data));
    for (const p of layer.params()) p.grad.data.fill(0);
    layer.forward(x, true);
    layer.backward(dy, false);
    layer.params().forEach((p, i) => expect(Array.from(p.grad.data)).toEqual(Array.from(full[i])));
  });
});

describe('SeparableConv2D matches Keras: weight layout, config, summary, training', () => {
  it('weights depthwise_kernel [kh, kw, in, m], pointwise_kernel [1, 1, in · m, filters], bias [filters], in that order', () => {
    const layer = buildLayer(separable({ kernelSize: [2, 3], depthMultiplier: 2, filters: 5 }), [6, 6, 4]);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[2, 3, 4, 2], [1, 1, 8, 5], [5]]);
    expect(layer.params().map((p) => p.name)).toEqual(['depthwise_kernel', 'pointwise_kernel', 'bias'].map((n) => `${layer.name}/${n}`));
    expect(layer.weightShapes([6, 6, 4])).toEqual([[2, 3, 4, 2], [1, 1, 8, 5], [5]]);
  });

  it('the config holds both kernels\u2019 options under their names', () => {
    const config = new SeparableConv2D({ filters: 2, kernelSize: 3, depthMultiplier: 2, depthwiseRegularizer: 'l2', pointwiseConstraint: 'nonNeg', pointwiseInitializer: 'ones' }).getConfig();
    expect(config).toMatchObject({ filters: 2, kernelSize: [3, 3], depthMultiplier: 2, pointwiseInitializer: { className: 'Ones' }, depthwiseInitializer: { className: 'GlorotUniform' } });
    expect(Object.keys(config).filter((k) => k.startsWith('kernel'))).toEqual(['kernelSize']);
    expect(config.depthwiseRegularizer).toBeDefined();
    expect(config.pointwiseConstraint).toBeDefined();
  });

  it('Keras: SeparableConv2D 16 3x3 same on 8x8x8 has 8·9 + 8·16 + 16 = 216 parameters', () => {
    const model = new Sequential({ layers: [new SeparableConv2D({ filters: 16, kernelSize: 3, padding: 'same', inputShape: [8, 8, 8] })] });
    expect(model.outputShape).toEqual([8, 8, 16]);
    expect(model.countParams()).toBe(216);
  });

  it('both kernels regularized and constrained; a model trains (the loss falls)', async () => {
    const layer = buildLayer(separable({ depthwiseRegularizer: 'l2', pointwiseRegularizer: 'l1', depthwiseConstraint: 'nonNeg', useBias: false }), [3, 3, 2]);
    const [d, p] = layer.getWeights();
    const expected = 0.01 * Array.from(d.data).reduce((s, v) => s + v * v, 0) + 0.01 * Array.from(p.data).reduce((s, v) => s + Math.abs(v), 0);
    expect(layer.regularizationLoss(false)).toBeCloseTo(expected, 6);
    layer.applyConstraints();
    expect(Math.min(...Array.from(layer.getWeights()[0].data))).toBeGreaterThanOrEqual(0);

    const model = new Sequential({ layers: [new SeparableConv2D({ filters: 2, kernelSize: 3, padding: 'same', seed: 1, inputShape: [5, 5, 2] })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse' });
    const x = randomUniform([8, 5, 5, 2], -1, 1, new Rng(1));
    const y = randomUniform([8, 5, 5, 2], -1, 1, new Rng(2));
    const history = await model.fit(x, y, { epochs: 5, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });
});
