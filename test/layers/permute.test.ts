import { describe, expect, it } from 'vitest';
import { Dense, Permute, Sequential, tensor } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

describe('Permute contract: shapes, no parameters, config round trip, gradients', () => {
  const cases: [number[], number[], number[]][] = [
    [[3, 4], [2, 1], [4, 3]],
    [[3, 4], [1, 2], [3, 4]],
    [[2, 3, 4], [3, 1, 2], [4, 2, 3]],
    [[2, 3, 4], [2, 3, 1], [3, 4, 2]],
    [[2, 1, 3, 2], [4, 2, 1, 3], [2, 1, 2, 3]],
    [[5], [1], [5]],
  ];
  for (const [inputShape, dims, outputShape] of cases) {
    it(`[${inputShape}] with dims [${dims}] → [${outputShape}]`, () => {
      checkLayerContract({ make: (s) => new Permute({ dims, inputShape: s }), inputShape, outputShape, params: 0 });
    });
  }
});

describe('Permute forward and backward', () => {
  it('swaps the axes of each sample; backward swaps them back', () => {
    const layer = buildLayer((s) => new Permute({ dims: [2, 1], inputShape: s }), [2, 3]);
    const x = tensor([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [2, 2, 3]);
    const y = layer.forward(x, false);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(Array.from(y.data)).toEqual([0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
    const dx = layer.backward(y);
    expect(Array.from(dx.data)).toEqual(Array.from(x.data));
  });

  it('a rank-3 cycle: y[b, k, i, j] = x[b, i, j, k] for dims [3, 1, 2]', () => {
    const layer = buildLayer((s) => new Permute({ dims: [3, 1, 2], inputShape: s }), [2, 3, 4]);
    const x = tensor(Float32Array.from({ length: 48 }, (_, i) => i), [2, 2, 3, 4]);
    const y = layer.forward(x, false);
    for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(y.get(b, k, i, j)).toBe(x.get(b, i, j, k));
  });

  it('as Keras: Permute((2, 1)) before a Dense over the steps; bare dims; config keeps dims', () => {
    const model = new Sequential({ layers: [new Permute({ dims: [2, 1], inputShape: [10, 64] }), new Dense({ units: 2 })] });
    expect(model.outputShape).toEqual([64, 2]);
    expect(new Permute([2, 1]).getConfig()).toMatchObject({ dims: [2, 1] });
  });
});

describe('Permute errors', () => {
  const bad: [string, number[]][] = [
    ['a repeated axis', [1, 1]],
    ['0-based axes', [0, 1]],
    ['a gap', [1, 3]],
    ['no axes', []],
  ];
  for (const [label, dims] of bad) {
    it(label, () => {
      expect(() => new Permute({ dims, name: 'perm_bad' })).toThrow(/^perm_bad: dims must be a permutation of 1, 2, …, n \(the sample's axes, counted from 1; the batch axis is not included\)\. Received: dims=/);
    });
  }
  it('dims of another rank than the input fails at build', () => {
    expect(() => new Permute({ dims: [2, 1], name: 'perm_rank' }).build([2, 3, 4])).toThrow(/^perm_rank: dims \[2,1\] reorders 2 axes, but the input shape \(None, 2, 3, 4\) has 3\./);
  });
});
