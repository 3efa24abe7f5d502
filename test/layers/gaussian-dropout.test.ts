import { describe, expect, it } from 'vitest';
import { full, GaussianDropout, randomUniform, Rng } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { gradCheckNoise, moments } from '../helpers/noise';

const dropout = (rate: number, seed?: number) => (inputShape?: number[]) => new GaussianDropout({ rate, seed, inputShape });

describe('GaussianDropout', () => {
  it('keeps the contract: no weights, shape kept, config round trip, gradients in inference', () => {
    const { layer } = checkLayerContract({ make: dropout(0.4, 3), inputShape: [3, 2], outputShape: [3, 2], params: 0 });
    expect(layer.getConfig()).toMatchObject({ rate: 0.4, seed: 3 });
    expect(layer.getConfig()).not.toHaveProperty('noiseShape');
  });

  it('is the identity in inference and at rate 0; passes a mask on', () => {
    const x = randomUniform([3, 5], -1, 1, new Rng(2));
    expect(buildLayer(dropout(0.5, 1), [5]).forward(x, false)).toBe(x);
    expect(buildLayer(dropout(0, 1), [5]).forward(x, true)).toBe(x);
    expect(GaussianDropout.supportsMasking).toBe(true);
  });

  for (const rate of [0.2, 0.5]) {
    it(`rate ${rate}: in training multiplies by noise of mean 1 and variance rate / (1 − rate) (200 000 draws)`, () => {
      const layer = buildLayer(dropout(rate, 7), [1000]);
      const x = full([200, 1000], 2);
      const { mean, variance } = moments(layer.forward(x, true).data.map((v) => v / 2));
      const expected = rate / (1 - rate);
      // Standard errors ≈ √(expected / n) and expected · √(2 / n); allow 5 of them.
      expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(expected / 2e5));
      expect(Math.abs(variance - expected)).toBeLessThan(5 * expected * Math.sqrt(2 / 2e5));
    });
  }

  it('backward multiplies by the same noise, exactly; its training gradient checks', () => {
    const layer = buildLayer(dropout(0.5, 8), [50]);
    const y = Float32Array.from(layer.forward(full([4, 50], 1), true).data);
    const dx = layer.backward(full([4, 50], 3));
    for (let i = 0; i < y.length; i++) expect(dx.data[i]).toBe(Math.fround(y[i] * 3));
    expect(gradCheckNoise(dropout(0.3, 8), randomUniform([3, 4], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
  });

  it('the same seed gives the same noise; another seed other noise', () => {
    const x = full([10, 20], 1);
    const a = bytesOf(buildLayer(dropout(0.3, 42), [20]).forward(x, true));
    expect(bytesOf(buildLayer(dropout(0.3, 42), [20]).forward(x, true))).toEqual(a);
    expect(bytesOf(buildLayer(dropout(0.3, 43), [20]).forward(x, true))).not.toEqual(a);
  });

  it('rejects a rate outside [0, 1) and a noiseShape (Keras has none for it)', () => {
    expect(() => new GaussianDropout({ rate: 1, name: 'gd_x' })).toThrow(/^gd_x: rate must be a number in \[0, 1\)\. Received: rate=1\.$/);
    expect(() => new GaussianDropout({ rate: 0.5, noiseShape: [null, 1], name: 'gd_n' } as never)).toThrow(/^gd_n: "noiseShape" is not an option of GaussianDropout/);
  });
});
