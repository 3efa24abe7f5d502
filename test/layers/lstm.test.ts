import { describe, expect, it } from 'vitest';
import {
  constraints,
  Dense,
  Embedding,
  LayerwiseError,
  LeakyReLU,
  LSTM,
  PReLU,
  randomUniform,
  registerActivation,
  regularizers,
  Rng,
  Sequential,
  SGD,
  tensor,
  unregisterActivation,
} from 'layerwise';
import { checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';
import { gateSigmoid, gateTanh } from '../../src/layers/recurrent';
import { dropoutInputGradError, keepSteps, MASK, sampleSteps, withMask } from './recurrent-helpers';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** 4 · units · (features + units + 1). */
const lstmParams = (features: number, units: number, bias = true) => 4 * units * (features + units + (bias ? 1 : 0));

describe('LSTM: the layer contract', () => {
  const cases: [string, () => LSTM, number[], number[], number][] = [
    ['last output', () => new LSTM({ units: 3, seed: 1 }), [4, 2], [3], lstmParams(2, 3)],
    ['sequences, backwards', () => new LSTM({ units: 3, seed: 2, returnSequences: true, goBackwards: true }), [5, 2], [5, 3], lstmParams(2, 3)],
    ['no bias, one step, one unit', () => new LSTM({ units: 1, seed: 3, useBias: false }), [1, 3], [1], lstmParams(3, 1, false)],
    ["'relu' and 'hard_sigmoid' (the general gate path)", () => new LSTM({ units: 2, seed: 4, activation: 'relu', recurrentActivation: 'hard_sigmoid', returnSequences: true }), [3, 2], [3, 2], lstmParams(2, 2)],
    ['a LeakyReLU instance as activation', () => new LSTM({ units: 2, seed: 5, activation: new LeakyReLU({ alpha: 0.2 }) }), [3, 2], [2], lstmParams(2, 2)],
  ];
  for (const [name, make, inputShape, outputShape, params] of cases) {
    it(name, () => {
      checkLayerContract({ make, inputShape, outputShape, params, via: 'build', maxKinks: 2 });
    });
  }
});

describe('LSTM: the maths', () => {
  it('one unit, two steps, by hand: i, f, o = σ(·), g = tanh(·), c = f·c + i·g, h = o·tanh(c)', () => {
    const layer = new LSTM({ units: 1, returnSequences: true });
    layer.build([2, 1]);
    const [W, U, b] = [[0.5, -0.3, 0.8, 0.2], [0.1, 0.4, -0.6, 0.3], [0.05, 1, -0.1, 0.2]];
    layer.setWeights([tensor(W, [1, 4]), tensor(U, [1, 4]), tensor(b, [4])]);
    const xs = [1, -2];
    let [h, c] = [0, 0];
    const expected: number[] = [];
    for (const x of xs) {
      const z = W.map((w, g) => w * x + U[g] * h + b[g]);
      const [i, f, g, o] = [sigmoid(z[0]), sigmoid(z[1]), Math.tanh(z[2]), sigmoid(z[3])];
      c = f * c + i * g;
      h = o * Math.tanh(c);
      expected.push(h);
    }
    expect(layer.forward(tensor(xs, [1, 2, 1]), false).data).toBeAllClose(expected, { rtol: 1e-6, atol: 1e-7 });
  });

  it('the weights are Keras\'s: kernel [features, 4·units], recurrent_kernel [units, 4·units], bias [4·units] with the forget block at 1 (unitForgetBias)', () => {
    const layer = new LSTM({ units: 3, name: 'lstm_w', biasInitializer: 'zeros' });
    layer.build([5, 2]);
    expect(layer.params().map((p) => [p.name, p.value.shape])).toEqual([
      ['lstm_w/kernel', [2, 12]],
      ['lstm_w/recurrent_kernel', [3, 12]],
      ['lstm_w/bias', [12]],
    ]);
    expect(Array.from(layer.getWeights()[2].data)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const plain = new LSTM({ units: 3, unitForgetBias: false, biasInitializer: 'ones' });
    plain.build([5, 2]);
    expect(Array.from(plain.getWeights()[2].data)).toEqual(new Array(12).fill(1));
  });

  it('the fused loops\' gateSigmoid and gateTanh are within 2e-9 (relative) of 1 / (1 + e^−x) and Math.tanh, and saturate cleanly', () => {
    let [worstSigmoid, worstTanh] = [0, 0];
    for (let x = -80; x <= 80; x += 0.00731) {
      const s = sigmoid(x);
      worstSigmoid = Math.max(worstSigmoid, Math.abs(gateSigmoid(x) - s) / s);
      const t = Math.tanh(x);
      if (t !== 0) worstTanh = Math.max(worstTanh, Math.abs(gateTanh(x) - t) / Math.abs(t));
    }
    expect(worstSigmoid).toBeLessThan(2e-9);
    expect(worstTanh).toBeLessThan(2e-9);
    expect([gateSigmoid(1e6), gateSigmoid(-1e6), gateTanh(1e6), gateTanh(-1e6), gateTanh(1e-30)]).toEqual([1, expect.any(Number), 1, -1, 1e-30]);
    expect(gateSigmoid(-1e6)).toBeLessThan(1e-44);
  });

  it('the fused sigmoid/tanh loops equal the general path (the same functions registered under other names)', () => {
    registerActivation('sigmoid_copy', { fn: sigmoid, grad: (_x, y) => y * (1 - y) });
    registerActivation('tanh_copy', { fn: Math.tanh, grad: (_x, y) => 1 - y * y });
    try {
      const fused = new LSTM({ units: 4, returnSequences: true, seed: 8 });
      const general = new LSTM({ units: 4, returnSequences: true, seed: 8, activation: 'tanh_copy' as never, recurrentActivation: 'sigmoid_copy' as never });
      for (const l of [fused, general]) l.build([6, 3]);
      general.setWeights(fused.getWeights());
      const x = randomUniform([2, 6, 3], -2, 2, new Rng(1));
      const dy = randomUniform([2, 6, 4], -1, 1, new Rng(2));
      expect(general.forward(x, true).data).toBeAllClose(fused.forward(x, true).data, { rtol: 1e-6, atol: 1e-7 });
      expect(general.backward(dy).data).toBeAllClose(fused.backward(dy).data, { rtol: 1e-5, atol: 1e-7 });
      general.params().forEach((p, i) => expect(p.grad.data).toBeAllClose(fused.params()[i].grad.data, { rtol: 1e-5, atol: 1e-6 }));
    } finally {
      unregisterActivation('sigmoid_copy');
      unregisterActivation('tanh_copy');
    }
  });
});

describe('LSTM: masks', () => {
  const x = awayFromZero([3, 5, 2], 5);

  it('gradients of the input and every weight through masked steps (sequences, and backwards)', () => {
    for (const options of [{ returnSequences: true }, { goBackwards: true }, { returnSequences: true, goBackwards: true, zeroOutputForMask: true }]) {
      const layer = new LSTM({ units: 3, seed: 3, ...options });
      layer.build([5, 2]);
      expect(gradCheckLayer(withMask(layer, MASK), x).maxError).toBeLessThan(1e-3);
    }
  });

  it('a masked step carries the state: the outputs of [a, pad, b, pad, c] at a, b, c are those of [a, b, c]; a masked step repeats the previous output', () => {
    const layer = new LSTM({ units: 3, seed: 4, returnSequences: true });
    layer.build([5, 2]);
    const y = sampleSteps(layer.forward(x, false, MASK), 2, 5, 3).slice();
    // Sample 2's mask is [1, 0, 1, 0, 1]: its real steps are 0, 2 and 4.
    const unpadded = layer.forward(keepSteps(x, 2, [0, 2, 4]), false).data;
    for (const [step, real] of [[0, 0], [2, 1], [4, 2]]) expect(y.slice(3 * step, 3 * step + 3)).toBeAllClose(unpadded.slice(3 * real, 3 * real + 3), { rtol: 1e-6, atol: 1e-7 });
    expect(y.slice(3, 6)).toEqual(y.slice(0, 3));
    expect(y.slice(9, 12)).toEqual(y.slice(6, 9));
    // Sample 1 ([0, 0, 1, 1, 1]) starts padded: zeros until its first real step.
    expect(Array.from(sampleSteps(layer.forward(x, false, MASK), 1, 5, 3).slice(0, 6))).toEqual(new Array(6).fill(0));
  });

  it('zeroOutputForMask outputs zeros at masked steps; the state is still carried', () => {
    const plain = new LSTM({ units: 2, seed: 6, returnSequences: true });
    const zeroed = new LSTM({ units: 2, seed: 6, returnSequences: true, zeroOutputForMask: true });
    for (const l of [plain, zeroed]) l.build([5, 2]);
    const [a, b] = [plain.forward(x, false, MASK).data.slice(), zeroed.forward(x, false, MASK).data];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBe(MASK.data[Math.floor(i / 2)] === 0 ? 0 : a[i]);
  });

  it('computeMask passes the mask on with returnSequences and ends it without', () => {
    const seq = new LSTM({ units: 2, returnSequences: true });
    const last = new LSTM({ units: 2 });
    for (const l of [seq, last]) l.build([5, 2]);
    expect(seq.computeMask(x, MASK)).toBe(MASK);
    expect(last.computeMask(x, MASK)).toBeUndefined();
  });

  it('an Embedding with maskZero feeds stacked LSTMs in a Sequential, which skip the padding', () => {
    const model = new Sequential({
      layers: [new Embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputShape: [4] }), new LSTM({ units: 3, returnSequences: true }), new LSTM({ units: 2 })],
    });
    const padded = model.predict(tensor([0, 1, 0, 2], [1, 4]));
    const trimmed = new Sequential({ layers: [new Embedding({ inputDim: 5, outputDim: 3, inputShape: [2] }), new LSTM({ units: 3, returnSequences: true }), new LSTM({ units: 2 })] });
    trimmed.setWeights(model.getWeights());
    expect(padded.data).toBeAllClose(trimmed.predict(tensor([1, 2], [1, 2])).data, { rtol: 1e-6, atol: 1e-7 });
  });
});

describe('LSTM: dropout', () => {
  const x = awayFromZero([2, 4, 3], 9);

  it('is off in inference, seeded in training, and one input mask per sample for the whole sequence', () => {
    const make = () => new LSTM({ units: 3, seed: 7, dropout: 0.5, recurrentDropout: 0.3, returnSequences: true });
    const [a, b] = [make(), make()];
    for (const l of [a, b]) l.build([4, 3]);
    const plain = new LSTM({ units: 3, seed: 7, returnSequences: true });
    plain.build([4, 3]);
    expect(a.forward(x, false).data).toEqual(plain.forward(x, false).data);
    const ya = a.forward(x, true).data.slice();
    expect(b.forward(x, true).data).toEqual(ya);
    expect(ya).not.toEqual(plain.forward(x, false).data);
    // A dropped feature of a sample gets no gradient at any step; a kept one gets some at every step.
    const dx = b.backward(randomUniform([2, 4, 3], -1, 1, new Rng(1)));
    let dropped = 0;
    for (let s = 0; s < 2; s++) {
      for (let f = 0; f < 3; f++) {
        const zeros = [0, 1, 2, 3].filter((t) => dx.data[(s * 4 + t) * 3 + f] === 0).length;
        expect([0, 4]).toContain(zeros);
        if (zeros === 4) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it('gradients respect the masks (input and recurrent dropout)', () => {
    const w = randomUniform([2, 4, 3], -1, 1, new Rng(3));
    const make = () => new LSTM({ units: 3, seed: 11, dropout: 0.4, recurrentDropout: 0.4, returnSequences: true });
    expect(dropoutInputGradError(make, [4, 3], x, w)).toBeLessThan(1e-3);
  });
});

describe('LSTM: training', () => {
  it('stacked LSTMs learn which of two markers came first (the loss falls)', async () => {
    const rng = new Rng(5);
    const n = 64;
    const steps = 6;
    const xs = new Float32Array(n * steps * 2);
    const ys = new Float32Array(n);
    for (let s = 0; s < n; s++) {
      // Two markers at distinct steps p < q, one on each channel; the label says which channel came first.
      const p = rng.int(steps - 1);
      const q = p + 1 + rng.int(steps - 1 - p);
      const first = rng.int(2);
      xs[(s * steps + p) * 2 + first] = 1;
      xs[(s * steps + q) * 2 + (1 - first)] = 1;
      ys[s] = first;
    }
    const model = new Sequential({ layers: [new LSTM({ units: 8, returnSequences: true, inputShape: [steps, 2], seed: 1 }), new LSTM({ units: 8, seed: 2 }), new Dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.5, momentum: 0.9 }), loss: 'binaryCrossentropy' });
    const history = await model.fit(tensor(xs, [n, steps, 2]), tensor(ys, [n, 1]), { epochs: 30, batchSize: 16, verbose: 0, seed: 1 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
  });
});

describe('LSTM: regularizers and constraints', () => {
  it('each weight\'s regularizer adds its penalty and gradient; each constraint projects its weight', () => {
    const layer = new LSTM({ units: 2, seed: 1, kernelRegularizer: regularizers.l2({ l2: 0.01 }), recurrentRegularizer: 'l1', biasConstraint: 'nonNeg', recurrentConstraint: constraints.maxNorm({ maxValue: 0.5 }) });
    layer.build([3, 2]);
    const [kernel, recurrent, bias] = layer.params();
    let expected = 0;
    for (const v of kernel.value.data) expected += 0.01 * v * v;
    for (const v of recurrent.value.data) expected += 0.01 * Math.abs(v);
    expect(layer.regularizationLoss(true)).toBeCloseTo(expected, 6);
    expect(kernel.grad.data).toBeAllClose(Float32Array.from(kernel.value.data, (v) => 0.02 * v), { rtol: 1e-6, atol: 1e-9 });
    expect(recurrent.grad.data).toBeAllClose(Float32Array.from(recurrent.value.data, (v) => 0.01 * Math.sign(v)), { rtol: 1e-6, atol: 1e-9 });
    bias.value.data.fill(-1);
    layer.applyConstraints();
    expect(Array.from(bias.value.data)).toEqual(new Array(8).fill(0));
    // maxNorm over axis 0 of [units, 4 · units]: every column's norm at most 0.5.
    for (let j = 0; j < 8; j++) expect(Math.hypot(recurrent.value.data[j], recurrent.value.data[8 + j])).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(new LSTM(layer.getConfig() as never).getConfig()).toMatchObject({ kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.01 } }, biasConstraint: { className: 'NonNeg' } });
  });
});

describe('LSTM: errors', () => {
  const expectError = (f: () => unknown, pattern: RegExp) => {
    expect(f).toThrow(LayerwiseError);
    expect(f).toThrow(pattern);
  };

  it('refuses the Keras options a layerwise model has no use for, saying why', () => {
    expectError(() => new LSTM({ units: 2, returnState: true } as never), /^LSTM: LSTM does not take returnState: layerwise models pass one tensor/);
    expectError(() => new LSTM({ units: 2, stateful: true, name: 'mine' } as never), /^mine: LSTM does not take stateful: the state starts at zeros/);
    expectError(() => new LSTM({ units: 2, unroll: true } as never), /unroll/);
    expectError(() => new LSTM({ units: 2, timeMajor: true } as never), /Transpose the data/);
    expect(new LSTM({ units: 2, stateful: false, returnState: false } as never).getConfig()).not.toHaveProperty('stateful');
  });

  it('refuses bad units, rates, inputs and masks, naming the layer', () => {
    expectError(() => new LSTM({ units: 0 }), /^lstm_\d+: units must be a positive integer/);
    expectError(() => new LSTM({ units: 2, dropout: 1 }), /dropout must be a number in \[0, 1\)/);
    expectError(() => new LSTM({ units: 2, recurrentDropout: -0.1 }), /recurrentDropout must be a number in \[0, 1\)/);
    expectError(() => new LSTM({ units: 2, returnSequence: true } as never), /returnSequences/);
    const layer = new LSTM({ units: 2, name: 'seq' });
    expectError(() => layer.build([4]), /^seq: expected inputs of shape \[batch, steps, features\]/);
    layer.build([4, 3]);
    expectError(() => layer.forward(tensor(new Float32Array(12), [4, 3]), false), /^seq: expected inputs of shape \[batch, steps, 3\]/);
    expectError(() => layer.forward(tensor(new Float32Array(16), [2, 4, 2]), false), /^seq: expected inputs of shape \[batch, steps, 3\]/);
    expectError(() => layer.forward(tensor(new Float32Array(24), [2, 4, 3]), false, tensor([1, 1, 1], [1, 3])), /^seq: expected a mask of shape \[2, 4\]/);
    expectError(() => new LSTM({ units: 2 }).backward(tensor([0, 0], [1, 2])), /backward was called before forward/);
  });

  it('refuses an activation layer with weights (PReLU), before adding any weight', () => {
    const layer = new LSTM({ units: 2, activation: new PReLU(), name: 'p' });
    expectError(() => layer.build([3, 2]), /^p: activation must be an activation without weights .* PReLU, which has weights/);
    expect(layer.params()).toEqual([]);
  });
});
