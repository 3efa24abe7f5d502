import { afterEach, describe, expect, it } from 'vitest';
import {
  Conv1D,
  Conv2D,
  Dense,
  ELU,
  GlobalAveragePooling1D,
  getBackend,
  LeakyReLU,
  MaxPooling1D,
  PReLU,
  randomUniform,
  ReLU,
  Reshape,
  Rng,
  Sequential,
  setBackend,
  Softmax,
  tensor,
  type ActivationSpec,
  type BackendName,
  type Conv1DOptions,
  zeros,
} from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { awayFromZero, expectGradientsAccumulate, gradCheckLayer } from '../helpers/gradcheck';

/** A seeded Conv1D with 3 filters and a kernel of 3 unless `options` say otherwise. */
function conv(options: Partial<Conv1DOptions> = {}) {
  return (inputShape?: number[]) => new Conv1D({ filters: 3, kernelSize: 3, seed: 4, inputShape, ...options });
}

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);
/** x = [1, 2, 3, 4, 5], one channel, one sample. */
const five = () => t([1, 2, 3, 4, 5], [1, 5, 1]);

const initialBackend = getBackend();
afterEach(() => setBackend(initialBackend));

describe('Conv1D contract: shapes, parameters, config round trip, gradients of input, kernel and bias', () => {
  // Gradients: central differences with h = 1e-2, |numeric − analytic| ≤ 1e-3 · max(1, |analytic|).
  // Parameters: kernelSize · in · filters (+ filters for the bias). Output lengths: 'valid'
  // floor((steps − span) / stride) + 1 with span = (kernelSize − 1) · dilation + 1; 'same' and
  // 'causal' ceil(steps / stride).
  const cases: [string, Partial<Conv1DOptions>, number[], number[], number][] = [
    ['kernel 3 stride 1 valid', {}, [8, 2], [6, 3], 21],
    ['kernel 3 stride 2 valid, odd length 9', { strides: 2 }, [9, 2], [4, 3], 21],
    ['kernel 3 stride 1 same', { padding: 'same' }, [7, 2], [7, 3], 21],
    ['kernel 2 stride 2 same: the odd padding goes after', { kernelSize: 2, strides: 2, padding: 'same' }, [7, 2], [4, 3], 15],
    ['kernel 4 stride 3 same', { kernelSize: 4, strides: 3, padding: 'same', filters: 2 }, [8, 1], [3, 2], 10],
    ['kernel 3 stride 1 causal', { padding: 'causal' }, [7, 2], [7, 3], 21],
    ['kernel 3 stride 2 causal', { padding: 'causal', strides: 2 }, [8, 2], [4, 3], 21],
    ['kernel 2 stride 3 causal, odd length', { padding: 'causal', kernelSize: 2, strides: 3 }, [7, 2], [3, 3], 15],
    ['kernel 3 dilation 2 valid', { dilationRate: 2 }, [9, 1], [5, 3], 12],
    ['kernel 3 dilation 2 same', { dilationRate: 2, padding: 'same' }, [6, 2], [6, 3], 21],
    ['kernel 3 dilation 2 causal', { dilationRate: 2, padding: 'causal' }, [7, 2], [7, 3], 21],
    ['kernel 2 dilation 4 causal: a span of 5', { kernelSize: 2, dilationRate: 4, padding: 'causal', filters: 2 }, [9, 3], [9, 2], 14],
    ['kernel 1', { kernelSize: 1, filters: 4 }, [5, 3], [5, 4], 16],
    ['kernel as long as the input', { kernelSize: 6 }, [6, 2], [1, 3], 39],
    ['same, sequence shorter than the kernel', { kernelSize: 5, padding: 'same' }, [2, 2], [2, 3], 33],
    ['causal, sequence shorter than the kernel', { kernelSize: 5, padding: 'causal' }, [3, 2], [3, 3], 33],
    ['kernelSize, strides and dilationRate as lists of one', { kernelSize: [2], strides: [2], dilationRate: [1] }, [8, 2], [4, 3], 15],
    ['no bias, valid', { useBias: false }, [8, 2], [6, 3], 18],
    ['no bias, causal stride 2', { useBias: false, padding: 'causal', strides: 2 }, [7, 2], [4, 3], 18],
  ];
  for (const [label, options, inputShape, outputShape, params] of cases) {
    it(label, () => {
      const { layer, grad } = checkLayerContract({ make: conv(options), inputShape, outputShape, params, batch: 2 });
      const names = options.useBias === false ? ['kernel'] : ['kernel', 'bias'];
      expect(Object.keys(grad.paramErrors)).toEqual(names.map((n) => `${layer.name}/${n}`));
      expect(layer.getWeights().map((w) => w.shape)).toEqual([[layer.kernelSize[0], inputShape[1], layer.filters], ...(options.useBias === false ? [] : [[layer.filters]])]);
    });
  }

  it('built directly with layer.build as well as through a Sequential', () => {
    checkLayerContract({ make: conv({ activation: 'tanh', padding: 'causal' }), inputShape: [6, 2], outputShape: [6, 3], params: 21, via: 'build' });
  });
});

describe('Conv1D with each activation form', () => {
  // ReLU and leaky ReLU are fused into the convolution kernels (forward and backward): each padding,
  // strides and dilation, on both kernel backends. ReLU-family functions have a kink at 0: with the
  // step h = 1e-3 few pre-activations fall within ±h of it, and those are checked one-sided
  // (maxKinks). Smooth functions use h = 1e-2 and have none. Tolerance 1e-3 · max(1, |analytic|).
  const BACKENDS: BackendName[] = ['wasm', 'js'];
  const fused: [string, Partial<Conv1DOptions>, number[], number[]][] = [
    ['valid', {}, [8, 2], [6, 3]],
    ['same, stride 2', { padding: 'same', strides: 2 }, [7, 2], [4, 3]],
    ['causal', { padding: 'causal' }, [7, 2], [7, 3]],
    ['causal, stride 2', { padding: 'causal', strides: 2 }, [8, 2], [4, 3]],
    ['causal, dilation 2', { padding: 'causal', dilationRate: 2 }, [7, 2], [7, 3]],
    ['valid, dilation 2, no bias', { dilationRate: 2, useBias: false }, [9, 2], [5, 3]],
  ];
  for (const backend of BACKENDS) {
    for (const activation of ['relu', 'leaky_relu'] as const) {
      for (const [label, options, inputShape, outputShape] of fused) {
        it(`${backend}: fused '${activation}', ${label}`, () => {
          setBackend(backend);
          const params = 3 * inputShape[1] * 3 + (options.useBias === false ? 0 : 3);
          const { layer } = checkLayerContract({ make: conv({ activation, ...options }), inputShape, outputShape, params, h: 1e-3, maxKinks: 2, batch: 2 });
          expect(layer.activation.fusableSlope()).toBe(activation === 'relu' ? 0 : 0.2);
        });
      }
    }
  }

  const keys: [ActivationSpec, number, number][] = [
    ['LeakyReLU', 1e-3, 2],
    ['elu', 1e-3, 2],
    ['tanh', 1e-2, 0],
    ['sigmoid', 1e-2, 0],
    ['softmax', 1e-2, 0],
    ['gelu', 1e-2, 0],
  ];
  for (const [key, h, maxKinks] of keys) {
    it(`key '${key}': causal stride 2, gradients of input, kernel and bias`, () => {
      const { layer } = checkLayerContract({ make: conv({ activation: key, strides: 2, padding: 'causal' }), inputShape: [7, 2], outputShape: [4, 3], params: 21, h, maxKinks });
      expect(layer.getConfig().activation).toBe(layer.activation.toConfig());
    });
  }

  const instances: [string, () => ActivationSpec, number, number, boolean][] = [
    ['new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 }), 21, 2, true],
    ['new ReLU()', () => new ReLU(), 21, 2, true],
    ['new ReLU({ maxValue: 0.5 })', () => new ReLU({ maxValue: 0.5 }), 21, 2, false],
    ['new ELU({ alpha: 0.5 })', () => new ELU({ alpha: 0.5 }), 21, 2, false],
    ['new Softmax()', () => new Softmax(), 21, 0, false],
    // PReLU learns one slope per output value: 6 · 3 = 18 more parameters.
    ['new PReLU()', () => new PReLU(), 21 + 18, 2, false],
  ];
  for (const [label, make, params, maxKinks, fusable] of instances) {
    it(`${label}: gradients of input, kernel, bias (and alpha), h = 1e-3${fusable ? ', fused' : ''}`, () => {
      const { layer, grad } = checkLayerContract({ make: conv({ activation: make() }), inputShape: [8, 2], outputShape: [6, 3], params, h: 1e-3, maxKinks, batch: 2 });
      expect(Object.keys(grad.paramErrors)).toEqual(layer.params().map((p) => p.name));
      expect(layer.activation.fusableSlope() !== undefined).toBe(fusable);
    });
  }

  it("'leaky_relu' (alpha 0.2) and new LeakyReLU({ alpha: 0.2 }) give the same output and gradients, bit for bit", () => {
    const key = buildLayer(conv({ activation: 'leaky_relu', padding: 'causal' }), [6, 2]);
    const instance = buildLayer(conv({ activation: new LeakyReLU({ alpha: 0.2 }), padding: 'causal' }), [6, 2]);
    instance.setWeights(key.getWeights());
    const x = awayFromZero([2, 6, 2], 8);
    expect(bytesOf(instance.forward(x, true))).toEqual(bytesOf(key.forward(x, true)));
    const dy = randomUniform([2, 6, 3], -1, 1, new Rng(2));
    expect(bytesOf(instance.backward(dy))).toEqual(bytesOf(key.backward(dy)));
    expect(instance.params().map((p) => bytesOf(p.grad))).toEqual(key.params().map((p) => bytesOf(p.grad)));
  });
});

describe('Conv1D forward and backward', () => {
  it('by hand: the kernel is [kernelSize, in, filters]; filter 0 reads the first tap, filter 1 the second', () => {
    const layer = buildLayer((inputShape) => new Conv1D({ filters: 2, kernelSize: 2, inputShape }), [4, 1]);
    // kernel[0, 0, 0] = 1 (flat index 0) and kernel[1, 0, 1] = 1 (flat index (1·1 + 0)·2 + 1 = 3).
    layer.setWeights([t([1, 0, 0, 1], [2, 1, 2]), t([0.5, -1], [2])]);
    const y = layer.forward(t([1, 2, 3, 4], [1, 4, 1]), false);
    expect(y.shape).toEqual([1, 3, 2]);
    expect(Array.from(y.data)).toEqual([1.5, 1, 2.5, 2, 3.5, 3]);
  });

  it('by hand: channels are summed; filters are the last axis', () => {
    const layer = buildLayer((inputShape) => new Conv1D({ filters: 1, kernelSize: 1, useBias: false, inputShape }), [2, 2]);
    layer.setWeights([t([10, 1], [1, 2, 1])]);
    expect(Array.from(layer.forward(t([1, 2, 3, 4], [1, 2, 2]), false).data)).toEqual([12, 34]);
  });

  const box = (options: Partial<Conv1DOptions>) => (inputShape?: number[]) =>
    new Conv1D({ filters: 1, kernelSize: 3, useBias: false, kernelInitializer: 'ones', inputShape, ...options });
  const sums: [string, Partial<Conv1DOptions>, number[]][] = [
    ["'valid': the sums of x[t..t+2]", {}, [6, 9, 12]],
    ["'same': the sums of x[t−1..t+1], zeros outside", { padding: 'same' }, [3, 6, 9, 12, 9]],
    ["'causal': the sums of x[t−2..t], zeros before the sequence only", { padding: 'causal' }, [1, 3, 6, 9, 12]],
    ["'causal' dilation 2, kernel 2: x[t−2] + x[t]", { padding: 'causal', kernelSize: 2, dilationRate: 2 }, [1, 2, 4, 6, 8]],
    ["'causal' stride 2, kernel 2: x[2o−1] + x[2o], one zero before", { padding: 'causal', kernelSize: 2, strides: 2 }, [1, 5, 9]],
    ["'same' stride 2, kernel 2: padding 1 after", { padding: 'same', kernelSize: 2, strides: 2 }, [3, 7, 5]],
    ["'valid' dilation 2: x[t] + x[t+2] + x[t+4]", { dilationRate: 2 }, [9]],
  ];
  for (const [label, options, expected] of sums) {
    it(`by hand, a box kernel of ones on [1, 2, 3, 4, 5]: ${label}`, () => {
      const layer = buildLayer(box(options), [5, 1]);
      const y = layer.forward(five(), false);
      expect(y.shape).toEqual([1, expected.length, 1]);
      expect(Array.from(y.data)).toEqual(expected);
    });
  }

  it("by hand, 'causal' backward: each input gets the gradients of the outputs that read it, the kernel those of its taps", () => {
    const layer = buildLayer((inputShape) => new Conv1D({ filters: 1, kernelSize: 3, padding: 'causal', kernelInitializer: 'ones', inputShape }), [5, 1]);
    layer.forward(five(), true);
    const dx = layer.backward(t([1, 1, 1, 1, 1], [1, 5, 1]));
    // Input i is read by outputs i, i + 1 and i + 2 (those that exist).
    expect(Array.from(dx.data)).toEqual([3, 3, 3, 2, 1]);
    const [dKernel, dBias] = layer.params().map((p) => Array.from(p.grad.data));
    // Tap t of output o reads x[o − 2 + t]: Σ_o x[o − 2 + t] over the sequence = 1+2+3, 1+2+3+4, 1+2+3+4+5.
    expect(dKernel).toEqual([6, 10, 15]);
    expect(dBias).toEqual([5]);
  });

  it("'causal': no output sees a later input; 'same' does", () => {
    const x = randomUniform([1, 9, 2], -1, 1, new Rng(3));
    for (const padding of ['causal', 'same'] as const) {
      const layer = buildLayer(conv({ padding, dilationRate: 2, biasInitializer: 'glorotUniform' }), [9, 2]);
      const y0 = Float32Array.from(layer.forward(x, false).data);
      for (let step = 0; step < 9; step++) {
        const moved = tensor(Float32Array.from(x.data), x.shape);
        moved.data[step * 2] += 1;
        moved.data[step * 2 + 1] -= 1;
        const y = layer.forward(moved, false).data;
        // Outputs [0, step) for 3 filters: unchanged exactly when causal.
        const before = Array.from(y.slice(0, step * 3));
        if (padding === 'causal') expect(before).toEqual(Array.from(y0.slice(0, step * 3)));
        else if (step >= 2) expect(before).not.toEqual(Array.from(y0.slice(0, step * 3)));
        // The output at the moved step itself always changes.
        expect(Array.from(y.slice(step * 3, step * 3 + 3))).not.toEqual(Array.from(y0.slice(step * 3, step * 3 + 3)));
      }
    }
  });

  const asImages: [string, Partial<Conv1DOptions>][] = [
    ['valid, stride 2', { strides: 2 }],
    ['same, kernel 4, stride 3', { padding: 'same', kernelSize: 4, strides: 3 }],
    ['same, dilation 2, no bias', { padding: 'same', dilationRate: 2, useBias: false }],
    ['valid, relu', { activation: 'relu' }],
  ];
  for (const [label, options] of asImages) {
    it(`${label}: equals Conv2D over an image of height 1 with the kernel [1, kernelSize, in, filters], forward and backward`, () => {
      const one = buildLayer(conv({ ...options, biasInitializer: 'glorotUniform' }), [11, 3]);
      const k = one.kernelSize[0];
      const two = buildLayer(
        (inputShape) => new Conv2D({ ...options, filters: 3, kernelSize: [1, k], strides: [1, one.strides[0]], dilationRate: [1, one.dilationRate[0]], padding: one.padding as 'valid' | 'same', inputShape }),
        [1, 11, 3],
      );
      const weights = one.getWeights();
      two.setWeights([tensor(weights[0].data, [1, ...weights[0].shape]), ...weights.slice(1)]);
      const x = randomUniform([2, 11, 3], -1, 1, new Rng(4));
      const y1 = one.forward(x, true);
      const y2 = two.forward(tensor(x.data, [2, 1, 11, 3]), true);
      expect(y2.shape).toEqual([2, 1, ...y1.shape.slice(1)]);
      expect(y1).toBeAllClose(y2, { rtol: 1e-6, atol: 1e-6 });
      const dy = randomUniform(y1.shape, -1, 1, new Rng(5));
      expect(one.backward(dy)).toBeAllClose(two.backward(tensor(dy.data, y2.shape)), { rtol: 1e-6, atol: 1e-6 });
      one.params().forEach((p, i) => expect(p.grad).toBeAllClose(two.params()[i].grad, { rtol: 1e-6, atol: 1e-6 }));
    });
  }

  it('gradients accumulate over backward calls; a batch of another size reuses nothing stale', () => {
    const layer = buildLayer(conv({ padding: 'causal', activation: 'relu' }), [6, 2]);
    expectGradientsAccumulate(layer, awayFromZero([2, 6, 2], 2), awayFromZero([1, 6, 2], 9), randomUniform([2, 6, 3], -1, 1, new Rng(1)));
  });

  it('a PReLU activation learns one slope per output value, [steps, filters]', () => {
    const layer = buildLayer(conv({ activation: new PReLU(), padding: 'causal', dilationRate: 2 }), [5, 2]);
    const [kernel, bias, alpha] = layer.getWeights();
    expect([kernel.shape, bias.shape, alpha.shape]).toEqual([[3, 2, 3], [3], [5, 3]]);
    layer.setWeights([kernel, bias, randomUniform(alpha.shape, -0.5, 0.5, new Rng(3))]);
    const r = gradCheckLayer(layer, awayFromZero([1, 5, 2], 5), { h: 1e-3 });
    expect(r.maxError).toBeLessThanOrEqual(1e-3);
    expect(r.kinks).toBeLessThanOrEqual(2);
    expect(Object.keys(r.paramErrors)).toHaveLength(3);
  });
});

describe('Conv1D matches Keras: shapes, parameter counts, weight layout, config', () => {
  it('a WaveNet-like net: Conv1D 16 k5 causal → MaxPooling1D 2 → Conv1D 32 k3 dilation 2 → GlobalAveragePooling1D → Dense 1', () => {
    const model = new Sequential({
      layers: [
        new Conv1D({ filters: 16, kernelSize: 5, padding: 'causal', activation: 'relu', inputShape: [100, 8] }),
        new MaxPooling1D({ poolSize: 2 }),
        new Conv1D({ filters: 32, kernelSize: 3, dilationRate: 2, activation: 'leaky_relu' }),
        new GlobalAveragePooling1D(),
        new Dense({ units: 1 }),
      ],
    });
    const [c1, p1, c2, g, d] = model.layers.map((l) => l.name);
    // Keras: (None, 100, 16) 656; (None, 50, 16) 0; (None, 46, 32) 1568; (None, 32) 0; (None, 1) 33.
    const text = model.summary({ printFn: () => {} });
    expect(text).toMatch(new RegExp(`\n${c1} \\(Conv1D\\) +\\(None, 100, 16\\) +656 +relu\n`));
    expect(text).toMatch(new RegExp(`\n${p1} \\(MaxPooling1D\\) +\\(None, 50, 16\\) +0\n`));
    expect(text).toMatch(new RegExp(`\n${c2} \\(Conv1D\\) +\\(None, 46, 32\\) +1568 +leaky_relu\\(alpha=0\\.2\\)\n`));
    expect(text).toMatch(new RegExp(`\n${g} \\(GlobalAveragePooling1D\\) +\\(None, 32\\) +0\n`));
    expect(text).toMatch(new RegExp(`\n${d} \\(Dense\\) +\\(None, 1\\) +33 +linear\n`));
    expect(text).toMatch(/\nTotal params: 2,257\nTrainable params: 2,257\nNon-trainable params: 0\n/);
    expect(model.countParams()).toBe(2257);
    expect(model.outputShape).toEqual([1]);
    expect(model.predict(randomUniform([2, 100, 8], -1, 1, new Rng(1))).shape).toEqual([2, 1]);
  });

  it('a Conv1D model trains: the loss of a small regression falls', async () => {
    const model = new Sequential({
      layers: [
        new Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', activation: 'relu', inputShape: [10, 2], seed: 1 }),
        new GlobalAveragePooling1D(),
        new Dense({ units: 1, seed: 2 }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const x = randomUniform([32, 10, 2], -1, 1, new Rng(8));
    // The target: the mean over the sequence of the first channel.
    const y = tensor(Float32Array.from({ length: 32 }, (_, n) => x.data.filter((_, i) => Math.floor(i / 20) === n && i % 2 === 0).reduce((a, b) => a + b, 0) / 10), [32, 1]);
    const history = await model.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0 });
    const loss = history.history.loss;
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
  });

  it('getWeights gives copies of the kernel [kernelSize, in, filters] then the bias [filters]; glorotUniform bounds as Keras', () => {
    const layer = buildLayer(conv({ filters: 5, kernelSize: 4 }), [10, 6]);
    const weights = layer.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([[4, 6, 5], [5]]);
    expect(layer.params().map((p) => p.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    weights[0].data.fill(42);
    expect(Array.from(layer.getWeights()[0].data)).not.toContain(42);
    // fanIn = 4·6 = 24 and fanOut = 4·5 = 20: within ±√(6 / 44).
    const largest = Math.max(...Array.from(layer.getWeights()[0].data, Math.abs));
    expect(largest).toBeLessThanOrEqual(Math.sqrt(6 / 44));
    expect(largest).toBeGreaterThan(0.9 * Math.sqrt(6 / 44));
  });

  it('the config holds the sizes as lists of one, and rebuilds an equal layer', () => {
    const layer = new Conv1D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: [1], padding: 'causal', useBias: false, activation: 'leaky_relu' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ filters: 2, kernelSize: [3], strides: [2], padding: 'causal', dilationRate: [1], useBias: false, activation: 'leaky_relu' });
    expect(layer.className).toBe('Conv1D');
    expect(new Conv1D({ filters: 1, kernelSize: [5] }).getConfig()).toMatchObject({ kernelSize: [5], strides: [1], padding: 'valid', dilationRate: [1], useBias: true, activation: 'linear' });
    const { name: _name, ...rest } = config;
    const { name: _copyName, ...copy } = new Conv1D(rest as unknown as Conv1DOptions).getConfig();
    expect(copy).toEqual(rest);
  });
});

describe('Conv1D errors', () => {
  it('a per-sample shape [28] suggests a Reshape layer first, and the fix works', () => {
    expect(() => new Sequential({ layers: [new Conv1D({ filters: 2, kernelSize: 3, inputShape: [28], name: 'conv_rank' })] })).toThrow(
      /^conv_rank: expected sequences of shape \(None, steps, channels\), but received \(None, 28\)\. Add a Reshape layer first \(e\.g\. new Reshape\(\{ targetShape: \[28, 1\] \}\)\)\.$/,
    );
    const model = new Sequential({ layers: [new Reshape({ targetShape: [28, 1], inputShape: [28] }), new Conv1D({ filters: 2, kernelSize: 3 })] });
    expect(model.outputShape).toEqual([26, 2]);
  });

  it('an image [4, 4, 1] is not a sequence', () => {
    expect(() => new Conv1D({ filters: 2, kernelSize: 3, name: 'conv_image' }).build([4, 4, 1])).toThrow(
      /^conv_image: expected sequences of shape \(None, steps, channels\), but received \(None, 4, 4, 1\)\.$/,
    );
    expect(() => new Conv1D({ filters: 2, kernelSize: 3, name: 'conv_image' }).computeOutputShape([4, 4, 1])).toThrow(/expected sequences of shape \(None, steps, channels\)/);
  });

  it("a 'valid' kernel longer than the input names both and suggests 'same'; 'same' and 'causal' take it", () => {
    expect(() => buildLayer((inputShape) => new Conv1D({ filters: 2, kernelSize: 5, name: 'conv_big', inputShape }), [3, 2])).toThrow(
      /^conv_big: a size-5 kernel \(dilation 1\) does not fit in input \(None, 3, 2\) with padding 'valid'\. Use padding: 'same' or a smaller kernel\.$/,
    );
    // Dilation 2 spreads a kernel of 3 over 5 steps.
    expect(() => new Conv1D({ filters: 1, kernelSize: 3, dilationRate: 2, name: 'conv_dil' }).build([4, 1])).toThrow(
      /^conv_dil: a size-3 kernel \(dilation 2\) does not fit in input \(None, 4, 1\) with padding 'valid'/,
    );
    const fits = new Conv1D({ filters: 1, kernelSize: 3, dilationRate: 2 });
    fits.build([5, 1]);
    expect(fits.computeOutputShape([5, 1])).toEqual([1, 1]);
    for (const padding of ['same', 'causal'] as const) expect(new Conv1D({ filters: 1, kernelSize: 5, dilationRate: 2, padding }).computeOutputShape([3, 2])).toEqual([3, 1]);
  });

  it('a failed build adds no weights', () => {
    for (const [shape, message] of [[[2, 1], /does not fit/], [[28], /expected sequences/], [[4, 4, 1], /expected sequences/]] as const) {
      const layer = new Conv1D({ filters: 1, kernelSize: 3, name: 'conv_none' });
      expect(() => layer.build([...shape])).toThrow(message);
      expect(layer.built).toBe(false);
      expect(layer.params()).toHaveLength(0);
      expect(layer.getWeights()).toHaveLength(0);
    }
    // Also through a Sequential: the model is not made, the layer holds nothing.
    const layer = new Conv1D({ filters: 1, kernelSize: 4, inputShape: [3, 1] });
    expect(() => new Sequential({ layers: [layer] })).toThrow(/does not fit/);
    expect(layer.params()).toHaveLength(0);
  });

  for (const filters of [0, -2, 1.5, NaN]) {
    it(`filters=${filters}`, () => {
      expect(() => new Conv1D({ filters, kernelSize: 3, name: 'conv_f' })).toThrow(new RegExp(`^conv_f: filters must be a positive integer\\. Received: filters=${filters}\\.$`));
    });
  }

  const sizes: [keyof Conv1DOptions, unknown, string][] = [
    ['kernelSize', 0, '0'],
    ['kernelSize', 2.5, '2\\.5'],
    ['kernelSize', [3, 3], '\\[3,3\\]'],
    ['kernelSize', [], '\\[\\]'],
    ['kernelSize', [0], '\\[0\\]'],
    ['kernelSize', '3', '"3"'],
    ['strides', 0, '0'],
    ['strides', [1, 1], '\\[1,1\\]'],
    ['strides', -1, '-1'],
    ['dilationRate', 0, '0'],
    ['dilationRate', [2, 2], '\\[2,2\\]'],
  ];
  for (const [name, value, shown] of sizes) {
    it(`${name}=${JSON.stringify(value)}`, () => {
      expect(() => new Conv1D({ filters: 1, kernelSize: 3, [name]: value, name: 'conv_p' })).toThrow(
        new RegExp(`^conv_p: ${name} must be a positive integer or a list of one\\. Received: ${name}=${shown}\\.$`),
      );
    });
  }

  for (const padding of ['full', 'SAME', 'causal ']) {
    it(`padding ${JSON.stringify(padding)}`, () => {
      expect(() => new Conv1D({ filters: 1, kernelSize: 3, padding: padding as 'same', name: 'conv_pad' })).toThrow(
        new RegExp(`^conv_pad: padding must be 'valid', 'same' or 'causal'\\. Received: padding=${JSON.stringify(padding)}\\.$`),
      );
    });
  }

  it('an unknown activation key names the layer and suggests the nearest', () => {
    expect(() => new Conv1D({ filters: 1, kernelSize: 3, activation: 'leaky_rellu', name: 'conv_act' })).toThrow(/^Unknown activation "leaky_rellu" in conv_act\. Did you mean "leaky_relu"\?/);
  });

  it('a batch with another channel count, names the layer', () => {
    const layer = new Conv1D({ filters: 2, kernelSize: 3, name: 'conv_depth' });
    layer.build([6, 3]);
    expect(() => layer.forward(zeros([1, 6, 2]), false)).toThrow(
      /^conv_depth: expected inputs with 3 channels on the last axis, as the layer was built for, but received shape \[1, 6, 2\]\.$/,
    );
  });

  it('backward before forward, and forward before build, name the layer', () => {
    const layer = buildLayer(conv(), [4, 1]);
    expect(() => layer.backward(tensor(new Float32Array(6), [1, 2, 3]))).toThrow(/backward was called before forward/);
    expect(() => new Conv1D({ filters: 1, kernelSize: 1, name: 'conv_nb' }).forward(tensor(new Float32Array(4), [1, 4, 1]), false)).toThrow(/^conv_nb: the layer is not built yet/);
  });
});
