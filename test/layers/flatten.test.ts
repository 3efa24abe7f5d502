import { describe, expect, it } from 'vitest';
import { Dense, Flatten, randomUniform, Rng, Sequential, tensor, type Layer } from 'layerwise';
import { buildLayer, checkLayerContract } from '../helpers/contract';

describe('Flatten', () => {
  it('keeps the contract: [2, 3] → [6], no weights, config round trip, gradients', () => {
    checkLayerContract({ make: (inputShape) => new Flatten({ inputShape }), inputShape: [2, 3], outputShape: [6], params: 0 });
  });

  it('computes output shapes for any rank', () => {
    const layer = new Flatten();
    expect(layer.computeOutputShape([5])).toEqual([5]);
    expect(layer.computeOutputShape([2, 3, 4])).toEqual([24]);
    expect(layer.computeOutputShape([1, 1])).toEqual([1]);
  });

  it('forward views [batch, 2, 3, 2] as [batch, 12] in row-major order, without copying', () => {
    const layer: Layer = buildLayer((inputShape) => new Flatten({ inputShape }), [2, 3, 2]);
    const x = tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 2, 3, 2]);
    const y = layer.forward(x, false);
    expect(y.shape).toEqual([2, 12]);
    expect(y.get(1, 0)).toBe(12);
    expect(y.get(0, 7)).toBe(x.get(0, 1, 0, 1));
    expect(y.data).toBe(x.data);
  });

  it('backward gives the gradient back in the input shape', () => {
    const layer: Layer = buildLayer((inputShape) => new Flatten({ inputShape }), [3, 2]);
    layer.forward(tensor(new Float32Array(12), [2, 3, 2]), true);
    const dy = tensor(Float32Array.from({ length: 12 }, (_, i) => i - 6), [2, 6]);
    const dx = layer.backward(dy);
    expect(dx.shape).toEqual([2, 3, 2]);
    expect(dx).toBeAllClose(dy);
    expect(dx.get(1, 2, 1)).toBe(5);
  });

  it('backward before forward names the layer', () => {
    expect(() => new Flatten({ name: 'flat_x' }).backward(tensor(new Float32Array(2), [1, 2]))).toThrow(/^flat_x: backward was called before forward/);
  });

  it('feeds a Dense in a model: [2, 2] → 4 → Dense 3 has 15 parameters and trains end to end', async () => {
    const model = new Sequential({ layers: [new Flatten({ inputShape: [2, 2] }), new Dense({ units: 3, seed: 1 })] });
    expect(model.outputShape).toEqual([3]);
    expect(model.countParams()).toBe(15);
    const x = randomUniform([8, 2, 2], -1, 1, new Rng(1));
    const y = randomUniform([8, 3], -1, 1, new Rng(2));
    expect(model.predict(x).shape).toEqual([8, 3]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const history = await model.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    expect(history.history.loss[4]).toBeLessThan(history.history.loss[0]);
  });
});
