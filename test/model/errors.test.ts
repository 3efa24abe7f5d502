import { describe, expect, it } from 'vitest';
import { Dense, Sequential, type CompileOptions } from 'layerwise';
import { expectCleanFailure, X, xorModel, Y } from './helpers';

describe('unknown activation key', () => {
  it('fails at construction, naming the layer, the nearest key and the known ones', async () => {
    const model = xorModel();
    await expectCleanFailure(
      model,
      () => model.add(new Dense({ units: 16, activation: 'leaky_rleu', name: 'dense_2' })),
      /^Unknown activation "leaky_rleu" in dense_2\. Did you mean "leaky_relu"\? Known: "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", .*"relu6"\.$/,
    );
    expect(model.layers).toHaveLength(2);
  });

  it('without a near key, lists the known ones only', () => {
    expect(() => new Dense({ units: 1, activation: 'banana', name: 'dense_b' })).toThrow(/^Unknown activation "banana" in dense_b\. Known: "linear", /);
  });
});

describe('wrong input width', () => {
  it('fit, predict and evaluate name the first layer, both shapes and the fix', async () => {
    const model = xorModel();
    const wide = [[0, 0, 1], [1, 1, 0]];
    const pattern = /^dense_in: expected input of shape \(None, 2\) but x has shape \(2, 3\)\. Give each sample 2 values, or rebuild the model with inputShape: \[3\]\.$/;
    await expectCleanFailure(model, () => model.fit(wide, [[0], [1]], { verbose: 0 }), pattern);
    await expectCleanFailure(model, () => model.predict(wide), pattern);
    await expectCleanFailure(model, () => model.evaluate(wide, [[0], [1]]), pattern);
  });

  it('x without a batch axis says how to wrap one sample', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.predict([0.5, 1] as unknown as number[][]), /^predict: x must have a batch axis first, shape \[samples, \.\.\.features\], but has shape \[2\]\. For one sample, wrap it in an array: \[\[\.\.\.\]\]\.$/);
  });

  it('validationData with another width fails before training starts', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit(X, Y, { verbose: 0, validationData: [[[1, 2, 3]], [[1]]] }), /^dense_in: expected input of shape \(None, 2\) but x has shape \(1, 3\)/);
  });
});

describe('fit before compile', () => {
  it('fit and evaluate say to call compile first', async () => {
    const model = xorModel(false);
    await expectCleanFailure(
      model,
      () => model.fit(X, Y, { verbose: 0 }),
      new RegExp(`^${model.name}\\.fit: the model must be compiled first\\. Call model\\.compile\\(\\{ optimizer: 'sgd', loss: 'meanSquaredError' \\}\\) before fit\\.$`),
    );
    await expectCleanFailure(model, () => model.evaluate(X, Y), new RegExp(`^${model.name}\\.evaluate: the model must be compiled first`));
    // predict needs no compile.
    expect(model.predict(X).shape).toEqual([4, 1]);
  });
});

describe('labels that do not fit the loss', () => {
  it('[N, 2] labels for a 1-unit output', async () => {
    const model = xorModel();
    await expectCleanFailure(
      model,
      () => model.fit(X, [[0, 1], [1, 0], [1, 0], [0, 1]], { verbose: 0 }),
      /^fit: the loss binaryCrossentropy needs labels of the model's output shape \(4, 1\), but the labels have shape \(4, 2\)\. Reshape the labels, or change the last layer to output 2 values\.$/,
    );
    await expectCleanFailure(model, () => model.evaluate(X, [[0, 1], [1, 0], [1, 0], [0, 1]]), /^evaluate: the loss binaryCrossentropy needs labels/);
  });

  it('class indices for categoricalCrossentropy point to sparseCategoricalCrossentropy', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'softmax', seed: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const pattern = /^fit: categoricalCrossentropy needs one-hot labels of shape \(4, 3\), but the labels have shape \(4(,|, 1)\), which looks like class indices\. Use loss: 'sparseCategoricalCrossentropy' for integer labels, or one-hot encode them\.$/;
    await expectCleanFailure(model, () => model.fit(X, [0, 2, 1, 0], { verbose: 0 }), pattern);
    await expectCleanFailure(model, () => model.fit(X, [[0], [2], [1], [0]], { verbose: 0 }), pattern);
  });

  it('one-hot labels for sparseCategoricalCrossentropy point to categoricalCrossentropy', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'softmax', seed: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expectCleanFailure(
      model,
      () => model.fit(X, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], { verbose: 0 }),
      /^fit: sparseCategoricalCrossentropy needs integer class labels of shape \(4,\), but the labels have shape \(4, 3\)\. They look one-hot: use loss: 'categoricalCrossentropy'\.$/,
    );
  });

  it('a model without inputShape is not built by a fit that fails on its labels', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, activation: 'sigmoid', seed: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await expectCleanFailure(model, () => model.fit(X, [[0, 1], [1, 0], [1, 0], [0, 1]], { verbose: 0 }), /needs labels of the model's output shape \(4, 1\)/);
    expect(model.layers[0].built).toBe(false);
    expect(model.inputShape).toBeUndefined();
  });
});

describe('NaN and infinity', () => {
  it('in x: names the sample and the value, and says nothing changed', async () => {
    const model = xorModel();
    const x = [[0, 0], [NaN, 1], [1, 0], [1, 1]];
    await expectCleanFailure(
      model,
      () => model.fit(x, Y, { verbose: 0 }),
      /^fit: x contains NaN at sample 1 \(value 0 of the sample\)\. Remove or impute missing values before training; the model was not changed\.$/,
    );
    await expectCleanFailure(model, () => model.predict([[0, Infinity]]), /^predict: x contains Infinity at sample 0 \(value 1 of the sample\)/);
  });

  it('in y', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit(X, [[0], [1], [NaN], [0]], { verbose: 0 }), /^fit: y contains NaN at sample 2 \(value 0 of the sample\)\. Remove or impute/);
    await expectCleanFailure(model, () => model.evaluate(X, [[0], [1], [1], [-Infinity]]), /^evaluate: y contains -Infinity at sample 3/);
  });

  it('in validationData', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit(X, Y, { verbose: 0, validationData: [[[0, NaN]], [[1]]] }), /^fit \(validationData\): x contains NaN at sample 0 \(value 1 of the sample\)/);
  });
});

describe('sample count mismatch', () => {
  it('fit and evaluate say how many of each', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit(X, [[0], [1], [1]], { verbose: 0 }), /^fit: x has 4 samples but y has 3\. Give one label per sample\.$/);
    await expectCleanFailure(model, () => model.evaluate(X, [[0], [1], [1], [0], [1]]), /^evaluate: x has 4 samples but y has 5\. Give one label per sample\.$/);
  });
});

describe('ragged input', () => {
  it('names the position and the expected length', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.predict([[0, 0], [1]]), /^fromArray: ragged input at \[1\]: expected an array of length 2 \(shape \[2, 2\]\) but found an array of length 1\. Every row must have the same length\.$/);
  });
});

describe('unknown keys in compile', () => {
  const cases: [string, Partial<CompileOptions>, RegExp][] = [
    ['loss', { loss: 'binaryCrossentropyy' as 'binaryCrossentropy' }, /^Unknown loss "binaryCrossentropyy" in compile\. Did you mean "binary_crossentropy"\? Known: "mean_squared_error", .*"sparse_categorical_crossentropy"\.$/],
    ['optimizer', { optimizer: 'adamm' as 'adam' }, /^Unknown optimizer "adamm" in compile\. Did you mean "adam"\? Known: "sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "adamw"\.$/],
    ['metric', { metrics: ['acuracy'] }, /^Unknown metric "acuracy" in compile\. Did you mean "accuracy"\? Known: "accuracy", /],
  ];
  for (const [what, change, pattern] of cases) {
    it(`${what}: the model keeps its previous compile settings`, async () => {
      const model = xorModel();
      const optimizer = model.optimizer;
      await expectCleanFailure(model, () => model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', ...change }), pattern);
      expect(model.optimizer).toBe(optimizer);
      const history = await model.fit(X, Y, { epochs: 1, verbose: 0 });
      expect(Object.keys(history.history)).toEqual(['loss', 'accuracy']);
      expect(model.optimizer!.iterations).toBe(1);
    });
  }

  it('a model never compiled stays uncompiled after a failed compile', async () => {
    const model = xorModel(false);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['f1'] })).toThrow(/^Unknown metric "f1" in compile\./);
    await expect(model.fit(X, Y, { verbose: 0 })).rejects.toThrow(/must be compiled first/);
  });
});

describe('fit options', () => {
  it('epochs, batchSize and validationSplit are checked before anything runs', async () => {
    const model = xorModel();
    await expectCleanFailure(model, () => model.fit(X, Y, { epochs: 1.5, verbose: 0 }), /^fit: epochs must be a non-negative integer\. Received: epochs=1\.5\.$/);
    await expectCleanFailure(model, () => model.fit(X, Y, { batchSize: 0, verbose: 0 }), /^fit: batchSize must be a positive integer\. Received: batchSize=0\.$/);
    await expectCleanFailure(model, () => model.fit(X, Y, { validationSplit: 1, verbose: 0 }), /^fit: validationSplit must be in \[0, 1\)\. Received: 1\.$/);
    await expectCleanFailure(model, () => model.fit(X, Y, { validationSplit: 0.8, verbose: 0 }), /^fit: validationSplit=0\.8 of 4 samples leaves no training or no validation samples\.$/);
  });
});
