import { describe, expect, it } from 'vitest';
import {
  datasets,
  Dense,
  Dropout,
  LeakyReLU,
  randomUniform,
  Rng,
  Sequential,
  setSeed,
  SGD,
  tensor,
  type Tensor,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';

/** The seed example: Dense 16 (LeakyReLU 0.2 instance) → Dense 16 ('leaky_relu') → Dense 1 sigmoid. */
function seedExample(): Sequential {
  const model = new Sequential();
  model.add(new Dense({ units: 16, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) }));
  model.add(new Dense({ units: 16, activation: 'leaky_relu' }));
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [[0], [1], [1], [0]];

describe('the seed example on XOR', () => {
  it('reaches accuracy 1.0 in 200 epochs of batch 4 (setSeed(7)), and predict / evaluate agree', async () => {
    setSeed(7);
    const model = seedExample();
    const { x, y } = datasets.xor();
    const history = await model.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
    expect(history.history.accuracy.at(-1)).toBe(1);
    expect(history.history.loss.at(-1)).toBeLessThan(0.05);
    expect(history.history.loss.at(-1)).toBeLessThan(history.history.loss[0]);

    const p = model.predict(x);
    expect(p.shape).toEqual([4, 1]);
    const probs = Array.from(p.data);
    expect(probs.map((v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);

    const logs = model.evaluate(x, y);
    expect(Object.keys(logs).sort()).toEqual(['accuracy', 'loss']);
    expect(logs.accuracy).toBe(1);
    // The loss evaluate reports is the binary cross-entropy of what predict returns.
    const bce = probs.reduce((s, q, i) => s - (y.data[i] * Math.log(q) + (1 - y.data[i]) * Math.log(1 - q)), 0) / 4;
    expect(logs.loss).toBeCloseTo(bce, 5);
  });

  it('fit, predict and evaluate accept nested arrays, and [N] labels for a 1-unit output', async () => {
    setSeed(7);
    const model = seedExample();
    const history = await model.fit(XOR_X, XOR_Y, { epochs: 200, batchSize: 4, verbose: 0 });
    expect(history.history.accuracy.at(-1)).toBe(1);
    expect(model.predict(XOR_X).shape).toEqual([4, 1]);
    const asColumn = model.evaluate(XOR_X, XOR_Y);
    const asVector = model.evaluate(XOR_X, [0, 1, 1, 0]);
    expect(asVector).toEqual(asColumn);
    // The same seed with tensors instead of arrays: the same run, bit for bit.
    setSeed(7);
    const again = seedExample();
    const { x, y } = datasets.xor();
    const h2 = await again.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
    expect(h2.history.loss).toEqual(history.history.loss);
  });

  it('summary: Keras-like table with (None, 16), 48 / 272 / 17 parameters, Total params: 337, the activations', () => {
    const model = seedExample();
    const lines: string[] = [];
    const silent = model.summary({ printFn: () => {} });
    const text = model.summary({ printFn: (line) => lines.push(line) });
    expect(silent).toBe(text);
    expect(lines.join('\n')).toBe(text);
    const [first, second, third] = model.layers.map((l) => l.name);
    expect(text).toMatch(new RegExp(`^Model: "${model.name}"\n_{80}\nLayer \\(type\\) +Output Shape +Param # +Activation\n={80}\n`));
    expect(text).toMatch(new RegExp(`\n${first} \\(Dense\\) +\\(None, 16\\) +48 +LeakyReLU\\(alpha=0\\.2\\)\n`));
    expect(text).toMatch(new RegExp(`\n${second} \\(Dense\\) +\\(None, 16\\) +272 +leaky_relu\\(alpha=0\\.2\\)\n`));
    expect(text).toMatch(new RegExp(`\n${third} \\(Dense\\) +\\(None, 1\\) +17 +sigmoid\n`));
    expect(text).toMatch(/\n={80}\nTotal params: 337\nTrainable params: 337\nNon-trainable params: 0\n_{80}$/);
    expect(model.countParams()).toBe(337);
  });
});

describe('history', () => {
  it('has loss and accuracy, one entry per epoch, and val_ entries with validationData', async () => {
    setSeed(3);
    const model = seedExample();
    const { x, y } = datasets.xor();
    const history = await model.fit(x, y, { epochs: 5, batchSize: 2, verbose: 0, validationData: [XOR_X, XOR_Y] });
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    for (const values of Object.values(history.history)) expect(values).toHaveLength(5);
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    // val_ entries are computed after the epoch: the last one is what evaluate now returns.
    const now = model.evaluate(XOR_X, XOR_Y);
    expect(history.history.val_loss[4]).toBeCloseTo(now.loss, 6);
    expect(history.history.val_accuracy[4]).toBe(now.accuracy);
    for (const v of history.history.val_accuracy) expect([0, 0.25, 0.5, 0.75, 1]).toContain(v);
  });

  it('validationSplit holds out the last samples', async () => {
    setSeed(3);
    const model = seedExample();
    const x = randomUniform([40, 2], -1, 1, new Rng(1));
    const y = tensor(Float32Array.from({ length: 40 }, (_, i) => (x.data[2 * i] * x.data[2 * i + 1] > 0 ? 1 : 0)), [40, 1]);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(history.history.val_loss).toHaveLength(3);
    const held = model.evaluate(tensor(x.data.slice(60), [10, 2]), tensor(y.data.slice(30), [10, 1]));
    expect(history.history.val_loss[2]).toBeCloseTo(held.loss, 6);
    expect(history.history.val_accuracy[2]).toBeCloseTo(held.accuracy, 6);
    expect(held.accuracy * 10).toBeCloseTo(Math.round(held.accuracy * 10), 6);
  });

  it('without metrics, only loss is logged', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], seed: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const history = await model.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(Object.keys(history.history)).toEqual(['loss']);
    expect(history.history.loss).toHaveLength(2);
  });
});

describe('weights', () => {
  it('getWeights lists every layer in Keras order; setWeights into a twin model gives identical predictions', () => {
    setSeed(1);
    const a = seedExample();
    setSeed(2);
    const b = seedExample();
    const weights = a.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([[2, 16], [16], [16, 16], [16], [16, 1], [1]]);
    const x = randomUniform([6, 2], -1, 1, new Rng(3));
    expect(bytesOf(b.predict(x))).not.toEqual(bytesOf(a.predict(x)));
    b.setWeights(weights);
    expect(bytesOf(b.predict(x))).toEqual(bytesOf(a.predict(x)));
    expect(b.getWeights().map(bytesOf)).toEqual(weights.map(bytesOf));
  });

  it('setWeights with a wrong count or shape says so and leaves every weight unchanged', () => {
    const model = seedExample();
    const before = model.getWeights();
    const bytes = before.map(bytesOf);
    const changed = before.map((w) => tensor(w.data.map((v) => v + 1), w.shape));
    expect(() => model.setWeights(changed.slice(0, 5))).toThrow(
      new RegExp(`^${model.name}\\.setWeights: the model has 6 weight arrays but 5 were given\\.$`),
    );
    // All but the last are fine: none may be written.
    const lastWrong = [...changed.slice(0, 5), tensor(Float32Array.of(1, 2), [2])];
    expect(() => model.setWeights(lastWrong)).toThrow(
      new RegExp(`^${model.layers[2].name}: weight ${model.layers[2].name}/bias has shape \\[1\\] but the array given has shape \\[2\\]\\.$`),
    );
    const transposed = [tensor(changed[0].data, [16, 2]), ...changed.slice(1)];
    expect(() => model.setWeights(transposed)).toThrow(/has shape \[2, 16\] but the array given has shape \[16, 2\]/);
    expect(model.getWeights().map(bytesOf)).toEqual(bytes);
  });
});

describe('add', () => {
  it('rejects a later layer whose inputShape does not match, naming it and both shapes; nothing is added', () => {
    const model = new Sequential({ layers: [new Dense({ units: 4, inputShape: [3], name: 'first' })] });
    const before = model.getWeights().map(bytesOf);
    const bad = new Dense({ units: 2, inputShape: [5], name: 'second' });
    expect(() => model.add(bad)).toThrow(
      /^second: declares inputShape \(None, 5\) but the previous layer first outputs \(None, 4\)\. Remove inputShape from every layer but the first\.$/,
    );
    expect(model.layers.map((l) => l.name)).toEqual(['first']);
    expect(bad.built).toBe(false);
    expect(model.getWeights().map(bytesOf)).toEqual(before);
    expect(model.outputShape).toEqual([4]);
    // A matching inputShape is accepted.
    model.add(new Dense({ units: 2, inputShape: [4], name: 'second_ok' }));
    expect(model.outputShape).toEqual([2]);
  });

  it('builds each layer as it is added once the input shape is known, and refuses the same layer twice', () => {
    const model = new Sequential();
    const first = new Dense({ units: 4, inputShape: [3] });
    model.add(first);
    expect(first.built).toBe(true);
    expect(model.countParams()).toBe(16);
    expect(() => model.add(first)).toThrow(new RegExp(`^${model.name}\\.add: the layer ${first.name} is already in this model\\. Create a new layer instead\\.$`));
    expect(() => model.add({} as Dense)).toThrow(/\.add: expected a Layer/);
    expect(model.layers).toHaveLength(1);
  });

  it('a model without inputShape builds on the first fit', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 8, activation: 'relu', seed: 1 }), new Dense({ units: 1, activation: 'sigmoid', seed: 2 })] });
    expect(model.layers.every((l) => !l.built)).toBe(true);
    expect(model.inputShape).toBeUndefined();
    expect(model.outputShape).toBeUndefined();
    expect(model.countParams()).toBe(0);
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(history.history.loss).toHaveLength(2);
    expect(model.inputShape).toEqual([2]);
    expect(model.outputShape).toEqual([1]);
    expect(model.countParams()).toBe(8 * 3 + 9);
  });
});

describe('predict', () => {
  it('in batches equals one batch, bit for bit', () => {
    setSeed(4);
    const model = new Sequential({
      layers: [new Dense({ units: 5, inputShape: [3], activation: 'tanh' }), new Dropout({ rate: 0.5 }), new Dense({ units: 2, activation: 'softmax' })],
    });
    const x = randomUniform([37, 3], -1, 1, new Rng(5));
    const whole = model.predict(x, { batchSize: 64 });
    expect(whole.shape).toEqual([37, 2]);
    for (const batchSize of [1, 5, 36]) expect(bytesOf(model.predict(x, { batchSize }))).toEqual(bytesOf(whole));
    // Each row is a distribution.
    for (let r = 0; r < 37; r++) expect(whole.data[2 * r] + whole.data[2 * r + 1]).toBeCloseTo(1, 6);
  });
});

describe('determinism', () => {
  const x = randomUniform([32, 2], -1, 1, new Rng(8));
  const y = tensor(Float32Array.from({ length: 32 }, (_, i) => (x.data[2 * i] > x.data[2 * i + 1] ? 1 : 0)), [32, 1]);

  async function run(globalSeed: number, fitSeed?: number): Promise<{ weights: Uint8Array[]; losses: number[] }> {
    setSeed(globalSeed);
    const model = new Sequential({
      layers: [
        new Dense({ units: 8, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) }),
        new Dropout({ rate: 0.2 }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'binaryCrossentropy' });
    const history = await model.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, seed: fitSeed });
    return { weights: model.getWeights().map(bytesOf), losses: history.history.loss };
  }

  it('building and training twice after setSeed(42) gives bit-identical weights and losses', async () => {
    const a = await run(42);
    const b = await run(42);
    expect(b.weights).toEqual(a.weights);
    expect(b.losses).toEqual(a.losses);
    const c = await run(43);
    expect(c.weights).not.toEqual(a.weights);
    expect(c.losses).not.toEqual(a.losses);
  });

  it("fit's seed fixes the shuffling: same seed, same run; another seed, another run", async () => {
    /** Seeded layers: the weights start the same whatever the global stream. */
    async function seeded(fitSeed: number, globalSeed: number): Promise<{ weights: Uint8Array[]; losses: number[] }> {
      setSeed(globalSeed);
      const model = new Sequential({
        layers: [new Dense({ units: 8, inputShape: [2], activation: 'relu', seed: 1 }), new Dense({ units: 1, activation: 'sigmoid', seed: 2 })],
      });
      model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, seed: fitSeed });
      return { weights: model.getWeights().map(bytesOf), losses: history.history.loss };
    }
    const a = await seeded(3, 100);
    const b = await seeded(3, 200);
    expect(b.weights).toEqual(a.weights);
    expect(b.losses).toEqual(a.losses);
    const c = await seeded(4, 100);
    expect(c.weights).not.toEqual(a.weights);
  });

  it('shuffle: false gives the same run whatever the seeds', async () => {
    async function unshuffled(globalSeed: number): Promise<Tensor[]> {
      setSeed(globalSeed);
      const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], activation: 'sigmoid', seed: 9 })] });
      model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
      await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, shuffle: false });
      return model.getWeights();
    }
    expect((await unshuffled(1)).map(bytesOf)).toEqual((await unshuffled(2)).map(bytesOf));
  });
});
