import { describe, expect, it } from 'vitest';
import { Dense, LayerwiseError, randomUniform, Rng, Sequential, SGD, SimpleRNN, tensor } from 'layerwise';
import { checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';
import { dropoutInputGradError, MASK, withMask } from './recurrent-helpers';

describe('SimpleRNN: the layer contract', () => {
  const cases: [string, () => SimpleRNN, number[], number[], number][] = [
    ['last output (through a Sequential)', () => new SimpleRNN({ units: 3, seed: 1 }), [4, 2], [3], 3 * (2 + 3 + 1)],
    ['sequences, backwards', () => new SimpleRNN({ units: 2, seed: 2, returnSequences: true, goBackwards: true }), [5, 3], [5, 2], 2 * (3 + 2 + 1)],
    ['relu, no bias', () => new SimpleRNN({ units: 2, seed: 3, activation: 'relu', useBias: false }), [3, 2], [2], 2 * (2 + 2)],
  ];
  for (const [name, make, inputShape, outputShape, params] of cases) {
    it(name, () => {
      checkLayerContract({ make, inputShape, outputShape, params, via: 'build', maxKinks: 2 });
    });
  }

  it('new SimpleRNN(4) in a Sequential with the inputShape', () => {
    checkLayerContract({ make: (inputShape) => new SimpleRNN({ units: 4, inputShape, seed: 4 }), inputShape: [3, 2], outputShape: [4], params: 4 * (2 + 4 + 1) });
    expect(new SimpleRNN(4).units).toBe(4);
  });
});

describe('SimpleRNN: the maths', () => {
  it('h_t = tanh(x_t · W + h_{t−1} · U + b), by hand with two units', () => {
    const layer = new SimpleRNN({ units: 2, returnSequences: true });
    layer.build([3, 1]);
    const [W, U, b] = [[0.5, -1], [0.2, 0.3, -0.4, 0.1], [0.1, 0]];
    layer.setWeights([tensor(W, [1, 2]), tensor(U, [2, 2]), tensor(b, [2])]);
    const xs = [1, 0.5, -1];
    let h = [0, 0];
    const expected: number[] = [];
    for (const x of xs) {
      h = [0, 1].map((j) => Math.tanh(x * W[j] + h[0] * U[j] + h[1] * U[2 + j] + b[j]));
      expected.push(...h);
    }
    expect(layer.forward(tensor(xs, [1, 3, 1]), false).data).toBeAllClose(expected, { rtol: 1e-6, atol: 1e-7 });
  });

  it('goBackwards reads the sequence from its end, and outputs the steps in that order (Keras)', () => {
    const forward = new SimpleRNN({ units: 2, returnSequences: true, seed: 5 });
    const backward = new SimpleRNN({ units: 2, returnSequences: true, goBackwards: true, seed: 5 });
    for (const l of [forward, backward]) l.build([4, 1]);
    const y = forward.forward(tensor([4, 3, 2, 1], [1, 4, 1]), false).data.slice();
    expect(backward.forward(tensor([1, 2, 3, 4], [1, 4, 1]), false).data).toEqual(y);
  });
});

describe('SimpleRNN: masks and dropout', () => {
  it('gradients through masked steps', () => {
    const layer = new SimpleRNN({ units: 3, seed: 3, returnSequences: true, goBackwards: true });
    layer.build([5, 2]);
    expect(gradCheckLayer(withMask(layer, MASK), awayFromZero([3, 5, 2], 5)).maxError).toBeLessThan(1e-3);
  });

  it('gradients respect the dropout masks', () => {
    const make = () => new SimpleRNN({ units: 3, seed: 13, dropout: 0.4, recurrentDropout: 0.4 });
    expect(dropoutInputGradError(make, [4, 2], awayFromZero([2, 4, 2], 6), randomUniform([2, 3], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
  });

  it('a stacked model trains: the loss of a running-mean task falls', async () => {
    const x = randomUniform([48, 4, 2], -1, 1, new Rng(8));
    const y = tensor(Array.from({ length: 48 }, (_, s) => x.data.slice(s * 8, s * 8 + 8).reduce((a, b) => a + b, 0) / 8), [48, 1]);
    const model = new Sequential({ layers: [new SimpleRNN({ units: 6, returnSequences: true, inputShape: [4, 2], seed: 1 }), new SimpleRNN({ units: 4, seed: 2 }), new Dense({ units: 1 })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'mse' });
    const loss = (await model.fit(x, y, { epochs: 20, batchSize: 12, verbose: 0, seed: 1 })).history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
  });
});

describe('SimpleRNN: errors', () => {
  it('refuses returnState and a mask of another shape, naming the layer', () => {
    expect(() => new SimpleRNN({ units: 2, returnState: true } as never)).toThrow(LayerwiseError);
    const layer = new SimpleRNN({ units: 2, name: 'r' });
    layer.build([3, 2]);
    expect(() => layer.forward(tensor(new Float32Array(12), [2, 3, 2]), false, tensor(new Float32Array(6), [3, 2]))).toThrow(/^r: expected a mask of shape \[2, 3\]/);
  });
});
