/**
 * Weight regularizers (kernelRegularizer, biasRegularizer) and constraints (kernelConstraint,
 * biasConstraint) on Dense, Conv1D and Conv2D. TF.js references (@tensorflow/tfjs 4.22, cpu
 * backend) are computed inside the test on the same inputs and weights.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  constraints,
  Conv1D,
  Conv2D,
  Dense,
  Embedding,
  Flatten,
  loadModel,
  LSTM,
  randomUniform,
  regularizers,
  Rng,
  Sequential,
  SGD,
  tensor,
  type Layer,
  type Tensor,
} from 'layerwise';
import { readModelJSON, tempDir } from '../io/helpers';
import { fromDirectory, saveTfjsFiles } from '../io/tfjs-helpers';

const dir = tempDir('layerwise-reg-');
/** What TF.js's regularizers and constraints have in common (their classes are not exported by name). */
type TfApply = { apply(x: tf.Tensor): tf.Tensor };
const CLOSE = { rtol: 1e-5, atol: 1e-5 };

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
});

const rng = new Rng(7);
const N = 6;

interface Case {
  name: string;
  input: number[];
  ours: () => Layer[];
  theirs: () => tf.layers.Layer[];
}

const cases: Case[] = [
  {
    name: "Dense, kernel 'l2' key, bias l1({ l1: 0.05 })",
    input: [4],
    ours: () => [new Dense({ units: 3, activation: 'tanh', inputShape: [4], kernelRegularizer: 'l2', biasRegularizer: regularizers.l1({ l1: 0.05 }) })],
    theirs: () => [tf.layers.dense({ units: 3, activation: 'tanh', inputShape: [4], kernelRegularizer: tf.regularizers.l2(), biasRegularizer: tf.regularizers.l1({ l1: 0.05 }) })],
  },
  {
    name: 'Dense, kernel l1l2({ l1: 0.02, l2: 0.03 }), then Dense with l2({ l2: 0.1 })',
    input: [4],
    ours: () => [
      new Dense({ units: 5, activation: 'relu', inputShape: [4], kernelRegularizer: regularizers.l1l2({ l1: 0.02, l2: 0.03 }) }),
      new Dense({ units: 2, kernelRegularizer: regularizers.l2({ l2: 0.1 }), biasRegularizer: 'l1' }),
    ],
    theirs: () => [
      tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], kernelRegularizer: tf.regularizers.l1l2({ l1: 0.02, l2: 0.03 }) }),
      tf.layers.dense({ units: 2, kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }), biasRegularizer: tf.regularizers.l1() }),
    ],
  },
  {
    name: "Conv1D 'same', kernel l2, bias l1l2",
    input: [7, 2],
    ours: () => [
      new Conv1D({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [7, 2], kernelRegularizer: regularizers.l2({ l2: 0.05 }), biasRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.2 }) }),
      new Flatten(),
      new Dense({ units: 2 }),
    ],
    theirs: () => [
      tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [7, 2], kernelRegularizer: tf.regularizers.l2({ l2: 0.05 }), biasRegularizer: tf.regularizers.l1l2({ l1: 0.01, l2: 0.2 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  },
  {
    name: "Conv2D 'valid', kernel 'l1' key, bias l2",
    input: [5, 5, 2],
    ours: () => [
      new Conv2D({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 2], kernelRegularizer: 'l1', biasRegularizer: regularizers.l2({ l2: 0.3 }) }),
      new Flatten(),
      new Dense({ units: 2, kernelRegularizer: 'l2' }),
    ],
    theirs: () => [
      tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 2], kernelRegularizer: tf.regularizers.l1(), biasRegularizer: tf.regularizers.l2({ l2: 0.3 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, kernelRegularizer: tf.regularizers.l2() }),
    ],
  },
];

/** Random non-zero weights (the bias too, so that its regularizer matters). */
function weightsFor(model: Sequential): Tensor[] {
  return model.getWeights().map((w) => randomUniform(w.shape, -0.6, 0.6, rng));
}

describe('kernel and bias regularizers: fit matches TF.js after 2 SGD steps (loss and weights)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const x = randomUniform([N, ...c.input], -1, 1, rng);
      const model = new Sequential({ layers: c.ours() });
      const y = randomUniform([N, model.outputShape![0]], -1, 1, rng);
      const init = weightsFor(model);
      model.setWeights(init);
      model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
      const history = await model.fit(x, y, { epochs: 2, batchSize: N, shuffle: false, verbose: 0 });

      const theirs = tf.sequential({ layers: c.theirs() });
      theirs.setWeights(init.map((w) => tf.tensor(w.data, w.shape as number[])));
      theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      // The data loss alone and the penalties TF.js's regularizers give the initial weights.
      const dataLoss = tf.tidy(() => tf.losses.meanSquaredError(tf.tensor(y.data, y.shape as number[]), theirs.predict(tf.tensor(x.data, x.shape as number[])) as tf.Tensor).dataSync()[0]);
      const penalty = tf.tidy(() =>
        theirs.layers.reduce((sum, l) => {
          const regs = l as unknown as Record<'kernelRegularizer' | 'biasRegularizer', TfApply | undefined>;
          const [k, b] = l.getWeights();
          return sum + (regs.kernelRegularizer?.apply(k).dataSync()[0] ?? 0) + (b && regs.biasRegularizer ? regs.biasRegularizer.apply(b).dataSync()[0] : 0);
        }, 0),
      );
      const tfHistory = await theirs.fit(tf.tensor(x.data, x.shape as number[]), tf.tensor(y.data, y.shape as number[]), { epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
      const tfLoss = tfHistory.history.loss as number[];
      expect(history.history.loss[0]).toBeCloseTo(tfLoss[0], 5);
      expect(history.history.loss[1]).toBeCloseTo(tfLoss[1], 5);
      expect(penalty).toBeGreaterThan(1e-3);
      expect(history.history.loss[0]).toBeCloseTo(dataLoss + penalty, 5);
      const after = theirs.getWeights().map((t) => t.dataSync() as Float32Array);
      model.getWeights().forEach((w, i) => expect(w.data).toBeAllClose(after[i], CLOSE));
      theirs.dispose();
    });
  }

  it('the penalty is l1·Σ|w| + l2·Σw², its gradient l1·sign(w) + 2·l2·w (Keras 3 formulas)', () => {
    const r = regularizers.l1l2({ l1: 0.1, l2: 0.2 });
    const w = Float32Array.from([1, -2, 0, 0.5]);
    const g = new Float32Array(4);
    expect(r.apply(w, g)).toBeCloseTo(0.1 * 3.5 + 0.2 * 5.25, 10);
    expect(Array.from(g)).toEqual([0.1 + 0.4, -0.1 - 0.8, 0, 0.1 + 0.2].map((v) => Math.fround(v)));
    expect(regularizers.l1().config).toEqual({ l1: 0.01, l2: 0 });
    expect(regularizers.l2().config).toEqual({ l1: 0, l2: 0.01 });
  });

  it('bad regularizers fail with a LayerwiseError naming the layer', () => {
    expect(() => new Dense({ units: 2, name: 'd', kernelRegularizer: 'l3' as 'l2' })).toThrow(/d: unknown regularizer "l3"/);
    expect(() => regularizers.l2({ l2: -1 })).toThrow(/non-negative/);
    expect(() => regularizers.l2({ l: 1 } as never)).toThrow(/Did you mean "l2"/);
  });
});

const saveTfjs = (model: tf.LayersModel, path: string) => saveTfjsFiles(tf, model, path, false);

describe("regularizers and constraints save and load in TF.js's format, both ways", () => {
  it('tf.regularizers.l2 serializes to L1L2 { l1: 0, l2 }; layerwise writes the same', async () => {
    const tfModel = tf.sequential({
      layers: [tf.layers.dense({ units: 3, inputShape: [4], kernelRegularizer: tf.regularizers.l2({ l2: 0.02 }), biasRegularizer: tf.regularizers.l1({ l1: 0.03 }), kernelConstraint: tf.constraints.maxNorm({ maxValue: 1.5, axis: 0 }), biasConstraint: tf.constraints.nonNeg() })],
    });
    const tfPath = join(dir, 'from-tfjs');
    await saveTfjs(tfModel, tfPath);
    const tfLayer = readModelJSON(tfPath).modelTopology.config.layers[0].config;
    expect(tfLayer.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.02 } });

    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [4], kernelRegularizer: regularizers.l2({ l2: 0.02 }), biasRegularizer: regularizers.l1({ l1: 0.03 }), kernelConstraint: constraints.maxNorm({ maxValue: 1.5, axis: 0 }), biasConstraint: 'nonNeg' })] });
    const ourPath = join(dir, 'from-layerwise');
    await model.save(ourPath);
    const ourLayer = readModelJSON(ourPath).modelTopology.config.layers[0].config;
    for (const key of ['kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint']) expect(ourLayer[key]).toEqual(tfLayer[key]);

    // TF.js's file in layerwise, and layerwise's in TF.js: the same settings come back.
    const back = await loadModel(tfPath);
    expect(back.layers[0].getConfig()).toMatchObject({
      kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.02 } },
      biasRegularizer: { className: 'L1L2', config: { l1: 0.03, l2: 0 } },
      kernelConstraint: { className: 'MaxNorm', config: { maxValue: 1.5, axis: 0 } },
      biasConstraint: { className: 'NonNeg', config: {} },
    });
    const loaded = await tf.loadLayersModel(fromDirectory(tf, ourPath));
    const cfg = loaded.layers[0].getConfig();
    expect(cfg.kernelRegularizer).toEqual({ className: 'L1L2', config: { l1: 0, l2: 0.02 } });
    expect(cfg.kernelConstraint).toEqual({ className: 'MaxNorm', config: { maxValue: 1.5, axis: 0 } });
    expect(cfg.biasConstraint).toEqual({ className: 'NonNeg', config: {} });
    // And a layerwise round trip keeps them.
    const again = await loadModel(ourPath);
    expect(again.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
    tfModel.dispose();
    loaded.dispose();
  });

  it("Keras 3's L1 and L2 class names load too", async () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
    const path = join(dir, 'keras3');
    await model.save(path);
    const json = readModelJSON(path);
    const layer = json.modelTopology.config.layers[0].config;
    layer.kernel_regularizer = { class_name: 'L2', config: { l2: 0.5 } };
    layer.bias_regularizer = { class_name: 'L1', config: { l1: 0.25 } };
    writeFileSync(join(path, 'model.json'), JSON.stringify(json));
    const back = await loadModel(path);
    expect(back.layers[0].getConfig()).toMatchObject({
      kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.5 } },
      biasRegularizer: { className: 'L1L2', config: { l1: 0.25, l2: 0 } },
    });
  });
});

describe('constraints', () => {
  const shapes: number[][] = [[4, 3], [3, 2, 4], [2, 2, 3, 2]];
  const pairs: [string, () => { apply(w: Float32Array, shape: number[]): void }, () => TfApply][] = [
    ['maxNorm({ maxValue: 0.8 })', () => constraints.maxNorm({ maxValue: 0.8 }), () => tf.constraints.maxNorm({ maxValue: 0.8 })],
    ['maxNorm({ maxValue: 1, axis: [0, 1] })', () => constraints.maxNorm({ maxValue: 1, axis: [0, 1] }), () => tf.constraints.maxNorm({ maxValue: 1, axis: [0, 1] as unknown as number })],
    ['maxNorm({ maxValue: 0.5, axis: 1 })', () => constraints.maxNorm({ maxValue: 0.5, axis: 1 }), () => tf.constraints.maxNorm({ maxValue: 0.5, axis: 1 })],
    ['nonNeg()', () => constraints.nonNeg(), () => tf.constraints.nonNeg()],
    ['unitNorm()', () => constraints.unitNorm(), () => tf.constraints.unitNorm({})],
    ['unitNorm({ axis: -1 })', () => constraints.unitNorm({ axis: -1 }), () => tf.constraints.unitNorm({ axis: -1 })],
    ['minMaxNorm({ minValue: 0.5, maxValue: 0.9, rate: 0.7 })', () => constraints.minMaxNorm({ minValue: 0.5, maxValue: 0.9, rate: 0.7 }), () => tf.constraints.minMaxNorm({ minValue: 0.5, maxValue: 0.9, rate: 0.7 })],
    ['minMaxNorm() (0, 1, rate 1)', () => constraints.minMaxNorm(), () => tf.constraints.minMaxNorm({})],
  ];
  for (const [name, ours, theirs] of pairs) {
    it(`${name} = tf.constraints.*.apply, on kernels of rank 2, 3 and 4`, () => {
      for (const shape of shapes) {
        const w = randomUniform(shape, -1, 1, rng);
        const expected = tf.tidy(() => theirs().apply(tf.tensor(w.data, shape)).dataSync() as Float32Array);
        const got = Float32Array.from(w.data);
        ours().apply(got, shape);
        expect(got).toBeAllClose(expected, CLOSE);
      }
    });
  }

  it("fit applies them after each step (Keras 3's rule: w ← constraint(w) after the optimizer's update)", async () => {
    const x = randomUniform([N, 4], -1, 1, rng);
    const y = randomUniform([N, 3], -1, 1, rng);
    const make = (constrained: boolean) =>
      new Sequential({
        layers: [new Dense({ units: 3, inputShape: [4], ...(constrained ? { kernelConstraint: constraints.maxNorm({ maxValue: 0.5 }), biasConstraint: 'nonNeg' as const } : {}) })],
      });
    const init = [randomUniform([4, 3], -1, 1, rng), randomUniform([3], -1, 1, rng)];
    const ours = make(true);
    ours.setWeights(init);
    ours.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'meanSquaredError' });
    await ours.fit(x, y, { epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
    // The reference: an unconstrained model stepped once at a time, projected by TF.js's constraints between steps.
    const ref = make(false);
    ref.setWeights(init);
    ref.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'meanSquaredError' });
    for (let step = 0; step < 2; step++) {
      await ref.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
      const [k, b] = ref.getWeights();
      const projected = tf.tidy(() => [
        tf.constraints.maxNorm({ maxValue: 0.5 }).apply(tf.tensor(k.data, k.shape as number[])).dataSync() as Float32Array,
        tf.constraints.nonNeg().apply(tf.tensor(b.data, b.shape as number[])).dataSync() as Float32Array,
      ]);
      k.data.set(projected[0]);
      b.data.set(projected[1]);
      ref.setWeights([k, b]);
    }
    const [k, b] = ours.getWeights();
    const [rk, rb] = ref.getWeights();
    expect(k.data).toBeAllClose(rk.data, CLOSE);
    expect(b.data).toBeAllClose(rb.data, CLOSE);
    expect(b.data.every((v) => v >= 0)).toBe(true);
    for (let j = 0; j < 3; j++) expect(Math.hypot(k.data[j], k.data[3 + j], k.data[6 + j], k.data[9 + j])).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it('constraints round-trip in layerwise (MinMaxNorm, UnitNorm with a list axis) and TF.js loads them', async () => {
    const model = new Sequential({
      layers: [new Conv2D({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1], kernelConstraint: constraints.unitNorm({ axis: [0, 1, 2] }), biasConstraint: constraints.minMaxNorm({ minValue: 0.1, maxValue: 2, rate: 0.5 }) })],
    });
    const path = join(dir, 'constraints');
    await model.save(path);
    const layer = readModelJSON(path).modelTopology.config.layers[0].config;
    expect(layer.kernel_constraint).toEqual({ class_name: 'UnitNorm', config: { axis: [0, 1, 2] } });
    expect(layer.bias_constraint).toEqual({ class_name: 'MinMaxNorm', config: { min_value: 0.1, max_value: 2, rate: 0.5, axis: 0 } });
    const back = await loadModel(path);
    expect(back.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers[0].getConfig().biasConstraint).toEqual({ className: 'MinMaxNorm', config: { minValue: 0.1, maxValue: 2, rate: 0.5, axis: 0 } });
    loaded.dispose();
  });
});

/**
 * The activity regularizer, against a float64 reference written out here (TF.js 4.22 cannot build
 * a layer with one): Keras 3 adds activity_regularizer(output) to the loss, summed over the batch.
 */
describe('activityRegularizer', () => {
  const IN = 3;
  const x = randomUniform([N, IN], -1, 1, rng);

  /** Two full-batch SGD steps of Dense(units, act) on loss(y, t) + l1·Σ|y| + l2·Σy², in float64. */
  function reference(units: number, act: 'tanh' | 'sigmoid', lossKind: 'mse' | 'bce', t: Float64Array, k0: Tensor, b0: Tensor, l1: number, l2: number, lr: number) {
    const k = Float64Array.from(k0.data);
    const b = Float64Array.from(b0.data);
    const losses: number[] = [];
    for (let step = 0; step < 2; step++) {
      const dk = new Float64Array(k.length);
      const db = new Float64Array(b.length);
      let loss = 0;
      for (let n = 0; n < N; n++) {
        for (let u = 0; u < units; u++) {
          let z = b[u];
          for (let i = 0; i < IN; i++) z += x.data[n * IN + i] * k[i * units + u];
          const y = act === 'tanh' ? Math.tanh(z) : 1 / (1 + Math.exp(-z));
          const target = t[n * units + u];
          loss += lossKind === 'mse' ? (y - target) ** 2 / (N * units) : -(target * Math.log(y) + (1 - target) * Math.log(1 - y)) / (N * units);
          loss += l1 * Math.abs(y) + l2 * y * y;
          const dy = (lossKind === 'mse' ? (2 * (y - target)) / (N * units) : (y - target) / (y * (1 - y) * N * units)) + l1 * Math.sign(y) + 2 * l2 * y;
          const dz = dy * (act === 'tanh' ? 1 - y * y : y * (1 - y));
          db[u] += dz;
          for (let i = 0; i < IN; i++) dk[i * units + u] += x.data[n * IN + i] * dz;
        }
      }
      losses.push(loss);
      for (let i = 0; i < k.length; i++) k[i] -= lr * dk[i];
      for (let i = 0; i < b.length; i++) b[i] -= lr * db[i];
    }
    return { losses, k, b };
  }

  const runs: [string, number, 'tanh' | 'sigmoid', 'mse' | 'bce', number, number][] = [
    ['Dense tanh + mse, activity l2({ l2: 0.05 })', 3, 'tanh', 'mse', 0, 0.05],
    ['Dense tanh + mse, activity l1l2({ l1: 0.02, l2: 0.1 })', 2, 'tanh', 'mse', 0.02, 0.1],
    ['Dense sigmoid + binaryCrossentropy (the loss reads the logits), activity l1({ l1: 0.03 })', 1, 'sigmoid', 'bce', 0.03, 0],
  ];
  for (const [name, units, act, lossKind, l1, l2] of runs) {
    it(`${name}: loss and weights after 2 SGD steps = the float64 reference`, async () => {
      const t = Float64Array.from({ length: N * units }, (_, i) => (lossKind === 'bce' ? i % 2 : Math.sin(i)));
      const k0 = randomUniform([IN, units], -1, 1, rng);
      const b0 = randomUniform([units], -0.5, 0.5, rng);
      const activityRegularizer = l1 && l2 ? regularizers.l1l2({ l1, l2 }) : l1 ? regularizers.l1({ l1 }) : regularizers.l2({ l2 });
      const model = new Sequential({ layers: [new Dense({ units, activation: act, inputShape: [IN], activityRegularizer })] });
      model.setWeights([k0, b0]);
      model.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: lossKind === 'mse' ? 'meanSquaredError' : 'binaryCrossentropy' });
      const history = await model.fit(x, tensor(Float32Array.from(t), [N, units]), { epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
      const ref = reference(units, act, lossKind, t, k0, b0, l1, l2, 0.5);
      expect(history.history.loss[0]).toBeCloseTo(ref.losses[0], 5);
      expect(history.history.loss[1]).toBeCloseTo(ref.losses[1], 5);
      const [k, b] = model.getWeights();
      expect(k.data).toBeAllClose(Float32Array.from(ref.k), CLOSE);
      expect(b.data).toBeAllClose(Float32Array.from(ref.b), CLOSE);
    });
  }

  it('Conv1D (kernel size 1 over one step: the same function as Dense) with activity l2 = the float64 reference', async () => {
    const units = 2;
    const t = Float64Array.from({ length: N * units }, (_, i) => Math.cos(i));
    const k0 = randomUniform([IN, units], -1, 1, rng);
    const b0 = randomUniform([units], -0.5, 0.5, rng);
    const model = new Sequential({ layers: [new Conv1D({ filters: units, kernelSize: 1, activation: 'tanh', inputShape: [1, IN], activityRegularizer: regularizers.l2({ l2: 0.05 }) })] });
    model.setWeights([tensor(Float32Array.from(k0.data), [1, IN, units]), b0]);
    model.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const history = await model.fit(tensor(Float32Array.from(x.data), [N, 1, IN]), tensor(Float32Array.from(t), [N, 1, units]), { epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
    const ref = reference(units, 'tanh', 'mse', t, k0, b0, 0, 0.05, 0.5);
    expect(history.history.loss[0]).toBeCloseTo(ref.losses[0], 5);
    expect(history.history.loss[1]).toBeCloseTo(ref.losses[1], 5);
    const [k, b] = model.getWeights();
    expect(k.data).toBeAllClose(Float32Array.from(ref.k), CLOSE);
    expect(b.data).toBeAllClose(Float32Array.from(ref.b), CLOSE);
  });

  it("is kept in layerwise's metadata on export: TF.js loads the file (without it), layerwise gets it back", async () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3], activityRegularizer: 'l2', kernelRegularizer: 'l1' })] });
    const path = join(dir, 'activity');
    await model.save(path);
    const json = readModelJSON(path);
    expect(json.modelTopology.config.layers[0].config.activity_regularizer).toBeUndefined();
    expect(JSON.stringify(json.userDefinedMetadata.layerwise.layerSettings)).toContain('"activityRegularizer":{"className":"L1L2","config":{"l1":0,"l2":0.01}}');
    const back = await loadModel(path);
    expect(back.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers[0].getConfig().activityRegularizer ?? null).toBeNull();
    loaded.dispose();
  });
});

describe('frozen weights are not regularized (Keras 3 sums the penalties of the trainable weights only)', () => {
  it('a frozen Dense, Embedding and LSTM add nothing to the loss and no gradient; unfrozen, they do', () => {
    const x = [[1, 2, 0], [3, 1, 2]];
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 4, outputDim: 2, embeddingsRegularizer: 'l2', inputShape: [3] }),
        new LSTM({ units: 2, kernelRegularizer: 'l2', recurrentRegularizer: 'l1' }),
        new Dense({ units: 1, kernelRegularizer: regularizers.l2({ l2: 0.5 }), biasRegularizer: 'l1' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const y = [[0], [1]];
    const penalty = () => model.layers.reduce((sum, layer) => sum + layer.regularizationLoss(false), 0);
    const before = penalty();
    expect(before).toBeGreaterThan(0);
    // testOnBatch's loss includes the penalty, as Keras 3's test step does.
    const withPenalty = model.testOnBatch(x, y) as number;
    for (const layer of model.layers) layer.trainable = false;
    expect(penalty()).toBe(0);
    const plain = model.testOnBatch(x, y) as number;
    expect(withPenalty - plain).toBeCloseTo(before, 6);
    expect(model.trainOnBatch(x, y)).toBeCloseTo(plain, 6);
    for (const layer of model.layers) layer.trainable = true;
    expect(penalty()).toBeGreaterThan(0);
  });
});

describe('evaluate and val_loss include the regularizers\' penalty (Keras 3\'s test step; TF.js 4.22 leaves it out)', () => {
  it('evaluate = the plain loss + the penalty; val_loss on the training data equals evaluate after the epoch; the crossentropy metric is the fit alone', async () => {
    const x = [[1, 2], [3, -1], [0.5, 0.5]];
    const y = [[1, 0], [0, 1], [1, 0]];
    const model = new Sequential({ layers: [new Dense({ units: 2, activation: 'softmax', kernelRegularizer: regularizers.l2({ l2: 0.3 }), inputShape: [2] })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'categoricalCrossentropy', metrics: ['categorical_crossentropy'] });
    const pred = model.predict(x).data;
    const plain = -y.reduce((sum, row, i) => sum + row.reduce((s, t, k) => s + t * Math.log(pred[i * 2 + k]), 0), 0) / 3;
    const kernel = model.layers[0].getWeights()[0].data;
    const l2 = 0.3 * kernel.reduce((sum, w) => sum + w * w, 0);
    const logs = model.evaluate(x, y);
    expect(logs.loss).toBeCloseTo(plain + l2, 5);
    expect(logs.categorical_crossentropy).toBeCloseTo(plain, 5);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 3, validationData: [x, y], verbose: 0 });
    const after = model.evaluate(x, y);
    expect(history.history.val_loss[0]).toBeCloseTo(after.loss, 6);
    expect(history.history.val_categorical_crossentropy[0]).toBeCloseTo(after.categorical_crossentropy, 6);
  });
});
