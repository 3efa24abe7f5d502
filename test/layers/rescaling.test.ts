import { describe, expect, it } from 'vitest';
import { Rescaling, tensor } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

describe('Rescaling contract: shapes, no parameters, config round trip, gradients', () => {
  const cases: [number, number, number[]][] = [
    [1 / 255, 0, [4]],
    [1 / 127.5, -1, [2, 3]],
    [-2, 0.5, [2, 2, 2]],
    [0, 3, [3]],
  ];
  for (const [scale, offset, inputShape] of cases) {
    it(`scale ${scale}, offset ${offset} on [${inputShape}]`, () => {
      checkLayerContract({ make: (s) => new Rescaling({ scale, offset, inputShape: s }), inputShape, outputShape: inputShape, params: 0 });
    });
  }
});

describe('Rescaling forward and backward', () => {
  it('y = x · scale + offset; dx = dy · scale', () => {
    const layer = buildLayer((s) => new Rescaling({ scale: 1 / 127.5, offset: -1, inputShape: s }), [3]);
    expect(Array.from(layer.forward(tensor([0, 127.5, 255], [1, 3]), false).data)).toEqual([-1, 0, 1]);
    expect(Array.from(layer.backward(tensor([127.5, 255, -255], [1, 3])).data)).toEqual([1, 2, -2]);
  });

  it('new Rescaling(1 / 255) as Keras; offset 0 by default, written in the config; masks pass', () => {
    const layer = new Rescaling(0.5);
    expect(layer.getConfig()).toMatchObject({ scale: 0.5, offset: 0 });
    const mask = tensor([1, 0], [1, 2]);
    expect(layer.computeMask(tensor([1, 2], [1, 2]), mask)).toBe(mask);
  });

  it('scale and offset must be finite', () => {
    expect(() => new Rescaling({ scale: Infinity, name: 'resc_inf' })).toThrow(/^resc_inf: scale must be a finite number\. Received: scale=Infinity\.$/);
    expect(() => new Rescaling({ scale: 1, offset: -Infinity, name: 'resc_off' })).toThrow(/^resc_off: offset must be a finite number\. Received: offset=-Infinity\.$/);
  });
});
