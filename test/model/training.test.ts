import { describe, expect, it } from 'vitest';
import {
  Adam,
  datasets,
  Dense,
  LeakyReLU,
  Rng,
  Sequential,
  setSeed,
  SGD,
  Softmax,
  tensor,
  type ActivationSpec,
  type Tensor,
} from 'layerwise';

describe('two spirals', () => {
  const { x, y } = datasets.spirals({ samples: 100, seed: 1 });

  /** The same net with either hidden activation: Dense 32 → Dense 32 → Dense 1 sigmoid, Adam 0.01. */
  async function train(hidden: () => ActivationSpec): Promise<{ accuracy: number; losses: number[] }> {
    setSeed(1);
    const model = new Sequential({
      layers: [
        new Dense({ units: 32, inputShape: [2], activation: hidden() }),
        new Dense({ units: 32, activation: hidden() }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 150, batchSize: 16, verbose: 0 });
    const { accuracy } = model.evaluate(x, y);
    // evaluate's accuracy is the fraction of predictions on the right side of 0.5.
    const p = model.predict(x);
    const hits = Array.from(p.data).filter((q, i) => q > 0.5 === (y.data[i] === 1)).length;
    expect(accuracy).toBeCloseTo(hits / 200, 10);
    return { accuracy, losses: history.history.loss };
  }

  it('the data: 200 points in two classes, labels [N, 1]', () => {
    expect(x.shape).toEqual([200, 2]);
    expect(y.shape).toEqual([200, 1]);
    expect(Array.from(y.data).filter((v) => v === 1)).toHaveLength(100);
  });

  it("LeakyReLU({ alpha: 0.2 }) hidden layers reach training accuracy ≥ 0.95; 'relu' learns too", async () => {
    const leaky = await train(() => new LeakyReLU({ alpha: 0.2 }));
    expect(leaky.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(leaky.losses.at(-1)).toBeLessThan(0.2 * leaky.losses[0]);
    const relu = await train(() => 'relu');
    expect(relu.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(relu.losses).not.toEqual(leaky.losses);
  });
});

/** Three Gaussian blobs around the corners of a triangle; one-hot labels and class indices. */
function blobs(perClass: number, seed: number): { x: Tensor; oneHot: Tensor; classes: Tensor } {
  const rng = new Rng(seed);
  const n = 3 * perClass;
  const x = new Float32Array(n * 2);
  const oneHot = new Float32Array(n * 3);
  const classes = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const angle = (2 * Math.PI * c) / 3;
    x[2 * i] = 2 * Math.cos(angle) + 0.5 * rng.normal();
    x[2 * i + 1] = 2 * Math.sin(angle) + 0.5 * rng.normal();
    oneHot[3 * i + c] = 1;
    classes[i] = c;
  }
  return { x: tensor(x, [n, 2]), oneHot: tensor(oneHot, [n, 3]), classes: tensor(classes, [n]) };
}

describe('softmax fused with cross-entropy', () => {
  it('a last Dense with softmax and categoricalCrossentropy trains on three blobs', async () => {
    setSeed(2);
    const { x, oneHot } = blobs(50, 3);
    const model = new Sequential({
      layers: [new Dense({ units: 16, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) }), new Dense({ units: 3, activation: 'softmax' })],
    });
    model.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, oneHot, { epochs: 30, batchSize: 16, verbose: 0 });
    expect(history.history.loss.at(-1)).toBeLessThan(0.5 * history.history.loss[0]);
    const { loss, accuracy } = model.evaluate(x, oneHot);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    // evaluate's loss is −mean log p(true class) of what predict returns.
    const p = model.predict(x);
    let ce = 0;
    for (let r = 0; r < 150; r++) ce -= Math.log(p.data[3 * r + (r % 3)]);
    expect(loss).toBeCloseTo(ce / 150, 4);
    // The fusion is an argument of fit's backward call, never state of the layer: after fit the
    // layer's backward applies softmax's own derivative, and only skips it when asked to.
    const last = model.layers[1];
    last.forward(model.layers[0].forward(x, true), true);
    const dy = tensor(Float32Array.from({ length: 450 }, (_, i) => (i % 7) / 7 - 0.4), [150, 3]);
    const own = Float32Array.from(last.backward(dy).data);
    const skipped = Float32Array.from(last.backward(dy, true, true).data);
    expect(own).not.toEqual(skipped);
  });

  it('a Softmax layer instance as activation, with sparseCategoricalCrossentropy and class indices, trains the same way', async () => {
    setSeed(2);
    const { x, classes } = blobs(50, 3);
    const model = new Sequential({
      layers: [new Dense({ units: 16, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) }), new Dense({ units: 3, activation: new Softmax() })],
    });
    model.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, classes, { epochs: 30, batchSize: 16, verbose: 0 });
    expect(model.evaluate(x, classes).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('three interleaved spirals with softmax and class indices', async () => {
    const { x, y } = datasets.spirals({ samples: 60, classes: 3, turns: 1, seed: 4 });
    expect(y.shape).toEqual([180]);
    setSeed(3);
    const model = new Sequential({
      layers: [
        new Dense({ units: 32, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) }),
        new Dense({ units: 32, activation: new LeakyReLU({ alpha: 0.2 }) }),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 150, batchSize: 16, verbose: 0 });
    expect(model.evaluate(x, y).accuracy).toBeGreaterThanOrEqual(0.9);
  });
});

describe('huge logits', () => {
  // kernel [2, 3] = [[5000, 0, −5000], [0, 5000, −5000]], no bias: logits are exact in float32.
  const kernel = tensor(Float32Array.of(5000, 0, -5000, 0, 5000, -5000), [2, 3]);
  const x = [[1, 1], [2, 0], [0, 2], [1, 0]];
  // logits: [5000, 5000, −10000], [10000, 0, −10000], [0, 10000, −10000], [5000, 0, −5000]
  const labels = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 0, 0]];
  // Exact cross-entropy log Σ e^z − z_true per row: 15000 + ln 2, 10000, 10000, ~0 (e^−5000 underflows).
  const exact = (15000 + Math.LN2 + 10000 + 10000 + 0) / 4;

  function model(): Sequential {
    const m = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'softmax', useBias: false })] });
    m.setWeights([kernel]);
    m.compile({ optimizer: new SGD({ learningRate: 1e-4 }), loss: 'categoricalCrossentropy' });
    return m;
  }

  it('softmax + categoricalCrossentropy at logits of 1e4: the loss is the exact cross-entropy, never NaN', async () => {
    const m = model();
    // TF.js and Keras's probability form would clip p at 1e-7 and report about 12.09 instead.
    expect(m.evaluate(x, labels).loss).toBeCloseTo(exact, 2);
    const p = m.predict(x);
    expect(p).toBeAllClose([0.5, 0.5, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0]);
    const history = await m.fit(x, labels, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(history.history.loss[0]).toBeCloseTo(exact, 2);
    for (const v of history.history.loss) expect(Number.isFinite(v)).toBe(true);
    expect(history.history.loss[2]).toBeLessThan(history.history.loss[0]);
    for (const w of m.getWeights()) expect(Array.from(w.data).every(Number.isFinite)).toBe(true);
  });

  it('the first step is exactly the softmax − labels gradient: Δkernel = −lr · xᵀ (p − y) / N', async () => {
    const m = model();
    const p = m.predict(x);
    await m.fit(x, labels, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const after = m.getWeights()[0];
    const expected = Array.from({ length: 6 }, (_, idx) => {
      const [i, j] = [Math.floor(idx / 3), idx % 3];
      let g = 0;
      for (let r = 0; r < 4; r++) g += (x[r][i] * (p.data[3 * r + j] - labels[r][j])) / 4;
      return kernel.data[idx] - 1e-4 * g;
    });
    expect(after).toBeAllClose(expected, { rtol: 1e-7, atol: 1e-7 });
  });

  it('sigmoid + binaryCrossentropy at logits of ±1e4: exact loss, finite training', async () => {
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1], activation: 'sigmoid', useBias: false })] });
    m.setWeights([tensor(Float32Array.of(10000), [1, 1])]);
    m.compile({ optimizer: new SGD({ learningRate: 1e-4 }), loss: 'binaryCrossentropy' });
    // z = 1e4 with label 0 and z = −1e4 with label 1 both cost 1e4; z = 1e4 with label 1 costs ~0.
    const xs = [[1], [-1], [1]];
    const ys = [[0], [1], [1]];
    expect(m.evaluate(xs, ys).loss).toBeCloseTo(20000 / 3, 2);
    const history = await m.fit(xs, ys, { epochs: 2, batchSize: 3, shuffle: false, verbose: 0 });
    expect(history.history.loss[0]).toBeCloseTo(20000 / 3, 2);
    expect(Number.isFinite(m.getWeights()[0].data[0])).toBe(true);
  });
});
