import { describe, expect, it } from 'vitest';
import {
  Conv2D,
  DeadUnitMonitor,
  Dense,
  ELU,
  Flatten,
  fromArray,
  LeakyReLU,
  PReLU,
  ProgressLogger,
  ReLU,
  Sequential,
  setSeed,
  SGD,
  tensor,
  LambdaCallback,
  type ActivationSpec,
  type Callback,
  type Layer,
} from 'layerwise';
import { markActiveColumns } from '../../src/tensor/kernels';

/** Four samples of two features: (1, 0), (0, 1), (-1, 0), (0, -1). */
const X = fromArray([[1, 0], [0, 1], [-1, 0], [0, -1]]);
const Y = fromArray([[0], [1], [0], [1]]);

/**
 * A frozen Dense layer of 5 units whose pre-activations are known for every sample of X:
 *   unit 0: x₀ + x₁          1, 1, -1, -1            active
 *   unit 1: -10              never positive          dead
 *   unit 2: -x₀ - 0.5        positive on sample 2    active; peaks at 0.5
 *   unit 3: 0                0, which is not above 0 dead
 *   unit 4: 0.3 x₁ + 0.05    0.05, 0.35, 0.05, -0.25 active; peaks at 0.35
 */
function knownDense(activation: ActivationSpec | undefined): Dense {
  const dense = new Dense({ units: 5, inputShape: [2], activation, trainable: false });
  dense.build([2]);
  dense.setWeights([
    tensor(Float32Array.from([1, 0, -1, 0, 0, 1, 0, 0, 0, 0.3]), [2, 5]),
    tensor(Float32Array.from([0, -10, -0.5, 0, 0.05]), [5]),
    ...dense.getWeights().slice(2), // a PReLU activation's alpha
  ]);
  return dense;
}

/** Two epochs of training with the callbacks; the per-epoch logs. */
async function fitWith(layers: Layer[], callbacks: Callback[], batchSize = 1): Promise<Record<string, number[]>> {
  setSeed(1);
  const model = new Sequential({ layers });
  model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  const history = await model.fit(X, Y, { epochs: 2, batchSize, verbose: 0, callbacks });
  return history.history;
}

describe('markActiveColumns', () => {
  it('ORs, per column of a [rows, columns] array, whether some row exceeds the threshold', () => {
    const active = Uint8Array.from([0, 0, 0, 1]);
    markActiveColumns(Float32Array.from([1, -1, 0, -5, /* row 2 */ -2, 0.5, 0, -5]), 0, active);
    expect(Array.from(active)).toEqual([1, 1, 0, 1]);
    const strict = new Uint8Array(2);
    markActiveColumns(Float32Array.from([0.5, 0.6, 0.4, 0.2]), 0.5, strict);
    expect(Array.from(strict)).toEqual([0, 1]);
  });
});

describe('DeadUnitMonitor', () => {
  it('finds the dead units of a layer whose pre-activations are known, per epoch, across batches', async () => {
    const dense = knownDense('relu');
    const monitor = new DeadUnitMonitor();
    // Batches of one sample: unit 2 is active in one batch only and still counts as active.
    const history = await fitWith([dense, new Dense({ units: 1 })], [monitor]);
    expect(history[`dead/${dense.name}`]).toEqual([0.4, 0.4]);
    expect(monitor.dead).toEqual({ [dense.name]: [1, 3] });
  });

  it('counts units never above `threshold`', async () => {
    const dense = knownDense('relu');
    const monitor = new DeadUnitMonitor({ threshold: 0.4 });
    const history = await fitWith([dense, new Dense({ units: 1 })], [monitor], 4);
    expect(monitor.dead[dense.name]).toEqual([1, 3, 4]);
    expect(history[`dead/${dense.name}`]).toEqual([0.6, 0.6]);
    const high = new DeadUnitMonitor({ threshold: 0.6 });
    await fitWith([knownDense('relu'), new Dense({ units: 1 })], [high], 4);
    expect(Object.values(high.dead)).toEqual([[1, 2, 3, 4]]);
  });

  it('watches every ReLU-family form: keys, Layer instances, standalone layers, PReLU; not sigmoid or linear', async () => {
    const forms: [string, () => Layer][] = [
      ['relu key', () => knownDense('relu')],
      ['leaky_relu key', () => knownDense('leaky_relu')],
      ['LeakyReLU instance', () => knownDense(new LeakyReLU({ alpha: 0.2 }))],
      ['ELU instance', () => knownDense(new ELU())],
      ['elu key', () => knownDense('elu')],
      ['relu6 key', () => knownDense('relu6')],
      ['PReLU instance', () => knownDense(new PReLU())],
    ];
    for (const [label, make] of forms) {
      const dense = make();
      const monitor = new DeadUnitMonitor();
      await fitWith([dense, new Dense({ units: 1 })], [monitor]);
      expect(monitor.dead, label).toEqual({ [dense.name]: [1, 3] });
    }
    // Standalone activation layers after a linear Dense: the Dense is not watched, the layers are.
    const linear = knownDense(undefined);
    const relu = new ReLU();
    const prelu = new PReLU();
    const monitor = new DeadUnitMonitor();
    const history = await fitWith([linear, relu, prelu, new Dense({ units: 1, activation: 'sigmoid' })], [monitor]);
    expect(monitor.dead).toEqual({ [relu.name]: [1, 3], [prelu.name]: [1, 3] });
    expect(Object.keys(history).filter((k) => k.startsWith('dead/'))).toEqual([`dead/${relu.name}`, `dead/${prelu.name}`]);
  });

  it('counts Conv2D channels: a channel is active if any position of any sample is', async () => {
    // A 1x1 convolution over 2x2 images of one channel, 3 filters: x, -x - 100 (dead), 0 (dead).
    const conv = new Conv2D({ filters: 3, kernelSize: 1, inputShape: [2, 2, 1], activation: 'relu', trainable: false });
    conv.build([2, 2, 1]);
    conv.setWeights([tensor(Float32Array.from([1, -1, 0]), [1, 1, 1, 3]), tensor(Float32Array.from([0, -100, 0]), [3])]);
    const images = tensor(Float32Array.from([-1, -2, -3, 0.5, /* sample 2 */ -1, -1, -1, -1]), [2, 2, 2, 1]);
    setSeed(1);
    const model = new Sequential({ layers: [conv, new Flatten(), new Dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const monitor = new DeadUnitMonitor();
    const history = await model.fit(images, [[0], [1]], { epochs: 1, batchSize: 1, verbose: 0, callbacks: [monitor] });
    expect(monitor.dead).toEqual({ [conv.name]: [1, 2] });
    expect(history.history[`dead/${conv.name}`]).toEqual([2 / 3]);
  });

  it('resets each epoch: a unit that stops firing is dead in the epochs it stays silent', async () => {
    const dense = knownDense('relu');
    const monitor = new DeadUnitMonitor();
    // After epoch 0, unit 0 is turned off for good.
    const silence = new LambdaCallback({
      onEpochEnd: (epoch) => {
        if (epoch > 0) return;
        const [kernel, bias] = dense.getWeights();
        bias.data[0] = -100;
        dense.setWeights([kernel, bias]);
      },
    });
    const history = await fitWith([dense, new Dense({ units: 1 })], [monitor, silence]);
    expect(history[`dead/${dense.name}`]).toEqual([0.4, 0.6]);
    expect(monitor.dead[dense.name]).toEqual([0, 1, 3]);
  });

  it('reports to the progress line', async () => {
    const dense = knownDense('relu');
    const lines: string[] = [];
    setSeed(1);
    const model = new Sequential({ layers: [dense, new Dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await model.fit(X, Y, { epochs: 1, callbacks: [new ProgressLogger({ sink: { write: (t) => lines.push(t) }, clock: () => 0 }), new DeadUnitMonitor()] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Epoch 1/1 - 1/1 - 0s 0s/step - loss: \\d+\\.\\d{4} - dead/${dense.name}: 0\\.4000\\n$`));
  });

  it('fails before training when there is nothing to watch, or a named layer is unknown or not of the family', async () => {
    const sigmoid = new Dense({ units: 2, inputShape: [2], activation: 'sigmoid' });
    const model = new Sequential({ layers: [sigmoid, new Dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = model.getWeights();
    await expect(model.fit(X, Y, { verbose: 0, callbacks: [new DeadUnitMonitor()] })).rejects.toThrow(
      new RegExp(`^DeadUnitMonitor: ${model.name} has no layer with a ReLU-family activation \\(relu, relu6, leaky_relu, elu, selu, PReLU\\) to watch\\.$`),
    );
    await expect(model.fit(X, Y, { verbose: 0, callbacks: [new DeadUnitMonitor({ layers: ['nope'] })] })).rejects.toThrow(
      new RegExp(`^DeadUnitMonitor: ${model.name} has no layer "nope"\\. Layers: ${sigmoid.name}, `),
    );
    await expect(model.fit(X, Y, { verbose: 0, callbacks: [new DeadUnitMonitor({ layers: [sigmoid.name] })] })).rejects.toThrow(
      new RegExp(`^DeadUnitMonitor: ${sigmoid.name} has activation sigmoid, which is not of the ReLU family`),
    );
    expect(model.getWeights()).toBeAllClose(before, { rtol: 0, atol: 0 });
    expect(() => new DeadUnitMonitor({ threshold: NaN })).toThrow(/^DeadUnitMonitor: threshold must be a finite number/);
  });

  it('watches only the layers named', async () => {
    const first = knownDense('relu');
    const second = new Dense({ units: 3, activation: 'relu' });
    const monitor = new DeadUnitMonitor({ layers: [second.name] });
    const history = await fitWith([first, second, new Dense({ units: 1 })], [monitor]);
    expect(Object.keys(monitor.dead)).toEqual([second.name]);
    expect(Object.keys(history).filter((k) => k.startsWith('dead/'))).toEqual([`dead/${second.name}`]);
  });
});
