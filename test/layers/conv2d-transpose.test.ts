import { describe, expect, it } from 'vitest';
import { randomUniform, Rng, Sequential, tensor } from 'layerwise';
import { Conv2DTranspose, transposedAxis, type Conv2DTransposeOptions } from '../../src/layers/conv2d-transpose';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { awayFromZero, expectGradientsAccumulate } from '../helpers/gradcheck';
import { kerasLength, referenceTranspose, type TransposeCase } from '../helpers/conv-family-reference';

/** A seeded Conv2DTranspose with 2 filters and a 3x3 kernel unless `options` say otherwise. */
function deconv(options: Partial<Conv2DTransposeOptions> = {}) {
  return (inputShape?: number[]) => new Conv2DTranspose({ filters: 2, kernelSize: 3, seed: 4, inputShape, ...options });
}

describe('transposedAxis: the windows of the convolution a transposed convolution transposes', () => {
  it("its length is Keras 3's output length, for every size 1–4, stride 1–3, dilation 1–3, padding and outputPadding below the stride", () => {
    let checked = 0;
    for (const padding of ['valid', 'same'] as const)
      for (let n = 1; n <= 5; n++)
        for (let size = 1; size <= 4; size++)
          for (let stride = 1; stride <= 3; stride++)
            for (let dilation = 1; dilation <= 3; dilation++)
              for (const op of [undefined, ...Array.from({ length: stride }, (_, i) => i)]) {
                const a = transposedAxis(n, size, stride, dilation, padding, op);
                const expected = kerasLength(n, size, stride, dilation, padding, op);
                if (expected < 1) expect(a).toBeUndefined();
                else {
                  expect(a, `${padding} n ${n} k ${size} s ${stride} d ${dilation} op ${op}`).toMatchObject({ input: expected, output: n, size, stride, dilation });
                  checked++;
                }
              }
    expect(checked).toBeGreaterThan(600);
  });

  it("without outputPadding, 'valid' and 'same' are the windows of a Conv2D on the output (TensorFlow's padding)", () => {
    // stride 2, kernel 3, 4 inputs: 'valid' → 9 outputs, no padding; 'same' → 8, one zero after.
    expect(transposedAxis(4, 3, 2, 1, 'valid')).toEqual({ input: 9, output: 4, size: 3, stride: 2, dilation: 1, padBefore: 0, padAfter: 0 });
    expect(transposedAxis(4, 3, 2, 1, 'same')).toEqual({ input: 8, output: 4, size: 3, stride: 2, dilation: 1, padBefore: 0, padAfter: 1 });
    // A stride above the kernel: 'valid' leaves stride − kernel outputs no window reaches (negative padAfter).
    expect(transposedAxis(2, 2, 3, 1, 'valid')).toMatchObject({ input: 6, padBefore: 0, padAfter: -1 });
  });
});

describe('Conv2DTranspose contract: shapes, parameters, config round trip, gradients of input, kernel and bias', () => {
  // Gradients: central differences with h = 1e-2, |numeric − analytic| ≤ 1e-3 · max(1, |analytic|).
  // Parameters: kh · kw · filters · in (+ filters for the bias). Output sizes: Keras 3's rule (kerasLength above).
  const cases: [string, Partial<Conv2DTransposeOptions>, number[], number[], number][] = [
    ['3x3 stride 1 valid', {}, [3, 4, 2], [5, 6, 2], 38],
    ['3x3 stride 2 valid', { strides: 2 }, [3, 2, 2], [7, 5, 2], 38],
    ['3x3 stride 2 same', { strides: 2, padding: 'same' }, [3, 2, 2], [6, 4, 2], 38],
    ['2x2 stride 3 valid: outputs no window reaches', { kernelSize: 2, strides: 3 }, [2, 3, 1], [6, 9, 2], 10],
    ['4x3 kernel, strides [2, 3], same', { kernelSize: [4, 3], strides: [2, 3], padding: 'same', filters: 3 }, [3, 2, 2], [6, 6, 3], 75],
    ['dilation 2 valid', { dilationRate: 2 }, [3, 3, 1], [7, 7, 2], 20],
    ['dilation [1, 2] same', { dilationRate: [1, 2], padding: 'same' }, [3, 4, 2], [3, 4, 2], 38],
    ['outputPadding 1, stride 2 valid', { strides: 2, outputPadding: 1 }, [3, 2, 2], [8, 6, 2], 38],
    ['outputPadding [1, 0], stride 2 same', { strides: 2, padding: 'same', outputPadding: [1, 0] }, [3, 2, 2], [6, 3, 2], 38],
    ['even kernel, outputPadding [2, 1], stride 3 same', { kernelSize: 2, strides: 3, padding: 'same', outputPadding: [2, 1] }, [2, 2, 1], [5, 4, 2], 10],
    ['no bias, stride 2 same, tanh', { useBias: false, strides: 2, padding: 'same', activation: 'tanh' }, [2, 3, 2], [4, 6, 2], 36],
  ];
  for (const [label, options, inputShape, outputShape, params] of cases) {
    it(label, () => {
      const { layer, grad } = checkLayerContract({ make: deconv(options), inputShape, outputShape, params, batch: 2 });
      expect(Object.keys(grad.paramErrors)).toEqual((options.useBias === false ? ['kernel'] : ['kernel', 'bias']).map((n) => `${layer.name}/${n}`));
    });
  }

  it("'relu' and 'leaky_relu' (h = 1e-3, kinks checked one-sided)", () => {
    for (const activation of ['relu', 'leaky_relu'] as const) {
      checkLayerContract({ make: deconv({ activation, strides: 2 }), inputShape: [2, 3, 2], outputShape: [5, 7, 2], params: 38, h: 1e-3, maxKinks: 2, batch: 2 });
    }
  });

  it('built directly with layer.build as well as through a Sequential', () => {
    checkLayerContract({ make: deconv({ padding: 'same', strides: 2 }), inputShape: [2, 2, 3], outputShape: [4, 4, 2], params: 56, via: 'build' });
  });
});

describe('Conv2DTranspose forward', () => {
  it('by hand: a 2x2 kernel of ones at stride 2 copies each pixel into a 2x2 block', () => {
    const layer = buildLayer((inputShape) => new Conv2DTranspose({ filters: 1, kernelSize: 2, strides: 2, useBias: false, kernelInitializer: 'ones', inputShape }), [2, 2, 1]);
    const y = layer.forward(tensor(Float32Array.from([1, 2, 3, 4]), [1, 2, 2, 1]), false);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(y.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('by hand: stride 1 valid scatters each input through the kernel [kh, kw, filters, in]; the windows overlap and sum', () => {
    const layer = buildLayer((inputShape) => new Conv2DTranspose({ filters: 1, kernelSize: [1, 2], inputShape }), [1, 2, 1]);
    layer.setWeights([tensor(Float32Array.from([1, 10]), [1, 2, 1, 1]), tensor(Float32Array.from([0.5]), [1])]);
    // x = [1, 2]: y = [1·1, 1·10 + 2·1, 2·10] + 0.5.
    expect(Array.from(layer.forward(tensor(Float32Array.from([1, 2]), [1, 1, 2, 1]), false).data)).toEqual([1.5, 12.5, 20.5]);
  });

  const cases: TransposeCase[] = [
    { shape: [2, 3, 4, 2], filters: 3, kernelSize: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid' },
    { shape: [1, 4, 3, 3], filters: 2, kernelSize: [2, 3], strides: [2, 3], dilation: [1, 1], padding: 'same' },
    { shape: [2, 3, 3, 2], filters: 2, kernelSize: [3, 2], strides: [1, 1], dilation: [2, 3], padding: 'valid' },
    { shape: [1, 3, 4, 2], filters: 3, kernelSize: [3, 3], strides: [2, 2], dilation: [2, 1], padding: 'same' },
    { shape: [2, 2, 3, 1], filters: 2, kernelSize: [3, 2], strides: [3, 2], dilation: [1, 1], padding: 'valid', outputPadding: [2, 1] },
    { shape: [1, 3, 3, 2], filters: 2, kernelSize: [4, 3], strides: [2, 3], dilation: [1, 1], padding: 'same', outputPadding: [1, 2] },
    { shape: [1, 3, 2, 2], filters: 1, kernelSize: [2, 2], strides: [2, 2], dilation: [2, 1], padding: 'same', outputPadding: [0, 1] },
  ];
  for (const c of cases) {
    const label = `x ${c.shape.join('x')}, kernel ${c.kernelSize.join('x')}, strides ${c.strides.join('x')}, dilation ${c.dilation.join('x')}, ${c.padding}${c.outputPadding ? `, outputPadding ${c.outputPadding.join('x')}` : ''}`;
    it(`${label}: equals Keras 3's definition computed in float64 (rtol 1e-5, atol 1e-5)`, () => {
      const layer = new Conv2DTranspose({ filters: c.filters, kernelSize: c.kernelSize as [number, number], strides: c.strides as [number, number], dilationRate: c.dilation as [number, number], padding: c.padding, outputPadding: c.outputPadding as [number, number] | undefined, biasInitializer: 'glorotUniform', seed: 3 });
      layer.build(c.shape.slice(1));
      const x = randomUniform(c.shape, -1, 1, new Rng(6));
      const [kernel, bias] = layer.getWeights();
      const ref = referenceTranspose(x.data, kernel.data, bias.data, c);
      const y = layer.forward(x, false);
      expect(y.shape).toEqual(ref.shape);
      expect(y).toBeAllClose(ref.y, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('gradients accumulate over backward calls; a batch of another size reuses nothing stale', () => {
    const layer = buildLayer(deconv({ strides: 2, padding: 'same' }), [3, 3, 2]);
    expectGradientsAccumulate(layer, awayFromZero([2, 3, 3, 2], 2), awayFromZero([1, 3, 3, 2], 9), randomUniform([2, 6, 6, 2], -1, 1, new Rng(1)));
  });
});

describe('Conv2DTranspose matches Keras: weight layout, config, summary', () => {
  it('the kernel is [kh, kw, filters, in], the bias [filters]; glorotUniform over fanIn kh·kw·filters, fanOut kh·kw·in (Keras reads the transposed kernel as a Conv2D one)', () => {
    const layer = buildLayer(deconv({ filters: 5, kernelSize: [2, 3] }), [4, 4, 3]);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[2, 3, 5, 3], [5]]);
    expect(layer.params().map((p) => p.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    const limit = Math.sqrt(6 / (2 * 3 * 5 + 2 * 3 * 3));
    const values = Array.from(layer.getWeights()[0].data, Math.abs);
    expect(Math.max(...values)).toBeLessThanOrEqual(limit);
    expect(Math.max(...values)).toBeGreaterThan(0.8 * limit);
  });

  it('the config holds the options as pairs, outputPadding only when given', () => {
    expect(new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: [1, 2], padding: 'same' }).getConfig()).toMatchObject({ filters: 2, kernelSize: [3, 3], strides: [1, 2], padding: 'same', dilationRate: [1, 1] });
    expect(new Conv2DTranspose({ filters: 2, kernelSize: 3 }).getConfig()).not.toHaveProperty('outputPadding');
    expect(new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 3, outputPadding: 2 }).getConfig().outputPadding).toEqual([2, 2]);
  });

  it("an autoencoder's decoder: Conv2DTranspose 8 3x3 stride 2 same doubles 7x7 to 14x14 (Keras: (None, 14, 14, 8), 296 parameters)", () => {
    const model = new Sequential({ layers: [new Conv2DTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [7, 7, 4] })] });
    expect(model.outputShape).toEqual([14, 14, 8]);
    expect(model.countParams()).toBe(296);
  });
});

describe('Conv2DTranspose errors', () => {
  it('outputPadding at or above the stride, negative, or not a pair', () => {
    for (const [outputPadding, strides, shown] of [[2, 2, '2'], [[0, 1], 1, '\\[0,1\\]'], [-1, 2, '-1'], [[1, 1, 1], 2, '\\[1,1,1\\]'], [0.5, 2, '0\\.5']] as const) {
      expect(() => new Conv2DTranspose({ filters: 1, kernelSize: 3, strides, outputPadding: outputPadding as number, name: 'deconv_op' })).toThrow(
        new RegExp(`^deconv_op: outputPadding must be a non-negative integer or a pair of them, each below the stride \\(strides ${strides}x${strides}\\)\\. Received: outputPadding=${shown}\\.$`),
      );
    }
  });

  it('a rank-3 input suggests a Reshape; an input with other channels than built for names both', () => {
    expect(() => new Conv2DTranspose({ filters: 1, kernelSize: 2, name: 'deconv_rank' }).build([5, 5])).toThrow(/^deconv_rank: expected images of shape \(None, height, width, channels\), but received \(None, 5, 5\)\. Add a Reshape layer first/);
    const layer = buildLayer(deconv(), [3, 3, 2]);
    expect(() => layer.forward(randomUniform([1, 3, 3, 3], -1, 1, new Rng(1)), false)).toThrow(/expected inputs with 2 channels on the last axis, as the layer was built for, but received shape \[1, 3, 3, 3\]/);
  });

  it("an empty output ('same', an even kernel, no outputPadding, one input row) names the sizes; a failed build adds no weights", () => {
    const layer = new Conv2DTranspose({ filters: 1, kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0, name: 'deconv_empty' });
    expect(() => layer.build([1, 3, 1])).toThrow(/^deconv_empty: input \(None, 1, 3, 1\) gives an empty output with padding 'same' and a 2x2 kernel \(dilation 1x1\)\. Use a larger input, or outputPadding\.$/);
    expect(layer.built).toBe(false);
    expect(layer.params()).toHaveLength(0);
  });
});
