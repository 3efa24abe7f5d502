import { describe, expect, it } from 'vitest';
import {
  AveragePooling1D,
  AveragePooling2D,
  Dense,
  Embedding,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  MaxPooling1D,
  MaxPooling2D,
  randomUniform,
  Rng,
  Sequential,
  tensor,
  type Layer,
  type Pooling1DOptions,
} from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { naivePool, window2d } from '../helpers/reference';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);
/** x = [1, 2, 3, 4, 5], one channel, one sample. */
const five = () => t([1, 2, 3, 4, 5], [1, 5, 1]);

type PoolClass = typeof MaxPooling1D | typeof AveragePooling1D;
const pool = (Ctor: PoolClass, options: Pooling1DOptions = {}) => (inputShape?: number[]) => new Ctor({ inputShape, ...options });

describe('MaxPooling1D and AveragePooling1D contract: shapes, no parameters, config round trip, gradients', () => {
  // Gradients: central differences, tolerance 1e-3 · max(1, |analytic|). A max has a kink where two
  // inputs of a window are within ±h of each other: max pooling uses h = 1e-3 so that few are, and
  // those are checked one-sided (maxKinks). Average pooling is linear: h = 1e-2, no kinks.
  // Output lengths: 'valid' floor((steps − poolSize) / stride) + 1, 'same' ceil(steps / stride).
  const cases: [string, Pooling1DOptions, number[], number[]][] = [
    ['pool 2 (strides default to poolSize), valid, odd length', {}, [7, 2], [3, 2]],
    ['pool 2 same: the padding after', { padding: 'same' }, [7, 2], [4, 2]],
    ['pool 3 stride 2 valid: overlapping windows', { poolSize: 3, strides: 2 }, [8, 1], [3, 1]],
    ['pool 3 stride 2 same: overlapping windows with padding', { poolSize: 3, strides: 2, padding: 'same' }, [6, 2], [3, 2]],
    ['pool 3 stride 1 same: padding on both sides', { poolSize: 3, strides: 1, padding: 'same' }, [5, 3], [5, 3]],
    ['pool 4 stride 3 same: one before, two after', { poolSize: 4, strides: 3, padding: 'same' }, [10, 2], [4, 2]],
    ['stride larger than the pool', { poolSize: 1, strides: 3 }, [7, 2], [3, 2]],
    ['poolSize and strides as lists of one, 4 channels', { poolSize: [3], strides: [1] }, [5, 4], [3, 4]],
    ['pool as long as the input', { poolSize: 5 }, [5, 4], [1, 4]],
    ['same, sequence shorter than the pool', { poolSize: 4, padding: 'same' }, [3, 2], [1, 2]],
  ];
  for (const [Ctor, h, maxKinks] of [[MaxPooling1D, 1e-3, 2], [AveragePooling1D, 1e-2, 0]] as const) {
    for (const [label, options, inputShape, outputShape] of cases) {
      it(`${Ctor.className} ${label}`, () => {
        const { layer } = checkLayerContract({ make: pool(Ctor, options), inputShape, outputShape, params: 0, h, maxKinks });
        expect(layer.getWeights()).toHaveLength(0);
      });
    }
    it(`${Ctor.className} built directly with layer.build`, () => {
      checkLayerContract({ make: pool(Ctor, { poolSize: 3, strides: 2, padding: 'same' }), inputShape: [9, 3], outputShape: [5, 3], params: 0, h, maxKinks, via: 'build' });
    });
  }
});

describe('GlobalAveragePooling1D and GlobalMaxPooling1D contract', () => {
  for (const Ctor of [GlobalAveragePooling1D, GlobalMaxPooling1D]) {
    for (const inputShape of [[5, 2], [1, 3], [8, 4], [3, 1], [20, 5]]) {
      it(`${Ctor.className} [${inputShape}] → [${inputShape[1]}]`, () => {
        // h = 1e-3; a global max has a kink only where two values tie within ±h (none here).
        checkLayerContract({ make: (s) => new Ctor({ inputShape: s }), inputShape, outputShape: [inputShape[1]], params: 0, h: 1e-3 });
      });
    }
    it(`${Ctor.className} built directly with layer.build`, () => {
      checkLayerContract({ make: () => new Ctor(), inputShape: [6, 2], outputShape: [2], params: 0, h: 1e-3, via: 'build' });
    });
  }
});

describe('1-D pooling forward and backward by hand', () => {
  it('MaxPooling1D pool 2 stride 1: the larger of each pair; gradients go to the winners, summed', () => {
    const layer = buildLayer(pool(MaxPooling1D, { strides: 1 }), [5, 1]);
    expect(Array.from(layer.forward(t([1, 3, 2, 5, 4], [1, 5, 1]), true).data)).toEqual([3, 3, 5, 5]);
    expect(Array.from(layer.backward(t([1, 2, 3, 4], [1, 4, 1])).data)).toEqual([0, 3, 0, 7, 0]);
  });

  it("MaxPooling1D 'same' never picks the padding: all-negative inputs", () => {
    const layer = buildLayer(pool(MaxPooling1D, { padding: 'same' }), [3, 1]);
    expect(Array.from(layer.forward(t([-1, -2, -3], [1, 3, 1]), true).data)).toEqual([-1, -3]);
    expect(Array.from(layer.backward(t([5, 7], [1, 2, 1])).data)).toEqual([5, 0, 7]);
  });

  it("AveragePooling1D 'same' divides by the number of real inputs (TF's rule), and spreads gradients over them", () => {
    // Windows {1, 2}, {3, 4}, {5}: the last one's gradient is not halved (TF.js 4.22's gradient halves it).
    const layer = buildLayer(pool(AveragePooling1D, { padding: 'same' }), [5, 1]);
    expect(Array.from(layer.forward(five(), true).data)).toEqual([1.5, 3.5, 5]);
    expect(Array.from(layer.backward(t([2, 2, 1], [1, 3, 1])).data)).toEqual([1, 1, 1, 1, 1]);
  });

  it('AveragePooling1D valid drops the last step that no window covers', () => {
    const layer = buildLayer(pool(AveragePooling1D), [5, 1]);
    expect(Array.from(layer.forward(five(), true).data)).toEqual([1.5, 3.5]);
    expect(Array.from(layer.backward(t([2, 4], [1, 2, 1])).data)).toEqual([1, 1, 2, 2, 0]);
  });

  it('AveragePooling1D pool 3 stride 1 same: one padding step on each side, not counted', () => {
    const layer = buildLayer(pool(AveragePooling1D, { poolSize: 3, strides: 1, padding: 'same' }), [5, 1]);
    expect(layer.forward(five(), true)).toBeAllClose([1.5, 2, 3, 4, 4.5]);
    // dx[i] = Σ over the windows covering i of dy / (that window's count): 1/2 + 1/3, 1/2 + 2/3, 1, 2/3 + 1/2, 1/3 + 1/2.
    expect(layer.backward(t([1, 1, 1, 1, 1], [1, 5, 1]))).toBeAllClose([5 / 6, 7 / 6, 1, 7 / 6, 5 / 6]);
  });

  it('channels are pooled separately; global pooling reduces each channel over the sequence', () => {
    // Channel 0 is 1..5, channel 1 is −(1..5).
    const x = t([1, 2, 3, 4, 5].flatMap((v) => [v, -v]), [1, 5, 2]);
    const max = buildLayer(pool(MaxPooling1D), [5, 2]);
    expect(Array.from(max.forward(x, true).data)).toEqual([2, -1, 4, -3]);
    const gmax = buildLayer((s) => new GlobalMaxPooling1D({ inputShape: s }), [5, 2]);
    expect(Array.from(gmax.forward(x, true).data)).toEqual([5, -1]);
    expect(Array.from(gmax.backward(t([2, 3], [1, 2])).data)).toEqual([0, 3, 0, 0, 0, 0, 0, 0, 2, 0]);
    const gavg = buildLayer((s) => new GlobalAveragePooling1D({ inputShape: s }), [5, 2]);
    expect(Array.from(gavg.forward(x, true).data)).toEqual([3, -3]);
    expect(gavg.backward(t([5, -10], [1, 2]))).toBeAllClose(new Array(5).fill([1, -2]).flat());
  });

  it('a batch of samples is pooled sample by sample', () => {
    const x = randomUniform([3, 6, 2], -1, 1, new Rng(4));
    const layer = buildLayer((s) => new GlobalMaxPooling1D({ inputShape: s }), [6, 2]);
    const y = Array.from(layer.forward(x, false).data);
    const expected = [0, 1, 2].flatMap((n) => [0, 1].map((c) => Math.max(...Array.from({ length: 6 }, (_, s) => x.data[(n * 6 + s) * 2 + c]))));
    expect(y).toEqual(expected);
  });

  const shapes: [string, Pooling1DOptions, number[]][] = [
    ['pool 2 same', { padding: 'same' }, [2, 11, 3]],
    ['pool 3 stride 2 valid', { poolSize: 3, strides: 2 }, [2, 12, 4]],
    ['pool 4 stride 3 same', { poolSize: 4, strides: 3, padding: 'same' }, [1, 17, 5]],
    ['pool 2 stride 1 same, 8 channels', { strides: 1, padding: 'same' }, [3, 9, 8]],
  ];
  for (const [label, options, shape] of shapes) {
    it(`${label}: both reductions equal the definition in float64 (max exactly; mean rtol 1e-6)`, () => {
      const x = randomUniform(shape, -1, 1, new Rng(12));
      for (const [Ctor, reduction] of [[MaxPooling1D, 'max'], [AveragePooling1D, 'average']] as const) {
        const layer = buildLayer(pool(Ctor, options), shape.slice(1));
        // The sequence as an image of height 1: the reference places its windows along the width.
        const g = window2d([shape[0], 1, shape[1], shape[2]], [1, layer.poolSize[0]], [1, layer.strides[0]], [1, 1], layer.padding);
        const y = layer.forward(x, false);
        expect(y.shape).toEqual([shape[0], g.w.output, shape[2]]);
        expect(y).toBeAllClose(naivePool(x.data, g, reduction).y, reduction === 'max' ? { rtol: 0, atol: 0 } : { rtol: 1e-6, atol: 1e-7 });
      }
    });
  }

  it('equal the 2-D poolings over an image of height 1, forward and backward', () => {
    const x = randomUniform([2, 10, 3], -1, 1, new Rng(6));
    const dy = randomUniform([2, 4, 3], -1, 1, new Rng(7));
    const pairs = [
      [MaxPooling1D, MaxPooling2D],
      [AveragePooling1D, AveragePooling2D],
    ] as const;
    for (const [One, Two] of pairs) {
      const one = buildLayer((s) => new One({ poolSize: 3, strides: 3, padding: 'same', inputShape: s }), [10, 3]);
      const two = buildLayer((s) => new Two({ poolSize: [1, 3], strides: [1, 3], padding: 'same', inputShape: s }), [1, 10, 3]);
      const y1 = one.forward(x, true);
      expect(y1.shape).toEqual([2, 4, 3]);
      expect(Array.from(y1.data)).toEqual(Array.from(two.forward(tensor(x.data, [2, 1, 10, 3]), true).data));
      expect(Array.from(one.backward(dy).data)).toEqual(Array.from(two.backward(tensor(dy.data, [2, 1, 4, 3])).data));
    }
  });
});

describe('1-D pooling options and errors', () => {
  it('poolSize defaults to 2 and strides to poolSize; the config holds lists of one', () => {
    expect(new MaxPooling1D().getConfig()).toMatchObject({ poolSize: [2], strides: [2], padding: 'valid' });
    expect(new AveragePooling1D({ poolSize: 3 }).getConfig()).toMatchObject({ poolSize: [3], strides: [3], padding: 'valid' });
    expect(new MaxPooling1D({ poolSize: [3], strides: 1, padding: 'same' }).getConfig()).toMatchObject({ poolSize: [3], strides: [1], padding: 'same' });
    expect([new MaxPooling1D().className, new AveragePooling1D().className, new GlobalAveragePooling1D().className, new GlobalMaxPooling1D().className]).toEqual([
      'MaxPooling1D',
      'AveragePooling1D',
      'GlobalAveragePooling1D',
      'GlobalMaxPooling1D',
    ]);
  });

  it('Keras shapes: MaxPooling1D 2 on 100 steps → 50, 3 on 10 → 3 (valid), 3 same → 4; global pooling → [channels]', () => {
    expect(new MaxPooling1D().computeOutputShape([100, 16])).toEqual([50, 16]);
    expect(new MaxPooling1D({ poolSize: 3 }).computeOutputShape([10, 4])).toEqual([3, 4]);
    expect(new AveragePooling1D({ poolSize: 3, padding: 'same' }).computeOutputShape([10, 4])).toEqual([4, 4]);
    expect(new GlobalAveragePooling1D().computeOutputShape([7, 32])).toEqual([32]);
    expect(new GlobalMaxPooling1D().computeOutputShape([1, 3])).toEqual([3]);
    const model = new Sequential({ layers: [new MaxPooling1D({ inputShape: [9, 2] }), new AveragePooling1D({ poolSize: 3, strides: 1, padding: 'same' }), new GlobalMaxPooling1D()] });
    expect(model.outputShape).toEqual([2]);
    expect(model.countParams()).toBe(0);
  });

  const bad: [string, Pooling1DOptions, RegExp][] = [
    ['poolSize 0', { poolSize: 0 }, /^pool_bad: poolSize and strides must be positive integers or lists of one\. Received: poolSize=0, strides=undefined\.$/],
    ['poolSize 1.5', { poolSize: 1.5 }, /^pool_bad: poolSize and strides .* Received: poolSize=1\.5, strides=undefined\.$/],
    ['poolSize [2, 2]', { poolSize: [2, 2] as unknown as [number] }, /^pool_bad: poolSize and strides must be positive integers or lists of one\. Received: poolSize=\[2,2\], strides=undefined\.$/],
    ['strides -1', { strides: -1 }, /^pool_bad: poolSize and strides .* Received: poolSize=2, strides=-1\.$/],
    ['strides [1, 1]', { strides: [1, 1] as unknown as [number] }, /^pool_bad: poolSize and strides .* Received: poolSize=2, strides=\[1,1\]\.$/],
    ['padding "causal"', { padding: 'causal' as 'same' }, /^pool_bad: padding must be 'valid' or 'same'\. Received: padding="causal"\.$/],
    ['padding "full"', { padding: 'full' as 'same' }, /^pool_bad: padding must be 'valid' or 'same'\. Received: padding="full"\.$/],
  ];
  for (const Ctor of [MaxPooling1D, AveragePooling1D]) {
    for (const [label, options, message] of bad) {
      it(`${Ctor.className} ${label}`, () => {
        expect(() => new Ctor({ ...options, name: 'pool_bad' })).toThrow(message);
      });
    }
  }

  it("a 'valid' pool longer than the input names the layer and suggests 'same'; a failed build adds nothing", () => {
    expect(() => buildLayer((s) => new AveragePooling1D({ poolSize: 3, name: 'pool_big', inputShape: s }), [2, 1])).toThrow(
      /^pool_big: a size-3 pool does not fit in input \(None, 2, 1\) with padding 'valid'\. Use padding: 'same' or a smaller poolSize\.$/,
    );
    const layer = new MaxPooling1D({ poolSize: 4, name: 'pool_none' });
    expect(() => layer.build([3, 2])).toThrow(/^pool_none: a size-4 pool does not fit/);
    expect(layer.built).toBe(false);
    expect(new MaxPooling1D({ poolSize: 4, padding: 'same' }).computeOutputShape([3, 2])).toEqual([1, 2]);
  });

  it('inputs that are not sequences name the layer, for all four classes', () => {
    const layers: Layer[] = [
      new MaxPooling1D({ name: 'pool_rank' }),
      new AveragePooling1D({ name: 'apool_rank' }),
      new GlobalMaxPooling1D({ name: 'gpool_rank' }),
      new GlobalAveragePooling1D({ name: 'gapool_rank' }),
    ];
    for (const layer of layers) {
      for (const [shape, shown] of [[[28, 28, 1], '28, 28, 1'], [[28], '28']] as const) {
        expect(() => layer.build([...shape])).toThrow(new RegExp(`^${layer.name}: expected sequences of shape \\(None, steps, channels\\), but received \\(None, ${shown}\\)\\.$`));
      }
      expect(layer.built).toBe(false);
    }
  });

  it('backward before forward names the layer', () => {
    for (const layer of [buildLayer(pool(MaxPooling1D), [2, 1]), buildLayer((s) => new GlobalAveragePooling1D({ inputShape: s }), [2, 1])]) {
      expect(() => layer.backward(t([1], [1, 1, 1]))).toThrow(new RegExp(`^${layer.name}: backward was called before forward`));
    }
  });
});

describe('GlobalAveragePooling1D with a mask (Keras 3: the mean over the real steps)', () => {
  it('averages the unmasked steps only, its gradient reaches those steps only, the mask ends here; all-padding rows give 0', () => {
    const layer = new GlobalAveragePooling1D();
    layer.build([4, 2]);
    const x = tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, /* second sample */ 10, 20, 30, 40, 50, 60, 70, 80, /* third */ 1, 1, 1, 1, 1, 1, 1, 1]), [3, 4, 2]);
    const mask = tensor(Float32Array.from([1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0]), [3, 4]);
    const y = layer.forward(x, false, mask);
    // float64 reference: Σ m·x / Σ m per sample and channel.
    expect(Array.from(y.data)).toEqual([2, 3, (10 + 50 + 70) / 3, (20 + 60 + 80) / 3, 0, 0].map(Math.fround));
    expect(layer.computeMask(x, mask)).toBeUndefined();
    const dx = layer.backward(tensor(Float32Array.from([1, 2, 3, 6, 5, 5]), [3, 2]));
    expect(Array.from(dx.data)).toEqual([0.5, 1, 0.5, 1, 0, 0, 0, 0, 1, 2, 0, 0, 1, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Without a mask it is the plain mean again.
    expect(Array.from(layer.forward(x, false).data.subarray(0, 2))).toEqual([4, 5]);
  });

  it('Embedding(maskZero) → GlobalAveragePooling1D → Dense trains and predicts the same whatever the padding length', async () => {
    const make = (steps: number) =>
      new Sequential({
        layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [steps] }), new GlobalAveragePooling1D(), new Dense({ units: 1, activation: 'sigmoid', seed: 5 })],
      });
    const short = make(3);
    short.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const x = [[1, 2, 0], [3, 4, 5], [5, 0, 0], [2, 2, 1]];
    const history = await short.fit(x, [[1], [0], [0], [1]], { epochs: 30, batchSize: 4, verbose: 0 });
    expect(history.history.loss[29]).toBeLessThan(history.history.loss[0]);
    const long = make(6);
    long.setWeights(short.getWeights());
    const padded = x.map((row) => [...row, 0, 0, 0]);
    expect(Array.from(long.predict(padded).data)).toEqual(Array.from(short.predict(x).data));
  });
});
