import { describe, expect, it } from 'vitest';
import { full, GaussianNoise, randomUniform, Rng } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { gradCheckNoise, moments } from '../helpers/noise';

const noise = (stddev: number, seed?: number) => (inputShape?: number[]) => new GaussianNoise({ stddev, seed, inputShape });

describe('GaussianNoise', () => {
  it('keeps the contract: no weights, shape kept, config round trip, gradients in inference', () => {
    const { layer } = checkLayerContract({ make: noise(0.3, 3), inputShape: [4, 2], outputShape: [4, 2], params: 0 });
    expect(layer.getConfig()).toMatchObject({ stddev: 0.3, seed: 3 });
    expect(new GaussianNoise(0.1).getConfig()).not.toHaveProperty('seed');
  });

  it('is the identity in inference; passes a mask on', () => {
    const layer = buildLayer(noise(1, 1), [5]);
    const x = randomUniform([3, 5], -1, 1, new Rng(2));
    expect(layer.forward(x, false)).toBe(x);
    expect(GaussianNoise.supportsMasking).toBe(true);
  });

  it('in training adds noise of mean 0 and variance stddev² (200 000 draws)', () => {
    const stddev = 0.5;
    const layer = buildLayer(noise(stddev, 7), [1000]);
    const x = randomUniform([200, 1000], -1, 1, new Rng(4));
    const y = layer.forward(x, true);
    const diff = y.data.map((v, i) => v - x.data[i]);
    const { mean, variance } = moments(diff);
    // Standard errors: mean stddev/√n ≈ 0.0011, variance stddev²·√(2/n) ≈ 0.0008; allow 5 of them.
    expect(Math.abs(mean)).toBeLessThan(0.006);
    expect(Math.abs(variance - stddev ** 2)).toBeLessThan(0.004);
  });

  it('backward passes the gradient through unchanged, in training too; its training gradient checks', () => {
    const layer = buildLayer(noise(0.5, 8), [6]);
    const x = full([2, 6], 1);
    layer.forward(x, true);
    const dy = randomUniform([2, 6], -1, 1, new Rng(1));
    expect(Array.from(layer.backward(dy).data)).toEqual(Array.from(dy.data));
    expect(gradCheckNoise(noise(0.5, 8), randomUniform([3, 4], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
  });

  it('the same seed gives the same noise; a new batch draws new noise', () => {
    const x = full([10, 20], 1);
    const draws = (layer: GaussianNoise) => [bytesOf(layer.forward(x, true)), bytesOf(layer.forward(x, true))];
    const [a1, a2] = draws(buildLayer(noise(0.2, 42), [20]));
    const [b1, b2] = draws(buildLayer(noise(0.2, 42), [20]));
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
  });

  for (const stddev of [-0.1, Infinity, NaN]) {
    it(`rejects stddev=${stddev}`, () => {
      expect(() => new GaussianNoise({ stddev, name: 'gn_x' })).toThrow(new RegExp(`^gn_x: stddev must be a finite number ≥ 0\\. Received: stddev=${stddev}\\.$`));
    });
  }
});
