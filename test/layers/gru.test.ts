import { describe, expect, it } from 'vitest';
import { Dense, GRU, LeakyReLU, randomUniform, Rng, Sequential, SGD, tensor } from 'layerwise';
import { checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';
import { dropoutInputGradError, MASK, withMask } from './recurrent-helpers';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** 3 · units · (features + units) weights, plus the bias: [2, 3 · units] with resetAfter, else [3 · units]. */
const gruParams = (features: number, units: number, resetAfter: boolean, bias = true) => 3 * units * (features + units) + (bias ? (resetAfter ? 6 : 3) * units : 0);

describe('GRU: the layer contract', () => {
  for (const resetAfter of [true, false]) {
    const cases: [string, () => GRU, number[], number[], number][] = [
      ['last output', () => new GRU({ units: 3, seed: 1, resetAfter, biasInitializer: 'randomNormal' }), [4, 2], [3], gruParams(2, 3, resetAfter)],
      ['sequences, backwards', () => new GRU({ units: 2, seed: 2, resetAfter, returnSequences: true, goBackwards: true, biasInitializer: 'randomNormal' }), [5, 3], [5, 2], gruParams(3, 2, resetAfter)],
      ['no bias, one step', () => new GRU({ units: 2, seed: 3, resetAfter, useBias: false }), [1, 2], [2], gruParams(2, 2, resetAfter, false)],
      ["'relu' and 'hard_sigmoid' (the general gate path)", () => new GRU({ units: 2, seed: 4, resetAfter, activation: 'relu', recurrentActivation: 'hard_sigmoid' }), [3, 2], [2], gruParams(2, 2, resetAfter)],
      ['a LeakyReLU instance as recurrentActivation', () => new GRU({ units: 2, seed: 5, resetAfter, recurrentActivation: new LeakyReLU({ alpha: 0.2 }) }), [3, 2], [2], gruParams(2, 2, resetAfter)],
    ];
    for (const [name, make, inputShape, outputShape, params] of cases) {
      it(`resetAfter ${resetAfter}: ${name}`, () => {
        checkLayerContract({ make, inputShape, outputShape, params, via: 'build', maxKinks: 2 });
      });
    }
  }
});

describe('GRU: the maths', () => {
  /** One unit, two steps, by hand from Keras 3's GRUCell; bias b (input) and rb (recurrent, resetAfter only). */
  function byHand(resetAfter: boolean, W: number[], U: number[], b: number[], rb: number[], xs: number[]): number[] {
    let h = 0;
    return xs.map((x) => {
      const z = sigmoid(W[0] * x + b[0] + U[0] * h + rb[0]);
      const r = sigmoid(W[1] * x + b[1] + U[1] * h + rb[1]);
      const candidate = resetAfter ? Math.tanh(W[2] * x + b[2] + r * (U[2] * h + rb[2])) : Math.tanh(W[2] * x + b[2] + U[2] * (r * h));
      h = z * h + (1 - z) * candidate;
      return h;
    });
  }

  for (const resetAfter of [true, false]) {
    it(`one unit, two steps, by hand (resetAfter ${resetAfter})`, () => {
      const layer = new GRU({ units: 1, returnSequences: true, resetAfter });
      layer.build([2, 1]);
      const [W, U, b, rb] = [[0.5, -0.3, 0.8], [0.4, 0.7, -0.6], [0.1, -0.2, 0.3], resetAfter ? [0.2, 0.1, -0.4] : [0, 0, 0]];
      layer.setWeights([tensor(W, [1, 3]), tensor(U, [1, 3]), resetAfter ? tensor([...b, ...rb], [2, 3]) : tensor(b, [3])]);
      const xs = [1, -2];
      expect(layer.forward(tensor(xs, [1, 2, 1]), false).data).toBeAllClose(byHand(resetAfter, W, U, b, rb, xs), { rtol: 1e-6, atol: 1e-7 });
    });
  }

  it("the weights are Keras's: kernel [features, 3·units], recurrent_kernel [units, 3·units], bias [2, 3·units] (resetAfter, the default) or [3·units]", () => {
    const after = new GRU({ units: 4, name: 'g' });
    after.build([5, 2]);
    expect(after.params().map((p) => [p.name, p.value.shape])).toEqual([['g/kernel', [2, 12]], ['g/recurrent_kernel', [4, 12]], ['g/bias', [2, 12]]]);
    expect(after.resetAfter).toBe(true);
    const before = new GRU({ units: 4, resetAfter: false });
    before.build([5, 2]);
    expect(before.params()[2].value.shape).toEqual([12]);
  });
});

describe('GRU: masks and dropout', () => {
  const x = awayFromZero([3, 5, 2], 5);

  for (const resetAfter of [true, false]) {
    it(`gradients of the input and every weight through masked steps (resetAfter ${resetAfter})`, () => {
      for (const options of [{ returnSequences: true }, { goBackwards: true }]) {
        const layer = new GRU({ units: 3, seed: 3, resetAfter, biasInitializer: 'randomNormal', ...options });
        layer.build([5, 2]);
        expect(gradCheckLayer(withMask(layer, MASK), x).maxError).toBeLessThan(1e-3);
      }
    });

    it(`gradients respect the dropout masks (resetAfter ${resetAfter})`, () => {
      const xs = awayFromZero([2, 4, 3], 9);
      const w = randomUniform([2, 4, 2], -1, 1, new Rng(3));
      const make = () => new GRU({ units: 2, seed: 12, resetAfter, dropout: 0.3, recurrentDropout: 0.5, returnSequences: true });
      expect(dropoutInputGradError(make, [4, 3], xs, w)).toBeLessThan(1e-3);
    });
  }

  it('a fully masked sample outputs zeros (the initial state), at every step', () => {
    const layer = new GRU({ units: 2, returnSequences: true, seed: 1 });
    layer.build([5, 2]);
    const mask = tensor([...MASK.data.slice(0, 10), 0, 0, 0, 0, 0], [3, 5]);
    expect(Array.from(layer.forward(x, false, mask).data.slice(20))).toEqual(new Array(10).fill(0));
  });
});

describe('GRU: training', () => {
  it('a GRU learns the sign of a sequence\'s sum (the loss falls)', async () => {
    const x = randomUniform([64, 5, 1], -1, 1, new Rng(4));
    const y = tensor(Array.from({ length: 64 }, (_, s) => (x.data.slice(s * 5, s * 5 + 5).reduce((a, b) => a + b, 0) > 0 ? 1 : 0)), [64, 1]);
    const model = new Sequential({ layers: [new GRU({ units: 6, inputShape: [5, 1], seed: 1, returnSequences: true }), new GRU({ units: 4, seed: 2, resetAfter: false }), new Dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.3, momentum: 0.9 }), loss: 'binaryCrossentropy' });
    const loss = (await model.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0, seed: 1 })).history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
  });
});
