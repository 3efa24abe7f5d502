import { describe, expect, it } from 'vitest';
import { tensor, UpSampling2D, type UpSampling2DOptions } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

const t = (values: number[], shape: number[]) => tensor(Float32Array.from(values), shape);

describe('UpSampling2D contract: shapes, no parameters, config round trip, gradients', () => {
  const cases: [string, UpSampling2DOptions, number[], number[]][] = [
    ['default: nearest, 2', {}, [2, 3, 2], [4, 6, 2]],
    ['nearest, [3, 1]', { size: [3, 1] }, [2, 2, 1], [6, 2, 1]],
    ['bilinear, 2', { interpolation: 'bilinear' }, [3, 2, 2], [6, 4, 2]],
    ['bilinear, [2, 3]', { size: [2, 3], interpolation: 'bilinear' }, [2, 3, 1], [4, 9, 1]],
    ['bilinear, 1 row', { size: 2, interpolation: 'bilinear' }, [1, 3, 2], [2, 6, 2]],
  ];
  for (const [label, options, inputShape, outputShape] of cases) {
    it(label, () => {
      const { layer } = checkLayerContract({ make: (s) => new UpSampling2D({ ...options, inputShape: s }), inputShape, outputShape, params: 0 });
      expect(layer.getConfig()).toMatchObject({ size: options.size === undefined ? [2, 2] : typeof options.size === 'number' ? [2, 2] : options.size, interpolation: options.interpolation ?? 'nearest' });
    });
  }
});

describe('UpSampling2D by hand', () => {
  it('nearest repeats each pixel; backward sums the gradient of its copies', () => {
    const layer = buildLayer((s) => new UpSampling2D({ size: [1, 2], inputShape: s }), [2, 2, 1]);
    expect(Array.from(layer.forward(t([1, 2, 3, 4], [1, 2, 2, 1]), false).data)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(Array.from(layer.backward(t([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1])).data)).toEqual([3, 7, 11, 15]);
  });

  it("bilinear has Keras 3's half-pixel centres: [0, 1] by 2 is [0, 0.25, 0.75, 1] (PyTorch's align_corners=False)", () => {
    const layer = buildLayer((s) => new UpSampling2D({ size: [1, 2], interpolation: 'bilinear', inputShape: s }), [1, 2, 1]);
    expect(Array.from(layer.forward(t([0, 1], [1, 1, 2, 1]), false).data)).toEqual([0, 0.25, 0.75, 1]);
    // The adjoint: each input collects its weights, 1 + 0.75 + 0.25 = 2 for both.
    expect(Array.from(layer.backward(t([1, 1, 1, 1], [1, 1, 4, 1])).data)).toEqual([2, 2]);
  });

  it('does not pass masks on; fails for inputs that are not images, and for a bad size or interpolation', () => {
    expect(UpSampling2D.supportsMasking).toBe(false);
    expect(() => new UpSampling2D({ name: 'up_r' }).build([4, 3])).toThrow(/^up_r: expected images of shape \(None, height, width, channels\), but received \(None, 4, 3\)\.$/);
    expect(() => new UpSampling2D({ size: [2, 0], name: 'up_s' })).toThrow(/^up_s: size must be a positive integer or a pair of them\. Received: size=\[2,0\]\.$/);
    expect(() => new UpSampling2D({ interpolation: 'bicubic' as never, name: 'up_i' })).toThrow(/^up_i: interpolation must be 'nearest' or 'bilinear'\. Received: interpolation="bicubic"\.$/);
  });
});
