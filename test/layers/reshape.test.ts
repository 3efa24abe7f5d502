import { describe, expect, it } from 'vitest';
import { Conv2D, Reshape, Sequential, tensor } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

describe('Reshape contract: shapes, no parameters, config round trip, gradients', () => {
  const cases: [number[], number[], number[]][] = [
    [[12], [3, 4], [3, 4]],
    [[12], [2, 2, 3], [2, 2, 3]],
    [[2, 3, 2], [-1], [12]],
    [[2, 3, 2], [-1, 4], [3, 4]],
    [[2, 3, 2], [4, -1, 1], [4, 3, 1]],
    [[16], [4, 4, 1], [4, 4, 1]],
  ];
  for (const [inputShape, targetShape, outputShape] of cases) {
    it(`[${inputShape}] with targetShape [${targetShape}] → [${outputShape}]`, () => {
      checkLayerContract({ make: (s) => new Reshape({ targetShape, inputShape: s }), inputShape, outputShape, params: 0 });
    });
  }
});

describe('Reshape forward and backward', () => {
  it('views each sample in row-major order without copying; backward restores the input shape', () => {
    const layer = buildLayer((s) => new Reshape({ targetShape: [3, -1], inputShape: s }), [2, 3]);
    const x = tensor(Float32Array.from({ length: 12 }, (_, i) => i), [2, 2, 3]);
    const y = layer.forward(x, true);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(y.data).toBe(x.data);
    expect(y.get(1, 2, 1)).toBe(11);
    expect(y.get(0, 1, 0)).toBe(2);
    const dx = layer.backward(tensor(Float32Array.from({ length: 12 }, (_, i) => -i), [2, 3, 2]));
    expect(dx.shape).toEqual([2, 2, 3]);
    expect(dx.get(1, 1, 2)).toBe(-11);
  });

  it('the MNIST entry: [784] → [28, 28, 1] for a Conv2D', () => {
    const model = new Sequential({ layers: [new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }), new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' })] });
    expect(model.outputShape).toEqual([28, 28, 4]);
    expect(model.layers[0].getConfig()).toMatchObject({ targetShape: [28, 28, 1], inputShape: [784] });
  });
});

describe('Reshape errors', () => {
  const bad: [string, unknown][] = [
    ['two -1 entries', [-1, -1]],
    ['a zero', [0, 4]],
    ['a non-integer', [2.5, 2]],
    ['a negative other than -1', [-2, 3]],
    ['not an array', 12],
  ];
  for (const [label, targetShape] of bad) {
    it(`targetShape with ${label}`, () => {
      expect(() => new Reshape({ targetShape: targetShape as number[], name: 'reshape_bad' })).toThrow(
        new RegExp(`^reshape_bad: targetShape must be positive integers with at most one -1\\. Received: targetShape=${JSON.stringify(targetShape).replace(/[[\]]/g, '\\$&')}\\.$`),
      );
    });
  }

  it('a target of another size, or a -1 that cannot be inferred, fails at build naming both shapes', () => {
    expect(() => new Reshape({ targetShape: [5, 2], name: 'reshape_size' }).build([3, 4])).toThrow(
      /^reshape_size: cannot reshape input \(None, 3, 4\) \(12 values a sample\) to \(None, 5, 2\)\. The target must hold the same number of values\.$/,
    );
    expect(() => new Reshape({ targetShape: [-1, 5], name: 'reshape_infer' }).build([3, 4])).toThrow(
      /^reshape_infer: cannot reshape input \(None, 3, 4\) \(12 values a sample\) to \(None, -1, 5\)\./,
    );
  });

  it('backward before forward names the layer', () => {
    expect(() => new Reshape({ targetShape: [2], name: 'reshape_bf' }).backward(tensor(new Float32Array(2), [1, 2]))).toThrow(/^reshape_bf: backward was called before forward/);
  });
});
