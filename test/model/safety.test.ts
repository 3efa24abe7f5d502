/**
 * Issue 11's probes on the model: each used to give a wrong result with no word, hang, or throw a
 * raw TypeError; each now fails at once with a LayerwiseError that leaves the model unchanged, or
 * does what a Keras user means.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  LambdaCallback,
  LayerwiseError,
  modelFromJSON,
  PReLU,
  Sequential,
  serializeModel,
  SGD,
  Softmax,
  tensor,
  type Layer,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectCleanFailure, snapshot, X, xorModel, Y } from './helpers';

const FIT = { epochs: 1, batchSize: 2, verbose: 0 } as const;

describe('two fit calls at once (item 2)', () => {
  it('a second fit while one runs fails at once, and the first trains as if alone', async () => {
    const alone = xorModel();
    await alone.fit(X, Y, { epochs: 150, batchSize: 4, shuffle: false, verbose: 0 });
    const model = xorModel();
    const first = model.fit(X, Y, { epochs: 150, batchSize: 4, shuffle: false, verbose: 0 });
    await expect(model.fit(X, Y, { epochs: 0, verbose: 0 })).rejects.toThrow(/^sequential_\d+\.fit: the model is training \(fit is running\)\. Wait for fit to finish/);
    await first;
    // Bit for bit what the same training gives alone: nothing of the refused call leaked into it.
    expect(model.getWeights().map(bytesOf)).toEqual(alone.getWeights().map(bytesOf));
    // Once it has finished, fit runs again.
    await model.fit(X, Y, { epochs: 1, verbose: 0 });
  });

  it('the example of the issue: fit({ epochs: 0 }) not awaited, then fit for 300 epochs, trains to the loss it trains to alone', async () => {
    const alone = xorModel();
    const lossAlone = (await alone.fit(X, Y, { epochs: 300, batchSize: 4, shuffle: false, verbose: 0 })).history.loss.at(-1)!;
    const model = xorModel();
    const zero = model.fit(X, Y, { epochs: 0, verbose: 0 });
    await expect(model.fit(X, Y, { epochs: 300, batchSize: 4, shuffle: false, verbose: 0 })).rejects.toThrow(/the model is training/);
    await zero;
    const loss = (await model.fit(X, Y, { epochs: 300, batchSize: 4, shuffle: false, verbose: 0 })).history.loss.at(-1)!;
    expect(loss).toBe(lossAlone);
  });

  it('compile, evaluate, setWeights, add and pop from outside a running fit fail at once; from its callbacks, evaluate, predict and setWeights work', async () => {
    const model = xorModel();
    const weights = model.getWeights();
    const seen: string[] = [];
    const inside = new LambdaCallback({
      onEpochEnd: () => {
        seen.push(`evaluate ${typeof model.evaluate(X, Y).loss}`);
        seen.push(`predict ${model.predict(X).shape.join('x')}`);
        model.setWeights(model.getWeights());
        seen.push('setWeights');
      },
    });
    const run = model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [inside] });
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow(/compile: the model is training/);
    expect(() => model.evaluate(X, Y)).toThrow(/evaluate: the model is training .*or call it from a callback/);
    expect(() => model.setWeights(weights)).toThrow(/setWeights: the model is training/);
    expect(() => model.add(new Dense({ units: 1 }))).toThrow(/add: the model is training/);
    expect(() => model.pop()).toThrow(/pop: the model is training/);
    await run;
    expect(seen).toEqual(['evaluate number', 'predict 4x1', 'setWeights', 'evaluate number', 'predict 4x1', 'setWeights']);
    // Afterwards every call works again.
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    model.setWeights(weights);
  });

  it('no per-run state lives on the layers: a fit that failed leaves nothing set for the next', async () => {
    const model = xorModel();
    await expect(model.fit(X, [[0], [2], [1], [0]], FIT)).rejects.toThrow(LayerwiseError);
    const fresh = xorModel();
    await model.fit(X, Y, { epochs: 20, batchSize: 4, shuffle: false, verbose: 0 });
    await fresh.fit(X, Y, { epochs: 20, batchSize: 4, shuffle: false, verbose: 0 });
    expect(model.getWeights().map(bytesOf)).toEqual(fresh.getWeights().map(bytesOf));
  });
});

describe('freezing layers (item 3)', () => {
  it('trainable = false after build: fit leaves the layer alone, summary and the weight lists agree', async () => {
    const model = xorModel();
    const frozen = model.layers[0];
    frozen.trainable = false;
    const before = frozen.getWeights().map(bytesOf);
    const other = model.layers[1].getWeights().map(bytesOf);
    await model.fit(X, Y, { epochs: 5, verbose: 0 });
    expect(frozen.getWeights().map(bytesOf)).toEqual(before);
    expect(model.layers[1].getWeights().map(bytesOf)).not.toEqual(other);
    // dense_in: 2·4 + 4 = 12 frozen; dense_out: 4 + 1 = 5 trainable.
    const text = model.summary({ print: false } as never);
    expect(text).toMatch(/Trainable params: 5\n/);
    expect(text).toMatch(/Non-trainable params: 12\n/);
    expect(model.trainableWeights.map((p) => p.name)).toEqual(['dense_out/kernel', 'dense_out/bias']);
    expect(model.nonTrainableWeights.map((p) => p.name)).toEqual(['dense_in/kernel', 'dense_in/bias']);
    // Unfrozen, it trains at the next fit.
    frozen.trainable = true;
    await model.fit(X, Y, { epochs: 1, verbose: 0 });
    expect(frozen.getWeights().map(bytesOf)).not.toEqual(before);
  });

  it('a frozen layer freezes its activation layer (a PReLU alpha), from the start or later', async () => {
    const model = new Sequential([new Dense({ units: 3, inputShape: [2], activation: new PReLU(), trainable: false }), new Dense({ units: 1 })]);
    expect(model.nonTrainableWeights.map((p) => p.name)).toEqual(['dense_1/kernel', 'dense_1/bias', 'dense_1/p_re_lu/alpha'].map((n) => n.replace('dense_1', model.layers[0].name)));
    model.layers[0].trainable = true;
    expect(model.nonTrainableWeights).toEqual([]);
    expect(() => {
      model.layers[0].trainable = 'no' as unknown as boolean;
    }).toThrow(/trainable must be true or false\. Received: trainable="no"/);
  });

  it('getLayer by name or index (negative from the end), and pop', () => {
    const model = xorModel();
    expect(model.getLayer('dense_out')).toBe(model.layers[1]);
    expect(model.getLayer(0)).toBe(model.layers[0]);
    expect(model.getLayer(-1)).toBe(model.layers[1]);
    expect(() => model.getLayer('dense_ot')).toThrow(/getLayer: no layer is named "dense_ot"\. Did you mean "dense_out"\? Layers: dense_in, dense_out\./);
    expect(() => model.getLayer(2)).toThrow(/getLayer: no layer at index 2; the model has 2 layers \(0 to 1\)\./);
    const last = model.pop();
    expect(last.name).toBe('dense_out');
    expect(model.layers.map((l) => l.name)).toEqual(['dense_in']);
    expect(model.outputShape).toEqual([4]);
    model.add(new Dense({ units: 2 }));
    expect(model.outputShape).toEqual([2]);
    expect(() => new Sequential().pop()).toThrow(/pop: the model has no layers to remove/);
  });
});

describe('the Sequential constructor (item 5)', () => {
  it('takes an array of layers and { layers, name }, as Keras and TF.js', () => {
    const fromArray = new Sequential([new Dense({ units: 3, inputShape: [2] }), new Dense({ units: 1 })]);
    expect(fromArray.layers).toHaveLength(2);
    expect(fromArray.outputShape).toEqual([1]);
    const named = new Sequential({ name: 'net', layers: [new Dense({ units: 2, inputShape: [2] })] });
    expect([named.name, named.layers.length]).toEqual(['net', 1]);
  });

  it('refuses what it cannot read, naming the fix', () => {
    expect(() => new Sequential({ layer: [] } as never)).toThrow(/^Sequential: "layer" is not an option of Sequential\. Did you mean "layers"\?/);
    expect(() => new Sequential({ layers: new Dense({ units: 1 }) } as never)).toThrow(/layers must be an array of layers/);
    expect(() => new Sequential(3 as never)).toThrow(/^Sequential: expected an options object such as \{ layers: \[new Dense/);
  });
});

describe('labels the loss cannot learn from, and outputs that cannot produce them (item 7)', () => {
  const labels: [string, number[][], RegExp][] = [
    ['labels in {0, 2}', [[0], [2], [2], [0]], /^fit: the loss binaryCrossentropy needs labels in \[0, 1\], but y holds 2 at sample 1\. Binary labels are 0 and 1/],
    ['labels in {-1, 1}', [[-1], [1], [1], [-1]], /needs labels in \[0, 1\], but y holds -1 at sample 0\./],
  ];
  for (const [what, y, pattern] of labels) {
    it(`binary cross-entropy refuses ${what} before training`, async () => {
      const model = xorModel();
      await expectCleanFailure(model, () => model.fit(X, y, FIT), pattern);
      await expectCleanFailure(model, () => model.evaluate(X, y), /^evaluate: the loss binaryCrossentropy needs labels in \[0, 1\]/);
    });
  }

  it('a softmax over one unit is refused for any loss', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [2], activation: 'softmax' })]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await expectCleanFailure(model, () => model.fit(X, Y, FIT), /applies softmax over 1 unit, which always outputs 1: the loss cannot change\. For two classes use one unit with activation 'sigmoid'/);
  });

  it('a cross-entropy on probabilities after an activation that does not output them points to fromLogits', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await expectCleanFailure(model, () => model.fit(X, Y, FIT), /the loss binaryCrossentropy reads probabilities, but dense_\d+'s activation 'linear' does not output them\. Use activation 'sigmoid' .*fromLogits: true/);
  });

  it('sparse labels out of range are found before any step, with their index in all of y', async () => {
    const model = new Sequential([new Dense({ units: 3, inputShape: [2], activation: 'softmax' })]);
    model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    const x = Array.from({ length: 40 }, (_, i) => [i % 2, (i >> 1) % 2]);
    const y = Array.from({ length: 40 }, (_, i) => (i === 37 ? 3 : i % 3));
    await expectCleanFailure(model, () => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }), /needs class indices 0 to 2 \(the model outputs 3 classes\), but y holds 3 at sample 37\./);
    await expectCleanFailure(model, () => model.fit(x, y.map((v, i) => (i === 5 ? 1.5 : v)), FIT), /but y holds 1\.5 at sample 5/);
  });
});

describe('overflow (item 8)', () => {
  it('inputs of 1e30 stop fit at once with an error saying where; the weights stay finite, those of the last finite step', async () => {
    const model = new Sequential([new Dense({ units: 4, inputShape: [2], activation: 'relu', seed: 1 }), new Dense({ units: 1, seed: 2 })]);
    model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    const before = model.getWeights().map(bytesOf);
    const x = [[1e30, 1e30], [2e30, -1e30], [1, 2], [3, 4]];
    await expect(model.fit(x, [[1], [2], [3], [4]], { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 })).rejects.toThrow(
      /^sequential_\d+\.fit: training diverged at epoch 1, batch 2: the loss of this batch is (NaN|Infinity) \(the step before it was undone\).*The weights are those of the last finite step\. Lower the learning rate, scale the inputs/,
    );
    expect(model.getWeights().every((w) => Array.from(w.data).every(Number.isFinite))).toBe(true);
    expect(model.getWeights().map(bytesOf)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it('setWeights refuses NaN and infinity, changing nothing', async () => {
    const model = xorModel();
    const bad = model.getWeights();
    bad[2].data[1] = Number.NaN;
    await expectCleanFailure(model, () => model.setWeights(bad), /^dense_out: weight 0 \(dense_out\/kernel\) holds NaN at index 1: weights must be finite numbers\. The layer was not changed/);
    bad[2].data[1] = 0;
    bad[0].data[0] = Infinity;
    await expectCleanFailure(model, () => model.layers[0].setWeights(bad.slice(0, 2)), /dense_in: weight 0 \(dense_in\/kernel\) holds Infinity at index 0/);
  });
});

describe('batch sizes that used to hang or fail deep inside (item 10)', () => {
  for (const batchSize of [0, -1, 1.5, Number.NaN]) {
    it(`predict and evaluate with batchSize ${batchSize} fail at once`, { timeout: 5_000 }, async () => {
      const model = xorModel();
      await expectCleanFailure(model, () => model.predict(X, { batchSize }), new RegExp(`^predict: batchSize must be a positive integer\\. Received: batchSize=${String(batchSize).replace('.', '\\.')}\\.`));
      await expectCleanFailure(model, () => model.evaluate(X, Y, { batchSize }), /^evaluate: batchSize must be a positive integer/);
      await expectCleanFailure(model, () => model.fit(X, Y, { batchSize, verbose: 0 }), /^fit: batchSize must be a positive integer/);
    });
  }

  it('fit, predict and evaluate options are checked by name', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit(X, Y, { batch_size: 8 } as never), /^fit: "batch_size" is not an option of fit\. Did you mean "batchSize"\?/);
    await expectCleanFailure(model, () => model.fit(X, Y, { stepsPerEpoch: 2 } as never), /^fit: "stepsPerEpoch" is not an option of fit\./);
    await expectCleanFailure(model, () => model.predict(X, { batchsize: 2 } as never), /^predict: "batchsize" is not an option of predict\. Did you mean "batchSize"\?/);
    await expectCleanFailure(model, () => model.fit(X, Y, { verbose: 0, epochs: '3' } as never), /^fit: epochs must be a non-negative integer\. Received: epochs="3"/);
    await expectCleanFailure(model, () => model.fit(X, Y, { verbose: 0, shuffle: 'yes' } as never), /^fit: shuffle must be true or false/);
  });
});

describe('raw TypeErrors that became LayerwiseErrors (item 13)', () => {
  it('null or a string inside the data says where and what it found', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit([[0, 0], null, [1, 0], [1, 1]] as never, Y, FIT), /^fromArray: ragged input at \[1\]: expected an array of length 2 \(shape \[4, 2\]\) but found null\./);
    await expectCleanFailure(model, () => model.fit([[0, '1'], [0, 1], [1, 0], [1, 1]] as never, Y, FIT), /^fromArray: ragged input at \[0\]\[1\]: expected a number .*but found the string "1"\. Convert strings to numbers first/);
    await expectCleanFailure(model, () => model.predict(null as never), /^predict x: expected an ndarray or nested arrays of numbers, but received null\./);
  });

  it('compile without an optimizer or a loss fails at compile; one metric key alone is read as a list', () => {
    const model = xorModel(false);
    expect(() => model.compile({} as never)).toThrow(/^sequential_\d+\.compile: optimizer is required, as in model\.compile\(\{ optimizer: 'adam', loss: 'meanSquaredError'/);
    expect(() => model.compile({ optimizer: 'sgd' } as never)).toThrow(/compile: loss is required/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [3] } as never)).toThrow(/metrics must be keys \(strings\) such as 'accuracy'\. Received: 3\./);
    expect(model.compileSettings).toBeUndefined();
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: 'accuracy' });
    expect(model.compileSettings!.metrics).toEqual(['accuracy']);
  });

  it('model.add(Dense), the class, says to create an instance, without printing the class', () => {
    const model = new Sequential();
    let message = '';
    try {
      model.add(Dense as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^sequential_\d+\.add: expected a Layer instance \(such as new Dense\(\{ units: 8 \}\)\), but received the function Dense \(a class or function, not an instance\)\. Create an instance with new/);
    expect(message.length).toBeLessThan(300);
    expect(model.layers).toHaveLength(0);
  });
});

describe('linear time to build and load (item 14)', () => {
  /** Counts computeOutputShape calls of Dense while `run` runs. */
  function shapeCalls(run: () => void): number {
    const spy = vi.spyOn(Dense.prototype, 'computeOutputShape');
    try {
      run();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }
  const chain = (n: number): Layer[] => Array.from({ length: n }, (_, i) => new Dense({ units: 1, ...(i === 0 ? { inputShape: [1] } : {}) }));

  it('add and modelFromJSON ask each layer its output shape a bounded number of times, whatever the depth', () => {
    for (const n of [100, 1000]) {
      let model!: Sequential;
      const adds = shapeCalls(() => (model = new Sequential(chain(n))));
      expect(adds).toBeLessThanOrEqual(5 * n);
      const { modelJSON, weightData } = serializeModel(model);
      const loads = shapeCalls(() => void modelFromJSON(modelJSON, weightData));
      expect(loads).toBeLessThanOrEqual(10 * n);
    }
  });

  it('30,000 one-unit Dense layers load (the probe of the issue: 67 s, quadratic, before)', () => {
    const model = new Sequential(chain(30_000));
    const { modelJSON, weightData } = serializeModel(model);
    const copy = modelFromJSON(modelJSON, weightData);
    expect(copy.layers).toHaveLength(30_000);
    expect(copy.predict([[0.5]]).shape).toEqual([1, 1]);
  });
});

describe('data in typed arrays, and one image (what users also expect)', () => {
  it('fit and predict take rows of Float32Array, flat data with a shape, and labels as a typed array', async () => {
    const rows = X.map((r) => Float32Array.from(r));
    const model = xorModel();
    const viaRows = model.predict(rows);
    expect(viaRows.data).toEqual(model.predict(X).data);
    const flat = tensor(Uint8Array.from(X.flat()), [4, 2]);
    expect(model.predict(flat).data).toEqual(viaRows.data);
    await model.fit(rows, Uint8Array.from([0, 1, 1, 0]), { epochs: 2, verbose: 0 });
    const sparse = new Sequential([new Dense({ units: 2, inputShape: [2], activation: 'softmax' })]);
    sparse.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await sparse.fit(rows, Uint8Array.from([0, 1, 1, 0]), { epochs: 1, verbose: 0 });
    expect(() => tensor(new Float32Array(5), [2, 2])).toThrow(/tensor: data has 5 values but shape \[2, 2\] needs 4/);
  });

  it('one image without a batch axis is refused with the fix: wrap it in an array', async () => {
    const model = new Sequential([new Conv2D({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }), new Flatten(), new Dense({ units: 2 })]);
    const image = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => [0.5]));
    const before = snapshot(model);
    expect(() => model.predict(image)).toThrow(/^predict: x has the shape of one sample, \[6, 6, 1\], without the batch axis\. Wrap it in an array: \[sample\]/);
    expect(model.predict([image]).shape).toEqual([1, 2]);
    expect(snapshot(model)).toEqual(before);
  });
});

describe('what the review of the change found', () => {
  const finiteWeights = (m: Sequential) => m.params().every((p) => Array.from(p.value.data).every(Number.isFinite));

  it('a divergence with momentum resets the non-finite optimizer state; the model saves and loads again', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1], kernelInitializer: 'ones', seed: 1 })]);
    const optimizer = new SGD({ learningRate: 1e9, momentum: 0.9 });
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const x = [[1e3], [2e3], [3e3], [4e3]];
    await expect(model.fit(x, [[1], [2], [3], [4]], { epochs: 20, batchSize: 1, shuffle: false, verbose: 0 })).rejects.toThrow(
      /training diverged at epoch \d+, batch \d+: .*the optimizer's state \(momentum, moments\), no longer finite, was reset/,
    );
    expect(finiteWeights(model)).toBe(true);
    expect(model.params().every((p) => (optimizer.getSlots(p) ?? []).every((s) => Array.from(s).every(Number.isFinite)))).toBe(true);
    const copy = modelFromJSON(JSON.stringify(serializeModel(model).modelJSON), serializeModel(model).weightData, { optimizerData: serializeModel(model).optimizerData });
    expect(copy.predict([[1]]).data).toEqual(model.predict([[1]]).data);
  });

  it("Adam's second moment overflowing (inputs of 1e15) is found at the epoch's end, not left to freeze the weights silently", async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1], seed: 1 })]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await expect(model.fit([[1e15], [2e15]], [[1e15], [3e15]], { epochs: 3, verbose: 0 })).rejects.toThrow(
      /training diverged at epoch 1, batch 1: (the optimizer's v of dense_\d+\/kernel is not finite after the epoch's last step|the loss of this batch is)/,
    );
    expect(finiteWeights(model)).toBe(true);
  });

  it('BatchNormalization moving statistics are restored with the weights', async () => {
    const model = new Sequential([new Dense({ units: 4, inputShape: [2], seed: 1 }), new BatchNormalization(), new Dense({ units: 1, seed: 2 })]);
    model.compile({ optimizer: new SGD({ learningRate: 1e12 }), loss: 'meanSquaredError' });
    const x = [[1, 2], [3, 4], [5, 6], [7, 8], [1, 0], [0, 1], [2, 2], [3, 1]];
    await expect(model.fit(x, [[1], [2], [3], [4], [5], [6], [7], [8]], { epochs: 50, batchSize: 2, shuffle: false, verbose: 0 })).rejects.toThrow(/training diverged/);
    expect(finiteWeights(model)).toBe(true);
    expect(Array.from(model.predict([[1, 2]]).data).every(Number.isFinite)).toBe(true);
    expect(() => serializeModel(model)).not.toThrow();
  });

  it('save refuses optimizer state that is not finite, with the way out', () => {
    const momentum = new Sequential([new Dense({ units: 1, inputShape: [2], name: 'd' })]);
    momentum.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
    momentum.optimizer!.setSlots(momentum.params()[0], [Float32Array.of(Number.NaN, 0)]);
    momentum.optimizer!.iterations = 1;
    expect(() => serializeModel(momentum)).toThrow(/save: the optimizer's state "d\/kernel\/momentum" holds NaN at index 0; it could not be loaded again\. Save without it \(model\.save\(path, \{ includeOptimizer: false \}\)\)/);
    expect(() => serializeModel(momentum, { includeOptimizer: false })).not.toThrow();
  });

  it('a first layer built in another model, without a declared inputShape, is reused with its shape', async () => {
    const first = new Dense({ units: 3 });
    const donor = new Sequential([first]);
    donor.build([2]);
    const model = new Sequential([first, new Dense({ units: 1, activation: 'sigmoid' })]);
    expect(model.inputShape).toEqual([2]);
    expect(model.outputShape).toEqual([1]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await model.fit(X, Y, { epochs: 1, verbose: 0 });
  });

  it('a softmax over an axis other than the last is not taken for a one-unit softmax', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [5, 3] }), new Softmax({ axis: 1 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = Array.from({ length: 2 }, () => Array.from({ length: 5 }, () => [0.1, 0.2, 0.3]));
    const y = Array.from({ length: 2 }, () => Array.from({ length: 5 }, () => [0.2]));
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Array.from(model.predict(x).data).every((v) => Math.abs(v - 0.2) < 1e-6)).toBe(true);
  });

  it('flat data of one value a sample is read as [samples, 1], as Keras does', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1], seed: 3 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = Float32Array.of(1, 2, 3, 4);
    expect(model.predict(x).shape).toEqual([4, 1]);
    expect(model.predict(x).data).toEqual(model.predict([[1], [2], [3], [4]]).data);
    await model.fit(x, Float32Array.of(2, 4, 6, 8), { epochs: 1, verbose: 0 });
  });

  it('compile checks optimizer and loss objects, and says to use new for a class', () => {
    const model = xorModel(false);
    expect(() => model.compile({ optimizer: { learningRate: 0.1 } as never, loss: 'mse' })).toThrow(/^compile: optimizer must be a key \('sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'adamw'\) or an optimizer such as new SGD/);
    expect(() => model.compile({ optimizer: SGD as never, loss: 'mse' })).toThrow(/Create an instance with new: new SGD\(\{ learningRate: 0\.01 \}\)\./);
    expect(() => model.compile({ optimizer: 'sgd', loss: { name: 'x' } as never })).toThrow(/^compile: loss must be a key .*but received \{"name":"x"\}\./);
    expect(model.compileSettings).toBeUndefined();
  });

  it('a frozen BatchNormalization runs in inference mode in fit, as in Keras: its moving statistics stay', async () => {
    const model = new Sequential([new Dense({ units: 3, inputShape: [2], seed: 1 }), new BatchNormalization(), new Dense({ units: 1, seed: 2 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const bn = model.layers[1];
    bn.trainable = false;
    const before = bn.getWeights().map(bytesOf);
    await model.fit([[1, 2], [3, 4], [5, 6], [7, 8]], [[1], [2], [3], [4]], { epochs: 3, batchSize: 2, verbose: 0 });
    expect(bn.getWeights().map(bytesOf)).toEqual(before);
    bn.trainable = true;
    await model.fit([[1, 2], [3, 4], [5, 6], [7, 8]], [[1], [2], [3], [4]], { epochs: 1, batchSize: 2, verbose: 0 });
    expect(bn.getWeights().map(bytesOf)).not.toEqual(before);
  });
});
