import { describe, expect, it } from 'vitest';
import { tensor, ZeroPadding1D, type ZeroPadding1DOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('ZeroPadding1D', () => {
  const cases: [string, ZeroPadding1DOptions['padding'], number[], number[], [number, number]][] = [
    ['default 1 at each end', undefined, [3, 2], [5, 2], [1, 1]],
    ['one number: 2 at each end', 2, [3, 1], [7, 1], [2, 2]],
    ['[start, end] = [0, 3]', [0, 3], [2, 2], [5, 2], [0, 3]],
  ];
  for (const [label, padding, inputShape, outputShape, stored] of cases) {
    it(`keeps the contract: ${label}`, () => {
      const { layer } = checkLayerContract({ make: (s) => new ZeroPadding1D({ padding, inputShape: s }), inputShape, outputShape, params: 0 });
      expect(layer.getConfig().padding).toEqual(stored);
    });
  }

  it('by hand: zeros before and after; backward keeps the middle', () => {
    const layer = buildLayer((s) => new ZeroPadding1D({ padding: [1, 2], inputShape: s }), [2, 2]);
    expect(Array.from(layer.forward(t([1, 2, 3, 4], [1, 2, 2]), false).data)).toEqual([0, 0, 1, 2, 3, 4, 0, 0, 0, 0]);
    expect(Array.from(layer.backward(t([9, 9, 1, 2, 3, 4, 9, 9, 9, 9], [1, 5, 2])).data)).toEqual([1, 2, 3, 4]);
  });

  it('takes a bare padding; fails for bad paddings and inputs that are not sequences, naming the layer', () => {
    expect(new ZeroPadding1D([2, 0]).padding).toEqual([2, 0]);
    expect(ZeroPadding1D.supportsMasking).toBe(false);
    for (const padding of [-1, [1, -1], [1], [1, 2, 3], 0.5]) {
      expect(() => new ZeroPadding1D({ padding: padding as number, name: 'zp1' })).toThrow(/^zp1: padding must be non-negative integers\. Received: padding=/);
    }
    expect(() => new ZeroPadding1D({ name: 'zp1_r' }).build([4, 4, 4])).toThrow(/^zp1_r: expected sequences of shape \(None, steps, channels\), but received \(None, 4, 4, 4\)\.$/);
  });
});
