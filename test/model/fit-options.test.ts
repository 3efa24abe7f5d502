/**
 * Issue 12: fit's sampleWeight, classWeight, initialEpoch, validationBatchSize and validationFreq;
 * trainOnBatch, testOnBatch and predictOnBatch; onTrainEnd receiving the last epoch's logs. Keras 3's
 * semantics: a weighted loss is the weighted sum divided by the number of samples.
 */
import { describe, expect, it } from 'vitest';
import { constraints, Dense, LambdaCallback, regularizers, Sequential, SGD, tensor, type Logs } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectCleanFailure, X, xorModel, Y } from './helpers';

const QUIET = { verbose: 0 } as const;

/** A linear model y = x·[0.5, −1] + 0.25, trained by SGD(0.1) on the mean squared error. */
function linearModel(): Sequential {
  const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], seed: 3 })] });
  model.setWeights([tensor([0.5, -1], [2, 1]), tensor([0.25], [1])]);
  model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  return model;
}

const LX = [[1, 2], [0, 1], [3, -1], [2, 2]];
const LY = [[0], [1], [2], [-1]];
const W = [2, 0, 1, 1];

/** The weighted loss and the weights after one SGD step, in float64 by hand. */
function byHand() {
  const [k0, k1, b] = [0.5, -1, 0.25];
  let loss = 0;
  const g = [0, 0, 0];
  LX.forEach(([a, c], i) => {
    const e = a * k0 + c * k1 + b - LY[i][0];
    loss += W[i] * e * e;
    g[0] += (W[i] * 2 * e * a) / 4;
    g[1] += (W[i] * 2 * e * c) / 4;
    g[2] += (W[i] * 2 * e) / 4;
  });
  // Divided by the number of samples (here the weights also sum to 4: the next test tells the two apart).
  return { loss: loss / 4, kernel: [k0 - 0.1 * g[0], k1 - 0.1 * g[1]], bias: b - 0.1 * g[2] };
}

describe('sampleWeight', () => {
  it('the loss is Σ wᵢ·Lᵢ / N and the step follows its gradient (sampleWeight [2, 0, 1, 1])', async () => {
    const expected = byHand();
    const model = linearModel();
    expect(model.testOnBatch(LX, LY, { sampleWeight: W }) as number).toBeCloseTo(expected.loss, 5);
    const history = await model.fit(LX, LY, { epochs: 1, batchSize: 4, shuffle: false, sampleWeight: W, ...QUIET });
    expect(history.history.loss[0]).toBeCloseTo(expected.loss, 5);
    const [kernel, bias] = model.getWeights();
    expect(Array.from(kernel.data)[0]).toBeCloseTo(expected.kernel[0], 5);
    expect(Array.from(kernel.data)[1]).toBeCloseTo(expected.kernel[1], 5);
    expect(bias.data[0]).toBeCloseTo(expected.bias, 5);
  });

  it('divides by the samples, not by the weights: weights of 3 triple the loss', () => {
    const model = linearModel();
    const plain = model.testOnBatch(LX, LY) as number;
    expect(model.testOnBatch(LX, LY, { sampleWeight: [3, 3, 3, 3] }) as number).toBeCloseTo(3 * plain, 5);
    expect(model.testOnBatch(LX, LY, { sampleWeight: [1, 1, 1, 1] })).toBe(plain);
  });

  it('with validationSplit the held-out samples keep their weights, as Keras (val_loss weighted)', async () => {
    const model = xorModel();
    const history = await model.fit(X, Y, { epochs: 1, validationSplit: 0.5, sampleWeight: [1, 1, 2, 0], ...QUIET });
    expect(history.history.val_loss[0]).toBe(model.testOnBatch(X.slice(2), Y.slice(2), { sampleWeight: [2, 0], returnDict: true }).loss);
  });

  it('weights of 1 change nothing, bit for bit; metrics stay unweighted', async () => {
    const plain = xorModel();
    const ones = xorModel();
    const a = await plain.fit(X, Y, { epochs: 3, batchSize: 2, seed: 4, ...QUIET });
    const b = await ones.fit(X, Y, { epochs: 3, batchSize: 2, seed: 4, sampleWeight: [1, 1, 1, 1], ...QUIET });
    expect(b.history).toEqual(a.history);
    expect(ones.getWeights().map(bytesOf)).toEqual(plain.getWeights().map(bytesOf));
    const logs = xorModel().testOnBatch(X, Y, { sampleWeight: [0, 0, 0, 5] }) as Logs;
    expect(logs.accuracy).toBe(xorModel().testOnBatch(X, Y, { returnDict: true }).accuracy);
  });
});

describe('classWeight', () => {
  it('equals the sampleWeight of each label\'s class, bit for bit (sigmoid output, 0/1 labels)', async () => {
    const byClass = xorModel();
    const bySample = xorModel();
    const a = await byClass.fit(X, Y, { epochs: 4, batchSize: 2, seed: 7, classWeight: { 0: 0.5, 1: 3 }, ...QUIET });
    const b = await bySample.fit(X, Y, { epochs: 4, batchSize: 2, seed: 7, sampleWeight: [0.5, 3, 3, 0.5], ...QUIET });
    expect(a.history).toEqual(b.history);
    expect(byClass.getWeights().map(bytesOf)).toEqual(bySample.getWeights().map(bytesOf));
  });

  it('one-hot labels take their argmax; sparse labels their index; a class not listed weighs 1', () => {
    const make = (loss: 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy') => {
      const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'softmax', seed: 5 })] });
      model.compile({ optimizer: 'sgd', loss });
      return model;
    };
    const oneHot = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const sparse = [2, 0, 1, 2];
    const expected = make('categoricalCrossentropy').testOnBatch(X, oneHot, { sampleWeight: [4, 1, 0.5, 4] });
    expect(make('categoricalCrossentropy').testOnBatch(X, oneHot, { classWeight: { 1: 0.5, 2: 4 } })).toBe(expected);
    expect(make('sparseCategoricalCrossentropy').testOnBatch(X, sparse, { classWeight: { 1: 0.5, 2: 4 } })).toBe(expected);
  });
});

describe('initialEpoch, validationFreq, validationBatchSize, onTrainEnd', () => {
  it('initialEpoch 2 of epochs 5 runs epochs 2, 3, 4, numbered so in History and callbacks; onTrainEnd gets the last epoch\'s logs', async () => {
    const model = xorModel();
    const begun: number[] = [];
    let total = 0;
    let end: Logs | undefined;
    const spy = new LambdaCallback({
      onTrainBegin: () => void (total = spy.params.epochs),
      onEpochBegin: (epoch) => void begun.push(epoch),
      onTrainEnd: (logs) => void (end = logs),
    });
    const history = await model.fit(X, Y, { epochs: 5, initialEpoch: 2, callbacks: [spy], ...QUIET });
    expect(begun).toEqual([2, 3, 4]);
    expect(history.epoch).toEqual([2, 3, 4]);
    expect(history.history.loss).toHaveLength(3);
    expect(total).toBe(5);
    expect(end).toEqual({ loss: history.history.loss[2], accuracy: history.history.accuracy[2] });
  });

  it('initialEpoch ≥ epochs trains nothing; onTrainEnd then gets {}', async () => {
    const model = xorModel();
    const before = model.getWeights().map(bytesOf);
    let end: Logs | undefined;
    const history = await model.fit(X, Y, { epochs: 2, initialEpoch: 2, callbacks: [new LambdaCallback({ onTrainEnd: (logs) => void (end = logs) })], ...QUIET });
    expect(history.epoch).toEqual([]);
    expect(end).toEqual({});
    expect(model.getWeights().map(bytesOf)).toEqual(before);
  });

  it('validationFreq 2 gives val_ entries after every second epoch (2, 4)', async () => {
    const model = xorModel();
    const keys: string[][] = [];
    const spy = new LambdaCallback({ onEpochEnd: (_epoch, logs) => void keys.push(Object.keys(logs).filter((k) => k.startsWith('val_'))) });
    const history = await model.fit(X, Y, { epochs: 5, validationData: [X, Y], validationFreq: 2, callbacks: [spy], ...QUIET });
    expect(keys).toEqual([[], ['val_loss', 'val_accuracy'], [], ['val_loss', 'val_accuracy'], []]);
    expect(history.history.val_loss).toHaveLength(2);
  });

  it('validationBatchSize does not change the numbers', async () => {
    const run = async (validationBatchSize?: number) =>
      (await xorModel().fit(X, Y, { epochs: 3, batchSize: 4, shuffle: false, validationData: [X, Y], validationBatchSize, ...QUIET })).history;
    const [full, one] = [await run(), await run(1)];
    expect(one.loss).toEqual(full.loss);
    one.val_loss.forEach((v, i) => expect(v).toBeCloseTo(full.val_loss[i], 6));
    expect(one.val_accuracy).toEqual(full.val_accuracy);
  });
});

describe('trainOnBatch, testOnBatch, predictOnBatch', () => {
  it('trainOnBatch takes the step fit takes on one batch: the same weights bit for bit, and the same logs', async () => {
    for (const sampleWeight of [undefined, [2, 0, 1, 1]]) {
      const fitted = xorModel();
      const history = await fitted.fit(X, Y, { epochs: 1, batchSize: 4, shuffle: false, sampleWeight, ...QUIET });
      const stepped = xorModel();
      const logs = stepped.trainOnBatch(X, Y, { sampleWeight });
      expect(stepped.getWeights().map(bytesOf)).toEqual(fitted.getWeights().map(bytesOf));
      expect(logs).toEqual({ loss: history.history.loss[0], accuracy: history.history.accuracy[0] });
      expect(stepped.optimizer!.iterations).toBe(1);
    }
  });

  it('with a weight regularizer and a constraint, trainOnBatch still takes fit\'s step, penalty included', async () => {
    const make = () => {
      const model = new Sequential({
        layers: [new Dense({ units: 3, inputShape: [2], seed: 8, kernelRegularizer: regularizers.l2({ l2: 0.1 }), kernelConstraint: constraints.maxNorm({ maxValue: 0.5 }) })],
      });
      model.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'meanSquaredError' });
      return model;
    };
    const labels = [[1, 0, 2], [0, 1, 1], [2, 2, 0], [1, 1, 1]];
    const fitted = make();
    const history = await fitted.fit(X, labels, { epochs: 1, batchSize: 4, shuffle: false, ...QUIET });
    const stepped = make();
    expect(stepped.trainOnBatch(X, labels)).toBe(history.history.loss[0]);
    expect(stepped.getWeights().map(bytesOf)).toEqual(fitted.getWeights().map(bytesOf));
  });

  it('returns the loss alone without metrics (as Keras), the logs with returnDict', () => {
    expect(typeof linearModel().trainOnBatch(LX, LY)).toBe('number');
    expect(Object.keys(linearModel().trainOnBatch(LX, LY, { returnDict: true }))).toEqual(['loss']);
  });

  it('testOnBatch and predictOnBatch are evaluate and predict on one batch, in inference mode; nothing changes', () => {
    const model = xorModel();
    const before = model.getWeights().map(bytesOf);
    expect(model.testOnBatch(X, Y)).toEqual(model.evaluate(X, Y, { batchSize: 4 }));
    expect(bytesOf(model.predictOnBatch(X))).toEqual(bytesOf(model.predict(X, { batchSize: 4 })));
    expect(model.getWeights().map(bytesOf)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it('a running fit refuses trainOnBatch, from outside and from its callbacks', async () => {
    const model = xorModel();
    let inside: unknown;
    const run = model.fit(X, Y, { epochs: 2, ...QUIET, callbacks: [new LambdaCallback({ onEpochEnd: () => { try { model.trainOnBatch(X, Y); } catch (e) { inside = e; } } })] });
    expect(() => model.trainOnBatch(X, Y)).toThrow(/^sequential_\d+\.trainOnBatch: the model is training \(fit is running\)/);
    await run;
    expect((inside as Error).message).toMatch(/trainOnBatch: the model is training/);
    model.trainOnBatch(X, Y);
  });

  it('a step whose loss is not finite is refused, the weights unchanged', async () => {
    const model = xorModel();
    model.compile({ optimizer: new SGD({ learningRate: 1e30 }), loss: 'meanSquaredError' });
    await expectCleanFailure(
      model,
      () => {
        for (let i = 0; i < 5; i++) model.trainOnBatch(X, [[1e20], [-1e20], [1e20], [-1e20]]);
      },
      /trainOnBatch: training diverged/,
    );
  });
});

describe('bad options fail at once, naming fit and the option, the model unchanged', () => {
  const cases: [string, object, RegExp][] = [
    ['a sampleWeight of the wrong length', { sampleWeight: [1, 2, 3] }, /^fit: sampleWeight must hold one weight a sample: 4 values/],
    ['a negative sample weight', { sampleWeight: [1, -1, 1, 1] }, /^fit: sampleWeight must be finite and non-negative, but sample 1 has weight -1/],
    ['a sampleWeight that is not numbers', { sampleWeight: 'heavy' }, /^fit: sampleWeight must be an array of numbers/],
    ['a classWeight key that is no class of the output', { classWeight: { 2: 1 } }, /^fit: classWeight keys must be class indices of the output, integers in \[0, 1\]\. Received the key "2"/],
    ['a classWeight key that is not an index', { classWeight: { cat: 1 } }, /^fit: classWeight keys must be class indices/],
    ['a classWeight that is an array', { classWeight: [1, 2] }, /^fit: classWeight must be an object of class index to weight/],
    ['a classWeight value that is not a number', { classWeight: { 0: '2' } }, /^fit: classWeight values must be finite non-negative numbers\. Received: classWeight\[0\]="2"/],
    ['both weights', { sampleWeight: [1, 1, 1, 1], classWeight: { 0: 1 } }, /^fit: give sampleWeight or classWeight, not both/],
    ['a negative initialEpoch', { initialEpoch: -1 }, /^fit: initialEpoch must be a non-negative integer.*initialEpoch=-1/],
    ['a fractional initialEpoch', { initialEpoch: 1.5 }, /^fit: initialEpoch must be a non-negative integer/],
    ['validationFreq 0', { validationFreq: 0 }, /^fit: validationFreq must be a positive integer\. Received: validationFreq=0/],
    ['validationFreq as a list (Keras 2)', { validationFreq: [1, 3] }, /^fit: validationFreq must be a positive integer/],
    ['a validationBatchSize string', { validationBatchSize: '8' }, /^fit: validationBatchSize must be a positive integer\. Received: validationBatchSize="8"/],
    ['a misspelled option', { sampleWeights: [1, 1, 1, 1] }, /fit.*sampleWeights.*sampleWeight/],
  ];
  for (const [what, options, pattern] of cases) {
    it(what, async () => {
      const model = xorModel();
      await expectCleanFailure(model, () => model.fit(X, Y, { epochs: 2, ...QUIET, ...options }), pattern);
    });
  }

  it('the batch methods check theirs the same way', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.trainOnBatch(X, Y, { sampleWeight: [1] }), /^trainOnBatch: sampleWeight must hold one weight a sample/);
    await expectCleanFailure(model, () => model.trainOnBatch(X, Y, { classWeight: { 5: 1 } }), /^trainOnBatch: classWeight keys must be class indices/);
    await expectCleanFailure(model, () => model.testOnBatch(X, Y, { returnDict: 1 } as never), /^testOnBatch: returnDict must be true or false/);
    await expectCleanFailure(model, () => model.trainOnBatch(X, Y, { epochs: 1 } as never), /trainOnBatch.*epochs/);
  });
});
