import { describe, expect, it } from 'vitest';
import { AlphaDropout, full, randomNormal, randomUniform, Rng, tensor } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { gradCheckNoise, moments } from '../helpers/noise';

const dropout = (rate: number, seed?: number, noiseShape?: (number | null)[]) => (inputShape?: number[]) => new AlphaDropout({ rate, seed, noiseShape, inputShape });

/** SELU's saturation −scale · alpha, as Keras 3 writes it. */
const ALPHA_P = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717;

/** Keras 3's AlphaDropout for a 0/1 kept mask, in float64: a · (x · k + α' · (1 − k)) + b. */
function reference(x: ArrayLike<number>, kept: ArrayLike<number>, rate: number): Float64Array {
  const a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5;
  const b = -a * ALPHA_P * rate;
  return Float64Array.from(x, (v, i) => a * (v * kept[i] + ALPHA_P * (1 - kept[i])) + b);
}

/** The kept mask of the last training batch, read off the backward of ones: dx = a · k. */
function keptMask(layer: AlphaDropout, shape: number[]): Float32Array {
  return layer.backward(full(shape, 1)).data.map((v) => (v === 0 ? 0 : 1));
}

describe('AlphaDropout', () => {
  it('keeps the contract: no weights, shape kept, config round trip, gradients in inference', () => {
    const { layer } = checkLayerContract({ make: dropout(0.2, 3, [null, 1, null]), inputShape: [3, 2], outputShape: [3, 2], params: 0 });
    expect(layer.getConfig()).toMatchObject({ rate: 0.2, seed: 3, noiseShape: [null, 1, null] });
  });

  it('the saturation value is −1.7580993408473766', () => {
    expect(ALPHA_P).toBeCloseTo(-1.7580993408473766, 15);
  });

  it('is the identity in inference; passes a mask on', () => {
    const x = randomUniform([3, 5], -1, 1, new Rng(2));
    expect(buildLayer(dropout(0.5, 1), [5]).forward(x, false)).toBe(x);
    expect(AlphaDropout.supportsMasking).toBe(true);
  });

  for (const rate of [0.1, 0.3, 0.6]) {
    it(`rate ${rate}: equals Keras 3's formula in float64 for the mask drawn (to 1e-6); backward is a · kept · dy`, () => {
      const layer = buildLayer(dropout(rate, 11), [40]);
      const x = randomUniform([5, 40], -3, 3, new Rng(6));
      const y = Float32Array.from(layer.forward(x, true).data);
      const kept = keptMask(layer, x.shape);
      expect(y).toBeAllClose(reference(x.data, kept, rate), { rtol: 1e-6, atol: 1e-6 });
      const dropped = kept.filter((k) => k === 0).length / kept.length;
      expect(Math.abs(dropped - rate)).toBeLessThan(0.08);
    });
  }

  it('keeps a standard normal input at mean 0 and variance 1 (200 000 draws, rate 0.2)', () => {
    const layer = buildLayer(dropout(0.2, 7), [1000]);
    const x = randomNormal([200, 1000], 0, 1, new Rng(3));
    const { mean, variance } = moments(layer.forward(x, true).data);
    expect(Math.abs(mean)).toBeLessThan(0.012);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
  });

  it('noiseShape [null, 1, null] drops the same features at every step', () => {
    const layer = buildLayer(dropout(0.5, 4, [null, 1, null]), [6, 8]);
    layer.forward(randomUniform([3, 6, 8], -1, 1, new Rng(1)), true);
    const kept = keptMask(layer, [3, 6, 8]);
    for (let n = 0; n < 3; n++) for (let t = 1; t < 6; t++) for (let c = 0; c < 8; c++) expect(kept[(n * 6 + t) * 8 + c]).toBe(kept[n * 48 + c]);
  });

  it('its training gradient checks; the same seed gives the same bits', () => {
    expect(gradCheckNoise(dropout(0.3, 8), randomUniform([3, 4], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
    const x = tensor(randomUniform([10, 20], -1, 1, new Rng(2)).data, [10, 20]);
    expect(bytesOf(buildLayer(dropout(0.3, 42), [20]).forward(x, true))).toEqual(bytesOf(buildLayer(dropout(0.3, 42), [20]).forward(x, true)));
  });

  it('rejects a rate outside [0, 1)', () => {
    expect(() => new AlphaDropout({ rate: 1, name: 'ad_x' })).toThrow(/^ad_x: rate must be a number in \[0, 1\)\. Received: rate=1\.$/);
  });
});
