import { describe, expect, it } from 'vitest';
import { Cropping1D, tensor, type Cropping1DOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('Cropping1D', () => {
  const cases: [string, Cropping1DOptions['cropping'], number[], number[], [number, number]][] = [
    ['default [1, 1]', undefined, [5, 2], [3, 2], [1, 1]],
    ['one number: 2 at each end', 2, [6, 1], [2, 1], [2, 2]],
    ['[start, end] = [0, 3]', [0, 3], [5, 2], [2, 2], [0, 3]],
    ['nothing', 0, [3, 2], [3, 2], [0, 0]],
  ];
  for (const [label, cropping, inputShape, outputShape, stored] of cases) {
    it(`keeps the contract: ${label}`, () => {
      const { layer } = checkLayerContract({ make: (s) => new Cropping1D({ cropping, inputShape: s }), inputShape, outputShape, params: 0 });
      expect(layer.getConfig().cropping).toEqual(stored);
    });
  }

  it('by hand: removes steps at both ends; backward puts the gradient back with zeros', () => {
    const layer = buildLayer((s) => new Cropping1D({ cropping: [1, 2], inputShape: s }), [5, 1]);
    expect(Array.from(layer.forward(t([1, 2, 3, 4, 5], [1, 5, 1]), false).data)).toEqual([2, 3]);
    expect(Array.from(layer.backward(t([7, 8], [1, 2, 1])).data)).toEqual([0, 7, 8, 0, 0]);
  });

  it('fails when it would remove every step, for bad croppings, and for inputs that are not sequences', () => {
    expect(Cropping1D.supportsMasking).toBe(false);
    expect(() => new Cropping1D({ cropping: [2, 2], name: 'cr1' }).build([4, 3])).toThrow(/^cr1: cropping \[2,2\] removes every step of inputs of shape \(None, 4, 3\)\. Crop less, or check the input shape\.$/);
    expect(() => new Cropping1D({ cropping: [1, -1], name: 'cr1_b' })).toThrow(/^cr1_b: cropping must be non-negative integers\. Received: cropping=\[1,-1\]\.$/);
    expect(() => new Cropping1D({ name: 'cr1_r' }).build([4])).toThrow(/^cr1_r: expected sequences of shape \(None, steps, channels\), but received \(None, 4\)\.$/);
  });
});
