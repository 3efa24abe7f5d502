import { describe, expect, it } from 'vitest';
import { full, randomUniform, Rng, SpatialDropout1D, SpatialDropout2D } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { gradCheckNoise } from '../helpers/noise';

const spatial1d = (rate: number, seed?: number) => (inputShape?: number[]) => new SpatialDropout1D({ rate, seed, inputShape });
const spatial2d = (rate: number, seed?: number) => (inputShape?: number[]) => new SpatialDropout2D({ rate, seed, inputShape });

describe('SpatialDropout1D and SpatialDropout2D', () => {
  it('keep the contract: no weights, shape kept, config round trip, gradients in inference', () => {
    checkLayerContract({ make: spatial1d(0.5, 3), inputShape: [4, 2], outputShape: [4, 2], params: 0 });
    const { layer } = checkLayerContract({ make: spatial2d(0.5, 3), inputShape: [3, 4, 2], outputShape: [3, 4, 2], params: 0 });
    expect(layer.getConfig()).toEqual({ name: layer.name, trainable: true, inputShape: [3, 4, 2], rate: 0.5, seed: 3 });
  });

  it('are the identity in inference and pass a mask on', () => {
    const x = randomUniform([2, 3, 4], -1, 1, new Rng(2));
    expect(buildLayer(spatial1d(0.5, 1), [3, 4]).forward(x, false)).toBe(x);
    expect(SpatialDropout1D.supportsMasking && SpatialDropout2D.supportsMasking).toBe(true);
  });

  it('SpatialDropout1D drops whole channels: mask [batch, 1, channels], scales 0 or 1 / (1 − rate), fraction ≈ rate', () => {
    const rate = 0.4;
    const layer = buildLayer(spatial1d(rate, 7), [5, 200]);
    const y = layer.forward(full([10, 5, 200], 1), true).data;
    let dropped = 0;
    for (let n = 0; n < 10; n++) {
      for (let c = 0; c < 200; c++) {
        const first = y[n * 1000 + c];
        expect([0, Math.fround(1 / (1 - rate))]).toContain(first);
        if (first === 0) dropped++;
        for (let t = 1; t < 5; t++) expect(y[(n * 5 + t) * 200 + c]).toBe(first);
      }
    }
    // Binomial(2000, 0.4): standard deviation 0.011 in the fraction; allow 5 of them.
    expect(Math.abs(dropped / 2000 - rate)).toBeLessThan(0.055);
  });

  it('SpatialDropout2D drops whole feature maps: mask [batch, 1, 1, channels]', () => {
    const layer = buildLayer(spatial2d(0.5, 9), [3, 4, 16]);
    const y = layer.forward(full([4, 3, 4, 16], 1), true).data;
    for (let n = 0; n < 4; n++) for (let p = 1; p < 12; p++) for (let c = 0; c < 16; c++) expect(y[(n * 12 + p) * 16 + c]).toBe(y[n * 192 + c]);
    expect(new Set(y).size).toBe(2);
  });

  it('backward uses the same mask; training gradients check; the same seed gives the same bits', () => {
    const layer = buildLayer(spatial1d(0.5, 8), [3, 10]);
    const y = Float32Array.from(layer.forward(full([2, 3, 10], 2), true).data);
    const dx = layer.backward(full([2, 3, 10], 1)).data;
    for (let i = 0; i < y.length; i++) expect(dx[i]).toBe(y[i] / 2);
    expect(gradCheckNoise(spatial1d(0.5, 8), randomUniform([2, 3, 4], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
    expect(gradCheckNoise(spatial2d(0.5, 8), randomUniform([2, 2, 3, 4], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
    const x = full([4, 3, 8], 1);
    expect(bytesOf(buildLayer(spatial1d(0.5, 42), [3, 8]).forward(x, true))).toEqual(bytesOf(buildLayer(spatial1d(0.5, 42), [3, 8]).forward(x, true)));
  });

  it('fail for inputs of another rank, naming the layer; take no noiseShape', () => {
    expect(() => new SpatialDropout1D({ rate: 0.5, name: 'sd_1' }).build([4])).toThrow(/^sd_1: expected sequences of shape \(None, steps, channels\), but received \(None, 4\)\.$/);
    expect(() => new SpatialDropout2D({ rate: 0.5, name: 'sd_2' }).build([4, 3])).toThrow(/^sd_2: expected images of shape \(None, height, width, channels\), but received \(None, 4, 3\)\.$/);
    expect(() => new SpatialDropout1D({ rate: 0.5, noiseShape: [null, 1, null], name: 'sd_n' } as never)).toThrow(/^sd_n: "noiseShape" is not an option of SpatialDropout1D/);
  });
});
