import { describe, expect, it } from 'vitest';
import { RepeatVector, tensor } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

describe('RepeatVector contract: shapes, no parameters, config round trip, gradients', () => {
  const cases: [number, number][] = [
    [1, 3],
    [3, 4],
    [5, 1],
  ];
  for (const [n, features] of cases) {
    it(`n ${n} of [${features}] → [${n}, ${features}]`, () => {
      checkLayerContract({ make: (s) => new RepeatVector({ n, inputShape: s }), inputShape: [features], outputShape: [n, features], params: 0 });
    });
  }
});

describe('RepeatVector forward and backward', () => {
  it('copies each sample n times; backward sums the copies', () => {
    const layer = buildLayer((s) => new RepeatVector({ n: 3, inputShape: s }), [2]);
    const y = layer.forward(tensor([1, 2, 3, 4], [2, 2]), false);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(Array.from(y.data)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    const dx = layer.backward(tensor([1, 2, 3, 4, 5, 6, 0, 0, 1, 1, 2, 2], [2, 3, 2]));
    expect(Array.from(dx.data)).toEqual([9, 12, 3, 3]);
    // Twice: the gradient is computed afresh, not accumulated.
    expect(Array.from(layer.backward(tensor(new Float32Array(12).fill(1), [2, 3, 2])).data)).toEqual([3, 3, 3, 3]);
  });

  it('new RepeatVector(4) as Keras RepeatVector(4); only vectors', () => {
    expect(new RepeatVector(4).getConfig()).toMatchObject({ n: 4 });
    expect(() => new RepeatVector({ n: 2, name: 'rep_rank' }).build([2, 3])).toThrow(/^rep_rank: expected vectors, input shape \(None, features\), but received \(None, 2, 3\)\. Flatten the input first\.$/);
    expect(() => new RepeatVector({ n: 0, name: 'rep_zero' })).toThrow(/^rep_zero: n must be a positive integer\. Received: n=0\.$/);
  });
});
