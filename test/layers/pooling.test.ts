import { describe, expect, it } from 'vitest';
import {
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
  randomUniform,
  Rng,
  tensor,
  type Layer,
  type Pooling2DOptions,
} from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';
import { naivePool, window2d } from '../helpers/reference';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);
/** x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], one channel. */
const nine = () => t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

type PoolClass = typeof MaxPooling2D | typeof AveragePooling2D;
const pool = (Ctor: PoolClass, options: Pooling2DOptions = {}) => (inputShape?: number[]) => new Ctor({ inputShape, ...options });

describe('MaxPooling2D and AveragePooling2D contract: shapes, no parameters, config round trip, gradients', () => {
  // Gradients: central differences, tolerance 1e-3 · max(1, |analytic|). A max has a kink where two
  // inputs of a window are within ±h of each other: max pooling uses h = 1e-3 so that few are, and
  // those are checked one-sided (maxKinks). Average pooling is linear: h = 1e-2, no kinks.
  const cases: [string, Pooling2DOptions, number[], number[]][] = [
    ['2x2 (strides default to poolSize), valid, sizes not multiples of 2', {}, [5, 7, 2], [2, 3, 2]],
    ['2x2 stride 2 same: asymmetric padding after', { padding: 'same' }, [5, 7, 2], [3, 4, 2]],
    ['3x3 stride 2 valid: overlapping windows', { poolSize: 3, strides: 2 }, [7, 6, 1], [3, 2, 1]],
    ['3x3 stride 2 same: overlapping windows with padding', { poolSize: 3, strides: 2, padding: 'same' }, [6, 5, 2], [3, 3, 2]],
    ['3x3 stride 1 same', { poolSize: 3, strides: 1, padding: 'same' }, [4, 4, 1], [4, 4, 1]],
    ['non-square [2, 3] pool, strides [1, 2], valid', { poolSize: [2, 3], strides: [1, 2] }, [4, 7, 2], [3, 3, 2]],
    ['non-square [3, 1] pool, strides [3, 1], same', { poolSize: [3, 1], strides: [3, 1], padding: 'same' }, [7, 3, 1], [3, 3, 1]],
    ['stride larger than the pool', { poolSize: 1, strides: 3 }, [7, 7, 1], [3, 3, 1]],
  ];
  for (const [Ctor, h, maxKinks] of [[MaxPooling2D, 1e-3, 2], [AveragePooling2D, 1e-2, 0]] as const) {
    for (const [label, options, inputShape, outputShape] of cases) {
      it(`${Ctor.className} ${label}`, () => {
        checkLayerContract({ make: pool(Ctor, options), inputShape, outputShape, params: 0, h, maxKinks });
      });
    }
  }
});

describe('GlobalAveragePooling2D and GlobalMaxPooling2D contract', () => {
  for (const Ctor of [GlobalAveragePooling2D, GlobalMaxPooling2D]) {
    for (const inputShape of [[3, 4, 2], [1, 1, 3], [5, 2, 1]]) {
      it(`${Ctor.className} [${inputShape}] → [${inputShape[2]}]`, () => {
        // h = 1e-3; a global max has a kink only where two values tie within ±h (none here).
        checkLayerContract({ make: (s) => new Ctor({ inputShape: s }), inputShape, outputShape: [inputShape[2]], params: 0, h: 1e-3 });
      });
    }
  }
});

describe('pooling forward and backward by hand', () => {
  it('MaxPooling2D 2x2 stride 1 on a 3x3 image: the bottom-right of each window; gradients go to the winners, summed', () => {
    const layer = buildLayer(pool(MaxPooling2D, { strides: 1 }), [3, 3, 1]);
    expect(Array.from(layer.forward(nine(), true).data)).toEqual([5, 6, 8, 9]);
    const dx = layer.backward(t([1, 2, 3, 4], [1, 2, 2, 1]));
    expect(Array.from(dx.data)).toEqual([0, 0, 0, 0, 1, 2, 0, 3, 4]);
  });

  it("MaxPooling2D 'same' never picks the padding: all-negative inputs", () => {
    const layer = buildLayer(pool(MaxPooling2D, { padding: 'same' }), [3, 3, 1]);
    const x = t([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
    expect(Array.from(layer.forward(x, false).data)).toEqual([-1, -3, -7, -9]);
  });

  it("AveragePooling2D 'same' divides by the number of real inputs (TF's rule), and spreads gradients over them", () => {
    // Windows {1, 2, 4, 5}, {3, 6}, {7, 8}, {9}.
    const layer = buildLayer(pool(AveragePooling2D, { padding: 'same' }), [3, 3, 1]);
    expect(Array.from(layer.forward(nine(), true).data)).toEqual([3, 4.5, 7.5, 9]);
    expect(Array.from(layer.backward(t([4, 2, 2, 1], [1, 2, 2, 1])).data)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('AveragePooling2D valid drops the last row and column that no window covers', () => {
    const layer = buildLayer(pool(AveragePooling2D), [3, 3, 1]);
    expect(Array.from(layer.forward(nine(), true).data)).toEqual([3]);
    expect(Array.from(layer.backward(t([8], [1, 1, 1, 1])).data)).toEqual([2, 2, 0, 2, 2, 0, 0, 0, 0]);
  });

  it('channels are pooled separately; global pooling reduces each channel over the image', () => {
    // Channel 0 is 1..9, channel 1 is −(1..9).
    const x = t([1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((v) => [v, -v]), [1, 3, 3, 2]);
    const max = buildLayer((s) => new GlobalMaxPooling2D({ inputShape: s }), [3, 3, 2]);
    expect(Array.from(max.forward(x, true).data)).toEqual([9, -1]);
    expect(Array.from(max.backward(t([2, 3], [1, 2])).data)).toEqual([0, 3, ...new Array(14).fill(0), 2, 0]);
    const avg = buildLayer((s) => new GlobalAveragePooling2D({ inputShape: s }), [3, 3, 2]);
    expect(Array.from(avg.forward(x, true).data)).toEqual([5, -5]);
    expect(avg.backward(t([9, -18], [1, 2]))).toBeAllClose(new Array(9).fill([1, -2]).flat());
  });

  const shapes: [string, Pooling2DOptions, number[]][] = [
    ['2x2 same', { padding: 'same' }, [2, 7, 5, 3]],
    ['3x2 stride [2, 1] valid', { poolSize: [3, 2], strides: [2, 1] }, [2, 8, 5, 2]],
    ['4x4 stride 3 same', { poolSize: 4, strides: 3, padding: 'same' }, [1, 9, 10, 2]],
  ];
  for (const [label, options, shape] of shapes) {
    it(`${label}: both reductions equal the definition in float64 (max exactly; mean rtol 1e-6)`, () => {
      const x = randomUniform(shape, -1, 1, new Rng(12));
      for (const [Ctor, reduction] of [[MaxPooling2D, 'max'], [AveragePooling2D, 'average']] as const) {
        const layer = buildLayer(pool(Ctor, options), shape.slice(1));
        const g = window2d(shape, layer.poolSize, layer.strides, [1, 1], layer.padding);
        const y = layer.forward(x, false);
        expect(y.shape).toEqual([shape[0], g.h.output, g.w.output, shape[3]]);
        expect(y).toBeAllClose(naivePool(x.data, g, reduction).y, reduction === 'max' ? { rtol: 0, atol: 0 } : { rtol: 1e-6, atol: 1e-7 });
      }
    });
  }
});

describe('pooling options and errors', () => {
  it('strides default to poolSize; the config holds pairs', () => {
    expect(new MaxPooling2D().getConfig()).toMatchObject({ poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
    expect(new AveragePooling2D({ poolSize: [3, 2] }).getConfig()).toMatchObject({ poolSize: [3, 2], strides: [3, 2] });
    expect(new MaxPooling2D({ poolSize: 3, strides: 1, padding: 'same' }).getConfig()).toMatchObject({ poolSize: [3, 3], strides: [1, 1], padding: 'same' });
  });

  it('Keras shapes: MaxPooling2D 2 on 28x28 → 14x14, 3 on 14x14 → 4x4 (valid), 3 same → 5x5', () => {
    expect(new MaxPooling2D().computeOutputShape([28, 28, 8])).toEqual([14, 14, 8]);
    expect(new MaxPooling2D({ poolSize: 3 }).computeOutputShape([14, 14, 16])).toEqual([4, 4, 16]);
    expect(new MaxPooling2D({ poolSize: 3, padding: 'same' }).computeOutputShape([14, 14, 16])).toEqual([5, 5, 16]);
    expect(new GlobalAveragePooling2D().computeOutputShape([7, 7, 32])).toEqual([32]);
  });

  const bad: [string, Pooling2DOptions, RegExp][] = [
    ['poolSize 0', { poolSize: 0 }, /^pool_bad: poolSize and strides must be positive integers or pairs of them\. Received: poolSize=0, strides=undefined\.$/],
    ['poolSize [2, 1.5]', { poolSize: [2, 1.5] }, /^pool_bad: poolSize and strides .* Received: poolSize=\[2,1\.5\], strides=undefined\.$/],
    ['strides -1', { strides: -1 }, /^pool_bad: poolSize and strides .* Received: poolSize=2, strides=-1\.$/],
    ['padding "causal"', { padding: 'causal' as 'same' }, /^pool_bad: padding must be 'valid' or 'same'\. Received: padding="causal"\.$/],
  ];
  for (const [label, options, message] of bad) {
    it(label, () => {
      expect(() => new MaxPooling2D({ ...options, name: 'pool_bad' })).toThrow(message);
    });
  }

  it("a 'valid' pool larger than the input, and inputs that are not images, name the layer", () => {
    expect(() => buildLayer((s) => new AveragePooling2D({ poolSize: 3, name: 'pool_big', inputShape: s }), [2, 5, 1])).toThrow(
      /^pool_big: a 3x3 pool does not fit in input \(None, 2, 5, 1\) with padding 'valid'\. Use padding: 'same' or a smaller poolSize\.$/,
    );
    const layers: Layer[] = [new MaxPooling2D({ name: 'pool_rank' }), new GlobalMaxPooling2D({ name: 'gpool_rank' })];
    for (const layer of layers) {
      expect(() => layer.build([28, 28])).toThrow(new RegExp(`^${layer.name}: expected images of shape \\(None, height, width, channels\\), but received \\(None, 28, 28\\)\\.$`));
    }
  });

  it('backward before forward names the layer', () => {
    const layer = buildLayer(pool(MaxPooling2D), [2, 2, 1]);
    expect(() => layer.backward(t([1], [1, 1, 1, 1]))).toThrow(new RegExp(`^${layer.name}: backward was called before forward`));
  });
});
