import { describe, expect, it } from 'vitest';
import { tensor, ZeroPadding2D, type ZeroPadding2DOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('ZeroPadding2D contract in each padding form: shapes, no parameters, config round trip, gradients', () => {
  const cases: [string, ZeroPadding2DOptions['padding'], number[], number[]][] = [
    ['default 1 on every side', undefined, [3, 4, 2], [5, 6, 2]],
    ['one number: 2 on every side', 2, [3, 4, 2], [7, 8, 2]],
    ['[rows, cols] = [1, 3]', [1, 3], [3, 4, 1], [5, 10, 1]],
    ['[[top, bottom], [left, right]] = [[0, 2], [1, 0]]', [[0, 2], [1, 0]], [3, 4, 2], [5, 5, 2]],
    ['zero padding', 0, [2, 2, 3], [2, 2, 3]],
  ];
  for (const [label, padding, inputShape, outputShape] of cases) {
    it(label, () => {
      checkLayerContract({ make: (s) => new ZeroPadding2D({ padding, inputShape: s }), inputShape, outputShape, params: 0 });
    });
  }
});

describe('ZeroPadding2D forward and backward', () => {
  it('by hand: [[1, 2], [3, 4]] with 1 row on top and 2 columns on the right', () => {
    const layer = buildLayer((s) => new ZeroPadding2D({ padding: [[1, 0], [0, 2]], inputShape: s }), [2, 2, 1]);
    const y = layer.forward(t([1, 2, 3, 4], [1, 2, 2, 1]), true);
    expect(y.shape).toEqual([1, 3, 4, 1]);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    // Backward keeps the gradient of the middle and drops the padding's.
    const dx = layer.backward(t([9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9], [1, 3, 4, 1]));
    expect(dx.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(dx.data)).toEqual([1, 2, 3, 4]);
  });

  it('the three forms store the same [[top, bottom], [left, right]]', () => {
    expect(new ZeroPadding2D({ padding: 2 }).padding).toEqual([[2, 2], [2, 2]]);
    expect(new ZeroPadding2D({ padding: [1, 3] }).padding).toEqual([[1, 1], [3, 3]]);
    expect(new ZeroPadding2D({ padding: [[0, 2], [1, 0]] }).getConfig().padding).toEqual([[0, 2], [1, 0]]);
    expect(new ZeroPadding2D().getConfig().padding).toEqual([[1, 1], [1, 1]]);
  });
});

describe('ZeroPadding2D errors', () => {
  const bad: [string, unknown][] = [
    ['a negative number', -1],
    ['a non-integer', 1.5],
    ['a negative entry of [rows, cols]', [1, -2]],
    ['a non-integer side', [[1, 1], [0, 0.5]]],
    ['a pair with one entry', [1]],
    ['a side with one entry', [[1], [1, 1]]],
    ['a string', '2'],
  ];
  for (const [label, padding] of bad) {
    it(label, () => {
      expect(() => new ZeroPadding2D({ padding: padding as number, name: 'zp_bad' })).toThrow(
        new RegExp(`^zp_bad: padding must be non-negative integers\\. Received: padding=${JSON.stringify(padding).replace(/[[\]]/g, '\\$&')}\\.$`),
      );
    });
  }

  it('inputs that are not images name the layer', () => {
    expect(() => new ZeroPadding2D({ name: 'zp_rank' }).build([28, 28])).toThrow(
      /^zp_rank: expected images of shape \(None, height, width, channels\), but received \(None, 28, 28\)\.$/,
    );
  });
});
