import { describe, expect, it } from 'vitest';
import {
  Conv2D,
  Dense,
  ELU,
  Flatten,
  LeakyReLU,
  MaxPooling2D,
  PReLU,
  randomUniform,
  ReLU,
  Reshape,
  Rng,
  Sequential,
  Softmax,
  tensor,
  type ActivationSpec,
  type Conv2DOptions,
  zeros,
} from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { awayFromZero, expectGradientsAccumulate, gradCheckLayer } from '../helpers/gradcheck';
import { naiveConv2d, window2d } from '../helpers/reference';

/** A seeded Conv2D with 3 filters and a 3x3 kernel unless `options` say otherwise. */
function conv(options: Partial<Conv2DOptions> = {}) {
  return (inputShape?: number[]) => new Conv2D({ filters: 3, kernelSize: 3, seed: 4, inputShape, ...options });
}

describe('Conv2D contract: shapes, parameters, config round trip, gradients of input, kernel and bias', () => {
  // Gradients: central differences with h = 1e-2, |numeric − analytic| ≤ 1e-3 · max(1, |analytic|).
  // Parameters: kh · kw · in · filters (+ filters for the bias).
  const cases: [string, Partial<Conv2DOptions>, number[], number[], number][] = [
    ['3x3 stride 1 valid', {}, [5, 6, 2], [3, 4, 3], 57],
    ['3x3 stride 2 valid, odd size 7x6', { strides: 2 }, [7, 6, 2], [3, 2, 3], 57],
    ['3x3 stride 1 same', { padding: 'same' }, [5, 6, 2], [5, 6, 3], 57],
    ['2x2 stride 2 same: asymmetric padding on the odd axis', { kernelSize: 2, strides: 2, padding: 'same' }, [5, 6, 2], [3, 3, 3], 27],
    ['4x4 stride 3 same', { kernelSize: 4, strides: 3, padding: 'same', filters: 2 }, [7, 5, 1], [3, 2, 2], 34],
    ['3x3 dilation 2 valid', { dilationRate: 2 }, [7, 7, 1], [3, 3, 3], 30],
    ['3x3 dilation 2 same', { dilationRate: 2, padding: 'same' }, [5, 6, 2], [5, 6, 3], 57],
    ['2x3 kernel, strides [1, 2], dilation [2, 1], same', { kernelSize: [2, 3], strides: [1, 2], dilationRate: [2, 1], padding: 'same' }, [5, 6, 2], [5, 3, 3], 39],
    ['1x1 kernel', { kernelSize: 1, filters: 4 }, [3, 3, 3], [3, 3, 4], 16],
    ['kernel as large as the input', { kernelSize: [4, 3] }, [4, 3, 2], [1, 1, 3], 75],
    ['no bias, valid', { useBias: false }, [5, 6, 2], [3, 4, 3], 54],
    ['no bias, stride 2 same', { useBias: false, strides: 2, padding: 'same' }, [5, 6, 2], [3, 3, 3], 54],
  ];
  for (const [label, options, inputShape, outputShape, params] of cases) {
    it(label, () => {
      const { layer, grad } = checkLayerContract({ make: conv(options), inputShape, outputShape, params, batch: 2 });
      const names = options.useBias === false ? ['kernel'] : ['kernel', 'bias'];
      expect(Object.keys(grad.paramErrors)).toEqual(names.map((n) => `${layer.name}/${n}`));
    });
  }

  it('built directly with layer.build as well as through a Sequential', () => {
    checkLayerContract({ make: conv({ activation: 'tanh', padding: 'same' }), inputShape: [4, 4, 2], outputShape: [4, 4, 3], params: 57, via: 'build' });
  });
});

describe('Conv2D with each activation form', () => {
  // ReLU-family functions have a kink at 0: with the step h = 1e-3 few pre-activations fall within ±h
  // of it, and those are checked one-sided (maxKinks). Smooth functions use h = 1e-2 and have none.
  // Tolerance 1e-3 · max(1, |analytic|) throughout.
  const keys: [ActivationSpec, number, number][] = [
    ['relu', 1e-3, 2],
    ['leaky_relu', 1e-3, 2],
    ['LeakyReLU', 1e-3, 2],
    ['elu', 1e-3, 2],
    ['tanh', 1e-2, 0],
    ['sigmoid', 1e-2, 0],
    ['softmax', 1e-2, 0],
    ['gelu', 1e-2, 0],
  ];
  for (const [key, h, maxKinks] of keys) {
    it(`key '${key}': stride 2 same, gradients of input, kernel and bias`, () => {
      const { layer } = checkLayerContract({ make: conv({ activation: key, strides: 2, padding: 'same' }), inputShape: [5, 6, 2], outputShape: [3, 3, 3], params: 57, h, maxKinks });
      expect(layer.getConfig().activation).toBe(layer.activation.toConfig());
    });
  }

  const instances: [string, () => ActivationSpec, number, number][] = [
    ['new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 }), 57, 2],
    ['new ReLU()', () => new ReLU(), 57, 2],
    ['new ELU({ alpha: 0.5 })', () => new ELU({ alpha: 0.5 }), 57, 2],
    ['new Softmax()', () => new Softmax(), 57, 0],
    // PReLU learns one slope per output value: 3 · 4 · 3 = 36 more parameters.
    ['new PReLU()', () => new PReLU(), 57 + 36, 2],
  ];
  for (const [label, make, params, maxKinks] of instances) {
    it(`${label}: gradients of input, kernel, bias (and alpha), h = 1e-3`, () => {
      const { layer, grad } = checkLayerContract({ make: conv({ activation: make() }), inputShape: [5, 6, 2], outputShape: [3, 4, 3], params, h: 1e-3, maxKinks, batch: 2 });
      expect(Object.keys(grad.paramErrors)).toEqual(layer.params().map((p) => p.name));
    });
  }

  it('PReLU alpha gradient with non-zero slopes: [kernel, bias, alpha], alpha shaped like the output', () => {
    // One small image: a kernel weight moves every pre-activation of its filter, and the fewer
    // there are, the fewer cross a kink within ±h at once (which a one-sided check cannot absorb).
    const layer = buildLayer(conv({ activation: new PReLU(), dilationRate: 2, padding: 'same' }), [4, 4, 2]);
    const [kernel, bias, alpha] = layer.getWeights();
    expect([kernel.shape, bias.shape, alpha.shape]).toEqual([[3, 3, 2, 3], [3], [4, 4, 3]]);
    expect(layer.params().map((p) => p.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`, `${layer.name}/p_re_lu/alpha`]);
    layer.setWeights([kernel, bias, randomUniform(alpha.shape, -0.5, 0.5, new Rng(3))]);
    const r = gradCheckLayer(layer, awayFromZero([1, 4, 4, 2], 5), { h: 1e-3 });
    expect(r.maxError).toBeLessThanOrEqual(1e-3);
    expect(r.kinks).toBeLessThanOrEqual(2);
    expect(Object.keys(r.paramErrors)).toHaveLength(3);
  });

  it("'leaky_relu' (alpha 0.2) and new LeakyReLU({ alpha: 0.2 }) give the same output, bit for bit", () => {
    const key = buildLayer(conv({ activation: 'leaky_relu' }), [4, 4, 2]);
    const instance = buildLayer(conv({ activation: new LeakyReLU({ alpha: 0.2 }) }), [4, 4, 2]);
    instance.setWeights(key.getWeights());
    const x = awayFromZero([2, 4, 4, 2], 8);
    expect(Array.from(instance.forward(x, false).data)).toEqual(Array.from(key.forward(x, false).data));
  });
});

describe('Conv2D forward', () => {
  const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

  it('by hand: the kernel is [kh, kw, in, filters]; filter 0 reads the top-left tap, filter 1 the bottom-right', () => {
    const layer = buildLayer((inputShape) => new Conv2D({ filters: 2, kernelSize: 2, inputShape }), [3, 3, 1]);
    // kernel[0, 0, 0, 0] = 1 (flat index 0) and kernel[1, 1, 0, 1] = 1 (flat index ((1·2 + 1)·1 + 0)·2 + 1 = 7).
    layer.setWeights([t([1, 0, 0, 0, 0, 0, 0, 1], [2, 2, 1, 2]), t([0.5, -1], [2])]);
    // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]: top-left taps 1, 2, 4, 5 (+0.5); bottom-right taps 5, 6, 8, 9 (−1).
    const y = layer.forward(t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]), false);
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(y.data)).toEqual([1.5, 4, 2.5, 5, 4.5, 7, 5.5, 8]);
  });

  it("by hand: 'same' with a 3x3 box filter sums each 3x3 neighbourhood, zeros outside", () => {
    const layer = buildLayer((inputShape) => new Conv2D({ filters: 1, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'ones', inputShape }), [3, 3, 1]);
    const y = layer.forward(t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]), false);
    expect(Array.from(y.data)).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  const geometries: [string, Partial<Conv2DOptions>, number[]][] = [
    ['valid', {}, [2, 6, 5, 3]],
    ['same, stride 2', { strides: 2, padding: 'same', kernelSize: 2 }, [2, 5, 7, 2]],
    ['same, stride [3, 1], 4x3 kernel', { strides: [3, 1], padding: 'same', kernelSize: [4, 3] }, [1, 7, 6, 3]],
    ['dilation 2, valid', { dilationRate: 2, filters: 4 }, [2, 7, 6, 2]],
    ['dilation [1, 2], same, no bias', { dilationRate: [1, 2], padding: 'same', useBias: false }, [1, 5, 6, 3]],
  ];
  for (const [label, options, shape] of geometries) {
    it(`${label}: equals the definition y = b + Σ x · kernel computed in float64 (rtol 1e-5, atol 1e-5)`, () => {
      const layer = buildLayer(conv({ ...options, biasInitializer: 'glorotUniform' }), shape.slice(1));
      const x = randomUniform(shape, -1, 1, new Rng(6));
      const [kernel, bias] = layer.getWeights();
      const g = window2d(shape, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding);
      const y = layer.forward(x, false);
      expect(y.shape).toEqual([shape[0], g.h.output, g.w.output, layer.filters]);
      expect(y).toBeAllClose(naiveConv2d(x.data, kernel.data, layer.useBias ? bias.data : undefined, g, layer.filters), { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('gradients accumulate over backward calls; a batch of another size reuses nothing stale', () => {
    const layer = buildLayer(conv({ padding: 'same' }), [4, 4, 2]);
    expectGradientsAccumulate(layer, awayFromZero([2, 4, 4, 2], 2), awayFromZero([1, 4, 4, 2], 9), randomUniform([2, 4, 4, 3], -1, 1, new Rng(1)));
  });
});

describe('Conv2D matches Keras: shapes, parameter counts, weight layout', () => {
  it('the MNIST net: Conv2D 8 5x5 same → MaxPooling2D 2 → Conv2D 16 5x5 same → MaxPooling2D 3 → Flatten → Dense 10', () => {
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }),
        new MaxPooling2D({ poolSize: 3 }),
        new Flatten(),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const [c1, p1, c2, p2, f, d] = model.layers.map((l) => l.name);
    // Keras: (None, 28, 28, 8) 208; (None, 14, 14, 8) 0; (None, 14, 14, 16) 3216; (None, 4, 4, 16) 0; (None, 256) 0; (None, 10) 2570.
    const text = model.summary({ printFn: () => {} });
    expect(text).toMatch(new RegExp(`\n${c1} \\(Conv2D\\) +\\(None, 28, 28, 8\\) +208 +relu\n`));
    expect(text).toMatch(new RegExp(`\n${p1} \\(MaxPooling2D\\) +\\(None, 14, 14, 8\\) +0\n`));
    expect(text).toMatch(new RegExp(`\n${c2} \\(Conv2D\\) +\\(None, 14, 14, 16\\) +3216 +relu\n`));
    expect(text).toMatch(new RegExp(`\n${p2} \\(MaxPooling2D\\) +\\(None, 4, 4, 16\\) +0\n`));
    expect(text).toMatch(new RegExp(`\n${f} \\(Flatten\\) +\\(None, 256\\) +0\n`));
    expect(text).toMatch(new RegExp(`\n${d} \\(Dense\\) +\\(None, 10\\) +2570 +softmax\n`));
    expect(text).toMatch(/\nTotal params: 5,994\nTrainable params: 5,994\nNon-trainable params: 0\n/);
    expect(model.countParams()).toBe(5994);
    expect(model.outputShape).toEqual([10]);
    const y = model.predict(randomUniform([2, 28, 28, 1], 0, 1, new Rng(1)));
    expect(y.shape).toEqual([2, 10]);
  });

  it('getWeights gives copies of the kernel [kh, kw, in, filters] then the bias [filters]', () => {
    const layer = buildLayer(conv({ filters: 5, kernelSize: [2, 3] }), [6, 6, 4]);
    const weights = layer.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([[2, 3, 4, 5], [5]]);
    expect(layer.params().map((p) => p.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    weights[0].data.fill(42);
    expect(Array.from(layer.getWeights()[0].data)).not.toContain(42);
    // glorotUniform over fanIn = 2·3·4 = 24 and fanOut = 2·3·5 = 30, as Keras: within ±√(6 / 54).
    expect(Math.max(...Array.from(layer.getWeights()[0].data, Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 54));
    expect(Math.max(...Array.from(layer.getWeights()[0].data, Math.abs))).toBeGreaterThan(0.9 * Math.sqrt(6 / 54));
  });

  it('the config holds the options as pairs', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 3, strides: [1, 2], dilationRate: 1, padding: 'same', useBias: false });
    expect(layer.getConfig()).toMatchObject({ filters: 2, kernelSize: [3, 3], strides: [1, 2], padding: 'same', dilationRate: [1, 1], useBias: false, activation: 'linear' });
  });
});

describe('Conv2D errors', () => {
  it('a rank-2 input shape suggests a Reshape layer first', () => {
    expect(() => new Sequential({ layers: [new Conv2D({ filters: 2, kernelSize: 3, inputShape: [28, 28], name: 'conv_rank' })] })).toThrow(
      /^conv_rank: expected images of shape \(None, height, width, channels\), but received \(None, 28, 28\)\. Add a Reshape layer first \(e\.g\. new Reshape\(\{ targetShape: \[28, 28, 1\] \}\)\)\.$/,
    );
    // And the suggested fix works.
    const model = new Sequential({ layers: [new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }), new Conv2D({ filters: 2, kernelSize: 3 })] });
    expect(model.outputShape).toEqual([26, 26, 2]);
  });

  it("a 'valid' kernel larger than the input names both and suggests 'same'", () => {
    expect(() => buildLayer((inputShape) => new Conv2D({ filters: 2, kernelSize: 5, name: 'conv_big', inputShape }), [3, 4, 1])).toThrow(
      /^conv_big: a 5x5 kernel \(dilation 1x1\) does not fit in input \(None, 3, 4, 1\) with padding 'valid'\. Use padding: 'same' or a smaller kernel\.$/,
    );
    // Dilation 2 spreads a 3x3 kernel over 5x5.
    expect(() => new Conv2D({ filters: 1, kernelSize: 3, dilationRate: 2, name: 'conv_dil' }).build([4, 6, 1])).toThrow(
      /^conv_dil: a 3x3 kernel \(dilation 2x2\) does not fit in input \(None, 4, 6, 1\)/,
    );
    // A failed build adds no weights.
    const layer = new Conv2D({ filters: 1, kernelSize: 3, name: 'conv_none' });
    expect(() => layer.build([2, 2, 1])).toThrow(/conv_none/);
    expect(layer.built).toBe(false);
    expect(layer.params()).toHaveLength(0);
  });

  for (const filters of [0, -2, 1.5, NaN]) {
    it(`filters=${filters}`, () => {
      expect(() => new Conv2D({ filters, kernelSize: 3, name: 'conv_f' })).toThrow(
        new RegExp(`^conv_f: filters must be a positive integer\\. Received: filters=${filters}\\.$`),
      );
    });
  }

  const pairs: [keyof Conv2DOptions, unknown, string][] = [
    ['kernelSize', 0, '0'],
    ['kernelSize', 2.5, '2\\.5'],
    ['kernelSize', [3], '\\[3\\]'],
    ['kernelSize', [3, 0], '\\[3,0\\]'],
    ['strides', 0, '0'],
    ['strides', [1, -1], '\\[1,-1\\]'],
    ['dilationRate', 0, '0'],
  ];
  for (const [name, value, shown] of pairs) {
    it(`${name}=${JSON.stringify(value)}`, () => {
      expect(() => new Conv2D({ filters: 1, kernelSize: 3, [name]: value, name: 'conv_p' })).toThrow(
        new RegExp(`^conv_p: ${name} must be a positive integer or a pair of them\\. Received: ${name}=${shown}\\.$`),
      );
    });
  }

  it("padding other than 'valid' or 'same'", () => {
    expect(() => new Conv2D({ filters: 1, kernelSize: 3, padding: 'full' as 'same', name: 'conv_pad' })).toThrow(
      /^conv_pad: padding must be 'valid' or 'same'\. Received: padding="full"\.$/,
    );
  });

  it('an unknown activation key names the layer and suggests the nearest', () => {
    expect(() => new Conv2D({ filters: 1, kernelSize: 3, activation: 'rellu', name: 'conv_act' })).toThrow(/^Unknown activation "rellu" in conv_act\. Did you mean "relu"\?/);
  });

  it('backward before forward, and forward before build, name the layer', () => {
    const layer = buildLayer(conv(), [4, 4, 1]);
    expect(() => layer.backward(tensor(new Float32Array(12), [1, 2, 2, 3]))).toThrow(/backward was called before forward/);
    expect(() => new Conv2D({ filters: 1, kernelSize: 1, name: 'conv_nb' }).forward(tensor(new Float32Array(4), [1, 2, 2, 1]), false)).toThrow(
      /^conv_nb: the layer is not built yet/,
    );
  });
});

describe('Conv2D and Dense check the input depth they were built for', () => {
  it('rejects a batch with the wrong channel count, naming the layer', () => {
    const conv = new Conv2D({ filters: 2, kernelSize: 3, name: 'conv_depth' });
    conv.build([5, 5, 3]);
    expect(() => conv.forward(zeros([1, 5, 5, 2]), false)).toThrow(
      /^conv_depth: expected inputs with 3 channels on the last axis, as the layer was built for, but received shape \[1, 5, 5, 2\]\.$/,
    );
    const dense = new Dense({ units: 2, name: 'dense_depth' });
    dense.build([4]);
    expect(() => dense.forward(zeros([2, 3]), false)).toThrow(/^dense_depth: expected inputs with 4 features on the last axis/);
  });
});
