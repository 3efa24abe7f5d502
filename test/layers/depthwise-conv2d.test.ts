import { describe, expect, it } from 'vitest';
import { randomUniform, Rng, Sequential, tensor } from 'layerwise';
import { DepthwiseConv2D, type DepthwiseConv2DOptions } from '../../src/layers/depthwise-conv2d';
import type { Padding } from '../../src/tensor/conv-geometry';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { awayFromZero, expectGradientsAccumulate } from '../helpers/gradcheck';
import { window2d } from '../helpers/reference';
import { referenceDepthwise } from '../helpers/conv-family-reference';

/** A seeded DepthwiseConv2D with a 3x3 kernel unless `options` say otherwise. */
function depthwise(options: Partial<DepthwiseConv2DOptions> = {}) {
  return (inputShape?: number[]) => new DepthwiseConv2D({ kernelSize: 3, seed: 4, inputShape, ...options });
}

describe('DepthwiseConv2D contract: shapes, parameters, config round trip, gradients of input, kernel and bias', () => {
  // Gradients: central differences with h = 1e-2, |numeric − analytic| ≤ 1e-3 · max(1, |analytic|).
  // Parameters: kh · kw · in · depthMultiplier (+ in · depthMultiplier for the bias).
  const cases: [string, Partial<DepthwiseConv2DOptions>, number[], number[], number][] = [
    ['3x3 stride 1 valid', {}, [5, 6, 2], [3, 4, 2], 20],
    ['3x3 stride 2 valid, depthMultiplier 2', { strides: 2, depthMultiplier: 2 }, [7, 6, 2], [3, 2, 4], 40],
    ['3x3 same, depthMultiplier 3', { padding: 'same', depthMultiplier: 3 }, [4, 5, 2], [4, 5, 6], 60],
    ['2x2 stride 2 same: asymmetric padding', { kernelSize: 2, strides: 2, padding: 'same' }, [5, 6, 3], [3, 3, 3], 15],
    ['4x3 kernel, strides [3, 1], same', { kernelSize: [4, 3], strides: [3, 1], padding: 'same', depthMultiplier: 2 }, [7, 5, 1], [3, 5, 2], 26],
    ['dilation 2 valid', { dilationRate: 2 }, [6, 7, 2], [2, 3, 2], 20],
    ['dilation [2, 1] same, depthMultiplier 2', { dilationRate: [2, 1], padding: 'same', depthMultiplier: 2 }, [5, 4, 2], [5, 4, 4], 40],
    ['1x1 kernel', { kernelSize: 1, depthMultiplier: 2 }, [3, 3, 3], [3, 3, 6], 12],
    ['no bias, stride 2 same, tanh', { useBias: false, strides: 2, padding: 'same', activation: 'tanh' }, [5, 6, 2], [3, 3, 2], 18],
  ];
  for (const [label, options, inputShape, outputShape, params] of cases) {
    it(label, () => {
      const { layer, grad } = checkLayerContract({ make: depthwise(options), inputShape, outputShape, params, batch: 2 });
      expect(Object.keys(grad.paramErrors)).toEqual((options.useBias === false ? ['depthwise_kernel'] : ['depthwise_kernel', 'bias']).map((n) => `${layer.name}/${n}`));
    });
  }

  it("'relu' and 'leaky_relu' (h = 1e-3, kinks checked one-sided)", () => {
    for (const activation of ['relu', 'leaky_relu'] as const) {
      checkLayerContract({ make: depthwise({ activation, depthMultiplier: 2 }), inputShape: [4, 5, 2], outputShape: [2, 3, 4], params: 40, h: 1e-3, maxKinks: 2, batch: 2 });
    }
  });
});

describe('DepthwiseConv2D forward', () => {
  it('by hand: channel 0 is box-summed, channel 1 picks its centre; depthMultiplier 1 keeps the channel order', () => {
    const layer = buildLayer((inputShape) => new DepthwiseConv2D({ kernelSize: 3, useBias: false, inputShape }), [3, 3, 2]);
    // kernel [3, 3, 2, 1]: tap t holds [channel 0, channel 1] at flat indices 2t, 2t + 1.
    const kernel = new Float32Array(18);
    for (let t = 0; t < 9; t++) kernel[2 * t] = 1;
    kernel[2 * 4 + 1] = 1;
    layer.setWeights([tensor(kernel, [3, 3, 2, 1])]);
    // Channel 0 holds 1..9, channel 1 holds 10..90.
    const x = Float32Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? i / 2 + 1 : ((i - 1) / 2 + 1) * 10));
    expect(Array.from(layer.forward(tensor(x, [1, 3, 3, 2]), false).data)).toEqual([45, 50]);
  });

  it('by hand: depthMultiplier 2 gives channel c·2 + j from filter j of channel c', () => {
    const layer = buildLayer((inputShape) => new DepthwiseConv2D({ kernelSize: 1, depthMultiplier: 2, inputShape }), [1, 1, 2]);
    layer.setWeights([tensor(Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]), tensor(Float32Array.from([0, 0, 0, 0.5]), [4])]);
    expect(Array.from(layer.forward(tensor(Float32Array.from([10, 100]), [1, 1, 1, 2]), false).data)).toEqual([10, 20, 300, 400.5]);
  });

  const geometries: [string, Partial<DepthwiseConv2DOptions>, number[]][] = [
    ['valid', {}, [2, 6, 5, 3]],
    ['same, stride 2, depthMultiplier 2', { strides: 2, padding: 'same', kernelSize: 2, depthMultiplier: 2 }, [2, 5, 7, 2]],
    ['same, stride [3, 1], 4x3 kernel', { strides: [3, 1], padding: 'same', kernelSize: [4, 3] }, [1, 7, 6, 3]],
    ['dilation 2 valid, depthMultiplier 3', { dilationRate: 2, depthMultiplier: 3 }, [2, 7, 6, 2]],
    ['dilation [1, 3] same, no bias', { dilationRate: [1, 3], padding: 'same', useBias: false }, [1, 5, 6, 3]],
  ];
  for (const [label, options, shape] of geometries) {
    it(`${label}: equals the definition computed in float64 (rtol 1e-5, atol 1e-5)`, () => {
      const layer = buildLayer(depthwise({ ...options, biasInitializer: 'glorotUniform' }), shape.slice(1));
      const x = randomUniform(shape, -1, 1, new Rng(6));
      const [kernel, bias] = layer.getWeights();
      const g = window2d(shape, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding as Padding);
      const y = layer.forward(x, false);
      expect(y.shape).toEqual([shape[0], g.h.output, g.w.output, shape[3] * layer.depthMultiplier]);
      expect(y).toBeAllClose(referenceDepthwise(x.data, kernel.data, layer.useBias ? bias.data : undefined, g, layer.depthMultiplier), { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('gradients accumulate over backward calls; a batch of another size reuses nothing stale', () => {
    const layer = buildLayer(depthwise({ padding: 'same', depthMultiplier: 2 }), [4, 4, 2]);
    expectGradientsAccumulate(layer, awayFromZero([2, 4, 4, 2], 2), awayFromZero([1, 4, 4, 2], 9), randomUniform([2, 4, 4, 4], -1, 1, new Rng(1)));
  });
});

describe('DepthwiseConv2D matches Keras: weight layout, config, summary', () => {
  it('weights depthwise_kernel [kh, kw, in, depthMultiplier] and bias [in · depthMultiplier]', () => {
    const layer = buildLayer(depthwise({ kernelSize: [2, 3], depthMultiplier: 2 }), [6, 6, 4]);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[2, 3, 4, 2], [8]]);
    expect(layer.params().map((p) => p.name)).toEqual([`${layer.name}/depthwise_kernel`, `${layer.name}/bias`]);
  });

  it('the config names the kernel options after the depthwise kernel, as Keras', () => {
    const config = new DepthwiseConv2D({ kernelSize: 3, strides: [1, 2], depthMultiplier: 2, depthwiseInitializer: 'heNormal', depthwiseRegularizer: 'l2', depthwiseConstraint: 'nonNeg' }).getConfig();
    expect(config).toMatchObject({ kernelSize: [3, 3], strides: [1, 2], padding: 'valid', dilationRate: [1, 1], depthMultiplier: 2, depthwiseInitializer: { className: 'HeNormal' } });
    expect(Object.keys(config).filter((k) => k.startsWith('kernel'))).toEqual(['kernelSize']);
    expect(config.depthwiseRegularizer).toBeDefined();
    expect(config.depthwiseConstraint).toBeDefined();
    expect(() => new DepthwiseConv2D({ kernelSize: 3, kernelInitializer: 'ones' } as DepthwiseConv2DOptions)).toThrow(/"kernelInitializer" is not an option of DepthwiseConv2D\..* Its options: .*depthwiseInitializer/);
  });

  it('a MobileNet block: DepthwiseConv2D 3x3 same on 8x8x16 (Keras: (None, 8, 8, 16), 160 parameters)', () => {
    const model = new Sequential({ layers: [new DepthwiseConv2D({ kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 16] })] });
    expect(model.outputShape).toEqual([8, 8, 16]);
    expect(model.countParams()).toBe(160);
  });

  it('the depthwise regularizer adds to the loss and its gradient; the constraint projects the kernel', () => {
    const layer = buildLayer(depthwise({ depthwiseRegularizer: 'l2', depthwiseConstraint: 'nonNeg', useBias: false }), [3, 3, 2]);
    const [kernel] = layer.getWeights();
    const sum = Array.from(kernel.data).reduce((s, v) => s + v * v, 0);
    expect(layer.regularizationLoss(false)).toBeCloseTo(0.01 * sum, 6);
    layer.applyConstraints();
    expect(Math.min(...Array.from(layer.getWeights()[0].data))).toBeGreaterThanOrEqual(0);
  });
});

describe('DepthwiseConv2D errors', () => {
  it('depthMultiplier must be a positive integer', () => {
    expect(() => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0, name: 'dw_m' })).toThrow(/^dw_m: depthMultiplier must be a positive integer\. Received: depthMultiplier=0\.$/);
  });

  it("a 'valid' kernel larger than the input; a rank-3 input suggests a Reshape; a failed build adds no weights", () => {
    const layer = new DepthwiseConv2D({ kernelSize: 4, name: 'dw_big' });
    expect(() => layer.build([3, 5, 1])).toThrow(/^dw_big: a 4x4 kernel \(dilation 1x1\) does not fit in input \(None, 3, 5, 1\) with padding 'valid'\./);
    expect(layer.params()).toHaveLength(0);
    expect(() => new DepthwiseConv2D({ kernelSize: 2, name: 'dw_rank' }).build([5, 5])).toThrow(/^dw_rank: expected images of shape \(None, height, width, channels\), but received \(None, 5, 5\)\. Add a Reshape layer first/);
  });
});
