import { describe, expect, it } from 'vitest';
import { tensor, UpSampling1D } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('UpSampling1D', () => {
  for (const [size, inputShape, outputShape] of [[undefined, [3, 2], [6, 2]], [3, [2, 4], [6, 4]], [1, [4, 1], [4, 1]]] as const) {
    it(`keeps the contract with size ${size ?? 'default (2)'}`, () => {
      const { layer } = checkLayerContract({ make: (s) => new UpSampling1D({ size, inputShape: s }), inputShape: [...inputShape], outputShape: [...outputShape], params: 0 });
      expect(layer.getConfig().size).toBe(size ?? 2);
    });
  }

  it('by hand: repeats each step; backward sums the copies', () => {
    const layer = buildLayer((s) => new UpSampling1D({ size: 3, inputShape: s }), [2, 2]);
    expect(Array.from(layer.forward(t([1, 2, 3, 4], [1, 2, 2]), false).data)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    expect(Array.from(layer.backward(t([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 6, 2])).data)).toEqual([9, 12, 27, 30]);
  });

  it('takes a bare size; does not pass masks on; fails for inputs that are not sequences and for a bad size', () => {
    expect(new UpSampling1D(4).size).toBe(4);
    expect(UpSampling1D.supportsMasking).toBe(false);
    expect(() => new UpSampling1D({ name: 'us_r' }).build([4, 3, 2])).toThrow(/^us_r: expected sequences of shape \(None, steps, channels\), but received \(None, 4, 3, 2\)\.$/);
    expect(() => new UpSampling1D({ size: 0, name: 'us_s' })).toThrow(/^us_s: size must be a positive integer\. Received: size=0\.$/);
  });
});
