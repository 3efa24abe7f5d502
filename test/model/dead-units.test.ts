import { describe, expect, it } from 'vitest';
import {
  Activation,
  activations,
  Conv2D,
  DeadUnitMonitor,
  Dense,
  ELU,
  Flatten,
  fromArray,
  initializers,
  LeakyReLU,
  PReLU,
  ProgressLogger,
  ReLU,
  Sequential,
  setSeed,
  SGD,
  tensor,
  LambdaCallback,
  type ActivationFunction,
  type ActivationSpec,
  type Callback,
  type Layer,
} from 'layerwise';
import { liveMarker } from '../../src/model/callbacks/dead-units';
import { markActiveColumns } from '../../src/tensor/kernels';

/** Four samples of two features: (1, 0), (0, 1), (-1, 0), (0, -1). */
const X = fromArray([[1, 0], [0, 1], [-1, 0], [0, -1]]);
const Y = fromArray([[0], [1], [0], [1]]);

/**
 * A frozen Dense layer of 7 units whose pre-activations are known for every sample of X:
 *   unit 0: x₀ + x₁          1, 1, -1, -1            active
 *   unit 1: -10              never positive          relu: dead; leaky, elu, selu: inactive
 *   unit 2: -x₀ - 0.5        positive on sample 2    active; peaks at 0.5
 *   unit 3: 0                0, which is not above 0 relu: dead (f'(0) = 0); leaky, elu: inactive
 *   unit 4: 0.3 x₁ + 0.05    0.05, 0.35, 0.05, -0.25 active; peaks at 0.35
 *   unit 5: 6                always at relu6's cap   relu: active; relu6: dead (f'(6) = 0)
 *   unit 6: x₀ + 8           9, 8, 7, 8              relu: active; relu6: dead (saturated)
 */
function knownDense(activation: ActivationSpec | undefined): Dense {
  const dense = new Dense({ units: 7, inputShape: [2], activation, trainable: false });
  dense.build([2]);
  dense.setWeights([
    tensor(Float32Array.from([1, 0, -1, 0, 0, 0, 1, /* x₁ */ 1, 0, 0, 0, 0.3, 0, 0]), [2, 7]),
    tensor(Float32Array.from([0, -10, -0.5, 0, 0.05, 6, 8]), [7]),
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

/** The dead and the inactive units of one watched layer, after the last epoch. */
function units(monitor: DeadUnitMonitor, layer: string): { dead: number[]; inactive: number[] } {
  return { dead: monitor.dead[layer], inactive: monitor.inactive[layer] };
}

const alpha = (value: number): PReLU => new PReLU({ alphaInitializer: initializers.constant({ value }) });

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

describe('liveMarker: where the derivative is not zero, as the activation computes it', () => {
  /** Columns of 6 rows: constant columns at the edges (0, the cap, far below 0), and mixed ones. */
  const columns = [
    [0, 0, 0, 0, 0, 0],
    [-0.5, -1, -3, -0.01, -2, -1e-30],
    [6, 6, 6, 6, 6, 6],
    [6, 7, 100, 6.5, 8, Infinity],
    [2.5, 3, 2.5, 4, 2.5, 9],
    [-20, -30, -100, -1000, -17.5, -19],
    [-16, -12, -40, -18, -50, -17],
    [-5, 0, 0.001, -2, 0, -1],
    [5.999, 6, 6, 7, 0, -1],
    [-Infinity, -1, -2, -3, -4, 0],
  ];
  const rows = columns[0].length;
  const units = columns.length;
  const x = new Float32Array(rows * units);
  columns.forEach((column, j) => column.forEach((v, r) => (x[r * units + j] = v)));

  /** The reference: f'(x) from the function's forward and backward with dy = 1, OR-ed per column. */
  function reference(fn: ActivationFunction): number[] {
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    fn.forward(x, y, [rows, units]);
    fn.backward(x, y, new Float32Array(x.length).fill(1), dx, [rows, units]);
    return columns.map((_, j) => (Array.from({ length: rows }, (_, r) => dx[r * units + j]).some((g) => g !== 0) ? 1 : 0));
  }

  it.each<[string, ActivationFunction, number[]]>([
    ['relu', activations.relu(), [0, 0, 1, 1, 1, 0, 0, 1, 1, 0]],
    ['relu6', activations.relu(6, 'relu6'), [0, 0, 0, 0, 1, 0, 0, 1, 1, 0]],
    ['relu, maxValue 2.5', activations.relu(2.5), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]],
    ['leaky_relu 0.2', activations.leakyRelu(0.2), new Array(10).fill(1)],
    ['leaky_relu 0', activations.leakyRelu(0), [0, 0, 1, 1, 1, 0, 0, 1, 1, 0]],
    // Below x ≈ -17.3, e^x is lost in float32 (alpha · (e^x - 1) rounds to -alpha): f'(x) = y + alpha is 0.
    ['elu', activations.elu(), [1, 1, 1, 1, 1, 0, 1, 1, 1, 1]],
    ['elu 0', activations.elu(0), [0, 0, 1, 1, 1, 0, 0, 1, 1, 0]],
    // selu's scale · alpha is no float32, so y + scale · alpha never cancels: never dead.
    ['selu', activations.selu, new Array(10).fill(1)],
  ])('%s', (_label, fn, expected) => {
    const live = new Uint8Array(units);
    liveMarker(fn)(x, live);
    expect(Array.from(live)).toEqual(expected);
    expect(Array.from(live)).toEqual(reference(fn));
    // Marks stay; a second, smaller call reuses the buffers and only adds.
    const again = Uint8Array.from(live);
    liveMarker(fn)(x.subarray(0, units), again);
    expect(Array.from(again)).toEqual(expected);
  });
});

describe('DeadUnitMonitor', () => {
  it('finds the dead units of a layer whose pre-activations are known, per epoch, across batches', async () => {
    const dense = knownDense('relu');
    const monitor = new DeadUnitMonitor();
    // Batches of one sample: unit 2 is active in one batch only and still counts as active.
    const history = await fitWith([dense, new Dense({ units: 1 })], [monitor]);
    expect(history[`dead/${dense.name}`]).toEqual([2 / 7, 2 / 7]);
    expect(history[`inactive/${dense.name}`]).toEqual([0, 0]);
    expect(history.dead_units).toEqual([2, 2]);
    expect(history.inactive_units).toEqual([0, 0]);
    expect(monitor.dead).toEqual({ [dense.name]: [1, 3] });
    expect(monitor.inactive).toEqual({ [dense.name]: [] });
  });

  it.each<[string, number[], number[], () => ActivationSpec]>([
    ["'relu'", [1, 3], [], () => 'relu'],
    ['ReLU instance', [1, 3], [], () => new ReLU()],
    // A saturated relu6 unit has a zero gradient although its input is positive.
    ["'relu6'", [1, 3, 5, 6], [], () => 'relu6'],
    ['ReLU({ maxValue: 6 })', [1, 3, 5, 6], [], () => new ReLU({ maxValue: 6 })],
    ['ReLU({ maxValue: 8.5 })', [1, 3], [], () => new ReLU({ maxValue: 8.5 })],
    // Leaky units on the negative side still pass alpha · dy back: inactive, not dead.
    ["'leaky_relu'", [], [1, 3], () => 'leaky_relu'],
    ['LeakyReLU({ alpha: 0.2 })', [], [1, 3], () => new LeakyReLU({ alpha: 0.2 })],
    ['LeakyReLU({ alpha: 0 }), which is relu', [1, 3], [], () => new LeakyReLU({ alpha: 0 })],
    ["'elu'", [], [1, 3], () => 'elu'],
    ['ELU instance', [], [1, 3], () => new ELU()],
    ['ELU({ alpha: 0 })', [1, 3], [], () => new ELU({ alpha: 0 })],
    ["'selu'", [], [1, 3], () => 'selu'],
    // Frozen with its Dense, the PReLU keeps its alpha.
    ['PReLU, alpha 0', [1, 3], [], () => new PReLU()],
    ['PReLU, alpha 0.25', [], [1, 3], () => alpha(0.25)],
  ])('Dense with %s: dead %j, inactive %j', async (_label, dead, inactive, activation) => {
    const dense = knownDense(activation());
    const monitor = new DeadUnitMonitor();
    const history = await fitWith([dense, new Dense({ units: 1 })], [monitor]);
    expect(units(monitor, dense.name)).toEqual({ dead, inactive });
    expect(history[`dead/${dense.name}`]).toEqual([dead.length / 7, dead.length / 7]);
    expect(history[`inactive/${dense.name}`]).toEqual([inactive.length / 7, inactive.length / 7]);
    expect(history.dead_units).toEqual([dead.length, dead.length]);
    expect(history.inactive_units).toEqual([inactive.length, inactive.length]);
  });

  it('moves only the line between active and inactive with `threshold`: dead units are found from the derivative', async () => {
    const cases: [ActivationSpec, number, number[], number[]][] = [
      // Unit 4 peaks at 0.35, unit 2 at 0.5: below the threshold, but relu passes their gradient.
      ['relu', 0.4, [1, 3], [4]],
      ['relu', 0.6, [1, 3], [2, 4]],
      ['leaky_relu', 0.4, [], [1, 3, 4]],
      // Every input is above -20, yet relu's units 1 and 3 (input -10 and 0) get no gradient.
      ['relu', -20, [1, 3], []],
      ['leaky_relu', -20, [], []],
    ];
    for (const [activation, threshold, dead, inactive] of cases) {
      const dense = knownDense(activation);
      const monitor = new DeadUnitMonitor({ threshold });
      await fitWith([dense, new Dense({ units: 1 })], [monitor], 4);
      expect(units(monitor, dense.name), `${activation}, threshold ${threshold}`).toEqual({ dead, inactive });
    }
  });

  it('watches standalone activation layers, not the linear Dense before them nor a sigmoid', async () => {
    const linear = knownDense(undefined);
    const relu = new ReLU();
    const leaky = new LeakyReLU();
    const monitor = new DeadUnitMonitor();
    const history = await fitWith([linear, relu, leaky, new Activation({ activation: 'relu6' }), new Dense({ units: 1, activation: 'sigmoid' })], [monitor]);
    const relu6 = Object.keys(monitor.dead)[2];
    // The leaky layer reads relu's output, 0 for units 1 and 3: inactive; relu6 reads it too and caps 6 and 8.
    expect(monitor.dead).toEqual({ [relu.name]: [1, 3], [leaky.name]: [], [relu6]: [1, 3, 5, 6] });
    expect(monitor.inactive).toEqual({ [relu.name]: [], [leaky.name]: [1, 3], [relu6]: [] });
    expect(Object.keys(history).filter((k) => k.includes('/') || k.endsWith('_units'))).toEqual([
      `dead/${relu.name}`, `dead/${leaky.name}`, `dead/${relu6}`,
      `inactive/${relu.name}`, `inactive/${leaky.name}`, `inactive/${relu6}`,
      'dead_units', 'inactive_units',
    ]);
    expect(history.dead_units).toEqual([6, 6]);
    expect(history.inactive_units).toEqual([2, 2]);
  });

  it('a PReLU is dead while its alpha is exactly 0, and inactive once alpha has learned, reading alpha as each batch saw it', async () => {
    // A trainable PReLU after the known Dense: alpha starts at 0. Unit 1 (input -10) gets the
    // alpha gradient Σ x · dy ≠ 0, so its alpha leaves 0 after the first step; unit 3 (input 0) gets none.
    const prelu = new PReLU();
    const monitor = new DeadUnitMonitor();
    // One batch per epoch: in epoch 1 that batch ran with alpha = 0, so unit 1 was dead then.
    const history = await fitWith([knownDense(undefined), prelu, new Dense({ units: 1, activation: 'sigmoid' })], [monitor], 4);
    expect(history[`dead/${prelu.name}`]).toEqual([2 / 7, 1 / 7]);
    expect(history[`inactive/${prelu.name}`]).toEqual([0, 1 / 7]);
    expect(units(monitor, prelu.name)).toEqual({ dead: [3], inactive: [1] });
    const [alphaAfter] = prelu.getWeights();
    expect(alphaAfter.data[1]).not.toBe(0);
    expect(alphaAfter.data[3]).toBe(0);
    // Batches of one: alpha leaves 0 within the first epoch.
    const perSample = new PReLU();
    const again = new DeadUnitMonitor();
    await fitWith([knownDense(undefined), perSample, new Dense({ units: 1, activation: 'sigmoid' })], [again], 1);
    expect(units(again, perSample.name)).toEqual({ dead: [3], inactive: [1] });
    // Frozen, alpha stays 0: both are dead.
    const frozen = new PReLU({ trainable: false });
    const still = new DeadUnitMonitor();
    await fitWith([knownDense(undefined), frozen, new Dense({ units: 1, activation: 'sigmoid' })], [still], 1);
    expect(units(still, frozen.name)).toEqual({ dead: [1, 3], inactive: [] });
  });

  describe('Conv2D channels: a channel is live if its derivative is not zero at some position of some sample', () => {
    /**
     * A frozen 1x1 convolution over 2x2 images of one channel, 5 filters, on two images whose
     * pixels are [-1, -2, -3, 0.5] and [-1, -1, -1, -1]:
     *   channel 0: x             0.5 at one position      active
     *   channel 1: -x - 4        between -4.5 and -1      never positive
     *   channel 2: 0             0 everywhere             never positive
     *   channel 3: -x - 100      about -100               never positive; ELU's e^x underflows
     *   channel 4: x + 10        7 to 10.5                relu: active; relu6: saturated
     */
    async function conv(activation: ActivationSpec, alphaValues?: number[]): Promise<{ monitor: DeadUnitMonitor; history: Record<string, number[]>; name: string }> {
      const layer = new Conv2D({ filters: 5, kernelSize: 1, inputShape: [2, 2, 1], activation, trainable: false });
      layer.build([2, 2, 1]);
      const extra = layer.getWeights().slice(2);
      if (alphaValues) extra[0] = tensor(Float32Array.from(alphaValues), [2, 2, 5]);
      layer.setWeights([tensor(Float32Array.from([1, -1, 0, -1, 1]), [1, 1, 1, 5]), tensor(Float32Array.from([0, -4, 0, -100, 10]), [5]), ...extra]);
      const images = tensor(Float32Array.from([-1, -2, -3, 0.5, /* sample 2 */ -1, -1, -1, -1]), [2, 2, 2, 1]);
      setSeed(1);
      const model = new Sequential({ layers: [layer, new Flatten(), new Dense({ units: 1 })] });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const monitor = new DeadUnitMonitor();
      const history = await model.fit(images, [[0], [1]], { epochs: 1, batchSize: 1, verbose: 0, callbacks: [monitor] });
      return { monitor, history: history.history, name: layer.name };
    }

    it.each<[string, number[], number[], () => ActivationSpec]>([
      ["'relu'", [1, 2, 3], [], () => 'relu'],
      ["'relu6'", [1, 2, 3, 4], [], () => 'relu6'],
      ['ReLU({ maxValue: 6 })', [1, 2, 3, 4], [], () => new ReLU({ maxValue: 6 })],
      ["'leaky_relu'", [], [1, 2, 3], () => 'leaky_relu'],
      ['LeakyReLU({ alpha: 0.2 })', [], [1, 2, 3], () => new LeakyReLU({ alpha: 0.2 })],
      ['ELU instance', [3], [1, 2], () => new ELU()],
      ['PReLU, alpha 0', [1, 2, 3], [], () => new PReLU()],
      ['PReLU, alpha 0.25', [], [1, 2, 3], () => alpha(0.25)],
    ])('%s: dead %j, inactive %j', async (_label, dead, inactive, activation) => {
      const { monitor, history, name } = await conv(activation());
      expect(units(monitor, name)).toEqual({ dead, inactive });
      expect(history[`dead/${name}`]).toEqual([dead.length / 5]);
      expect(history.inactive_units).toEqual([inactive.length]);
    });

    it('PReLU alpha per position and channel: one non-zero alpha keeps a channel live', async () => {
      // alpha [2, 2, 5]: channel 1 has 0.3 at position (1, 1) only; every other alpha is 0.
      const values = new Array(20).fill(0);
      values[(1 * 2 + 1) * 5 + 1] = 0.3;
      const { monitor, name } = await conv(new PReLU(), values);
      expect(units(monitor, name)).toEqual({ dead: [2, 3], inactive: [1] });
    });
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
    expect(history[`dead/${dense.name}`]).toEqual([2 / 7, 3 / 7]);
    expect(history.dead_units).toEqual([2, 3]);
    expect(monitor.dead[dense.name]).toEqual([0, 1, 3]);
  });

  it('reports to the progress line', async () => {
    const dense = knownDense('leaky_relu');
    const lines: string[] = [];
    setSeed(1);
    const model = new Sequential({ layers: [dense, new Dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await model.fit(X, Y, { epochs: 1, callbacks: [new ProgressLogger({ sink: { write: (t) => lines.push(t) }, clock: () => 0 }), new DeadUnitMonitor()] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^Epoch 1/1 - 1/1 - 0s 0s/step - loss: \\d+\\.\\d{4} - dead/${dense.name}: 0\\.0000 - inactive/${dense.name}: 0\\.2857 - dead_units: 0\\.0000 - inactive_units: 2\\.0000\\n$`),
    );
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

  it('checks its options object: an unknown key fails naming the nearest one', () => {
    expect(() => new DeadUnitMonitor({ treshold: 0.1 } as never)).toThrow(
      /^DeadUnitMonitor: "treshold" is not an option of DeadUnitMonitor\. Did you mean "threshold"\? Its options: layers, threshold\.$/,
    );
    expect(() => new DeadUnitMonitor({ layer: ['dense_1'] } as never)).toThrow(/^DeadUnitMonitor: "layer" is not an option of DeadUnitMonitor\. Did you mean "layers"\?/);
    expect(() => new DeadUnitMonitor(0.5 as never)).toThrow(/^DeadUnitMonitor: expected an options object such as \{ layers: \['dense_1'\], threshold: 0 \}, but received 0\.5\.$/);
    expect(new DeadUnitMonitor(undefined).threshold).toBe(0);
  });

  it('watches only the layers named', async () => {
    const first = knownDense('relu');
    const second = new Dense({ units: 3, activation: 'relu' });
    const monitor = new DeadUnitMonitor({ layers: [second.name] });
    const history = await fitWith([first, second, new Dense({ units: 1 })], [monitor]);
    expect(Object.keys(monitor.dead)).toEqual([second.name]);
    expect(Object.keys(monitor.inactive)).toEqual([second.name]);
    expect(Object.keys(history).filter((k) => k.includes('/'))).toEqual([`dead/${second.name}`, `inactive/${second.name}`]);
  });
});
