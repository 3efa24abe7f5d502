import { describe, expect, it } from 'vitest';
import { Cropping2D, tensor, type Cropping2DOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('Cropping2D', () => {
  const cases: [string, Cropping2DOptions['cropping'], number[], number[]][] = [
    ['default: nothing', undefined, [3, 4, 2], [3, 4, 2]],
    ['one number: 1 on every side', 1, [4, 5, 2], [2, 3, 2]],
    ['[rows, cols] = [1, 0]', [1, 0], [4, 3, 1], [2, 3, 1]],
    ['[[top, bottom], [left, right]] = [[0, 2], [1, 0]]', [[0, 2], [1, 0]], [4, 4, 2], [2, 3, 2]],
  ];
  for (const [label, cropping, inputShape, outputShape] of cases) {
    it(`keeps the contract: ${label}`, () => {
      checkLayerContract({ make: (s) => new Cropping2D({ cropping, inputShape: s }), inputShape, outputShape, params: 0 });
    });
  }

  it('by hand: keeps the middle of [[1, 2, 3], [4, 5, 6], [7, 8, 9]]; backward pads with zeros', () => {
    const layer = buildLayer((s) => new Cropping2D({ cropping: [[1, 0], [0, 1]], inputShape: s }), [3, 3, 1]);
    expect(Array.from(layer.forward(t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]), false).data)).toEqual([4, 5, 7, 8]);
    expect(Array.from(layer.backward(t([1, 2, 3, 4], [1, 2, 2, 1])).data)).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
  });

  it('the three forms store [[top, bottom], [left, right]]; errors name the layer', () => {
    expect(new Cropping2D(2).cropping).toEqual([[2, 2], [2, 2]]);
    expect(new Cropping2D([1, 3]).getConfig().cropping).toEqual([[1, 1], [3, 3]]);
    expect(Cropping2D.supportsMasking).toBe(false);
    expect(() => new Cropping2D({ cropping: [[1, 1], [2, 2]], name: 'cr2' }).build([3, 4, 1])).toThrow(/^cr2: cropping \[\[1,1\],\[2,2\]\] removes every row or column of inputs of shape \(None, 3, 4, 1\)\./);
    expect(() => new Cropping2D({ cropping: [[1], [1, 1]] as never, name: 'cr2_b' })).toThrow(/^cr2_b: cropping must be non-negative integers\. Received: cropping=\[\[1\],\[1,1\]\]\.$/);
    expect(() => new Cropping2D({ name: 'cr2_r' }).build([4, 4])).toThrow(/^cr2_r: expected images of shape \(None, height, width, channels\), but received \(None, 4, 4\)\.$/);
  });
});
