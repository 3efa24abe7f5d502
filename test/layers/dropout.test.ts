import { describe, expect, it } from 'vitest';
import { Dense, Dropout, full, randomUniform, Rng, Sequential, setSeed, tensor } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { gradCheckLayer } from '../helpers/gradcheck';

const dropout = (rate: number, seed?: number) => (inputShape?: number[]) => new Dropout({ rate, seed, inputShape });

describe('Dropout', () => {
  it('keeps the contract: no weights, shape kept, config round trip, gradients in inference', () => {
    const { layer } = checkLayerContract({ make: dropout(0.5, 3), inputShape: [4, 2], outputShape: [4, 2], params: 0 });
    expect(layer.getConfig()).toMatchObject({ rate: 0.5, seed: 3 });
    expect(new Dropout({ rate: 0.25 }).getConfig()).not.toHaveProperty('seed');
  });

  it('is the identity in inference, and so is its backward', () => {
    const layer = buildLayer(dropout(0.9, 1), [5]);
    const x = randomUniform([3, 5], -1, 1, new Rng(2));
    expect(layer.forward(x, false)).toBe(x);
    const dy = randomUniform([3, 5], -1, 1, new Rng(3));
    expect(layer.backward(dy)).toBe(dy);
    const r = gradCheckLayer(layer, x, { training: false });
    expect(r.maxError).toBeLessThan(1e-4);
  });

  it('in training, zeroes a fraction ≈ rate and scales the rest by 1 / (1 − rate)', () => {
    for (const rate of [0.2, 0.5]) {
      const layer = buildLayer(dropout(rate, 7), [100]);
      const x = randomUniform([100, 100], 0.5, 1.5, new Rng(4));
      const y = layer.forward(x, true);
      let dropped = 0;
      for (let i = 0; i < x.size; i++) {
        if (y.data[i] === 0) dropped++;
        else expect(y.data[i]).toBeCloseTo(x.data[i] / (1 - rate), 5);
      }
      // Binomial(10 000, rate): standard deviation ≤ 0.005 in the fraction; allow 4 of them.
      expect(Math.abs(dropped / x.size - rate)).toBeLessThan(0.02);
    }
  });

  it('backward in training passes the gradient through the same mask', () => {
    const layer = buildLayer(dropout(0.5, 8), [50]);
    const x = full([4, 50], 2);
    const y = Float32Array.from(layer.forward(x, true).data);
    const dx = layer.backward(full([4, 50], 3));
    for (let i = 0; i < y.length; i++) expect(dx.data[i]).toBe(y[i] === 0 ? 0 : 6);
  });

  it('rate 0 is the identity in training too', () => {
    const layer = buildLayer(dropout(0), [3]);
    const x = tensor(Float32Array.of(1, 2, 3), [1, 3]);
    expect(layer.forward(x, true)).toBe(x);
  });

  it('the same seed gives the same masks; a new batch draws a new mask', () => {
    const x = full([10, 20], 1);
    const masks = (layer: Dropout) => [bytesOf(layer.forward(x, true)), bytesOf(layer.forward(x, true))];
    const [a1, a2] = masks(buildLayer(dropout(0.5, 42), [20]));
    const [b1, b2] = masks(buildLayer(dropout(0.5, 42), [20]));
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
    const [c1] = masks(buildLayer(dropout(0.5, 43), [20]));
    expect(c1).not.toEqual(a1);
  });

  it('without a seed, setSeed before construction makes the masks reproducible', () => {
    const x = full([10, 20], 1);
    setSeed(9);
    const a = bytesOf(buildLayer(dropout(0.5), [20]).forward(x, true));
    setSeed(9);
    const b = bytesOf(buildLayer(dropout(0.5), [20]).forward(x, true));
    expect(b).toEqual(a);
  });

  it('in a model, predict is deterministic and equals the model without dropout', () => {
    const make = (withDropout: boolean) =>
      new Sequential({
        layers: [
          new Dense({ units: 8, inputShape: [3], seed: 1 }),
          ...(withDropout ? [new Dropout({ rate: 0.5, seed: 2 })] : []),
          new Dense({ units: 2, seed: 3 }),
        ],
      });
    const x = randomUniform([6, 3], -1, 1, new Rng(5));
    const p = make(true).predict(x);
    expect(bytesOf(p)).toEqual(bytesOf(make(false).predict(x)));
  });

  for (const rate of [-0.1, 1, 1.5, NaN]) {
    it(`rejects rate=${rate}`, () => {
      expect(() => new Dropout({ rate, name: 'drop_x' })).toThrow(new RegExp(`^drop_x: rate must be a number in \\[0, 1\\)\\. Received: rate=${rate}\\.$`));
    });
  }
  it('rejects a rate that is not a number', () => {
    expect(() => new Dropout({ rate: '0.5' as unknown as number, name: 'drop_s' })).toThrow(/^drop_s: rate must be a number in \[0, 1\)\. Received: rate="0\.5"\.$/);
  });
});

