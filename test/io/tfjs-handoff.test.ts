/**
 * A model leaves layerwise mid-training and goes on in TF.js (@tensorflow/tfjs 4.22, cpu backend):
 * trained in layerwise, saved, loaded with `tf.loadLayersModel`, compiled and fitted there for two
 * more full-batch steps of plain SGD, it ends with the weights that two more layerwise steps give.
 * Every reference value is computed by TF.js inside the test.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, Conv1D, Dense, Flatten, loadModel, RMSprop, Sequential, SGD, type Optimizer, type Tensor } from 'layerwise';
import { inputs, readModelJSON, tempDir } from './helpers';
import { fromDirectory } from './tfjs-helpers';

const CLOSE = { rtol: 1e-5, atol: 1e-5 };
const dir = tempDir('layerwise-handoff-');

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
});

/** One-hot labels of `n` samples over `classes`, from a fixed pattern. */
function labels(n: number, classes: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: classes }, (_, c) => (c === (i * 7 + 3) % classes ? 1 : 0)));
}

/** The weights of a TF.js model, flattened in TF.js's order (the order layerwise's getWeights gives too). */
function tfWeights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

const cases: { name: string; make: () => Sequential; input: number[]; loss: 'categoricalCrossentropy' | 'meanSquaredError' }[] = [
  {
    name: 'an MLP with softmax and cross-entropy',
    make: () => new Sequential({ layers: [new Dense({ units: 6, activation: 'tanh', inputShape: [5] }), new Dense({ units: 3, activation: 'softmax' })] }),
    input: [5],
    loss: 'categoricalCrossentropy',
  },
  {
    name: 'a Conv1D net with leaky ReLU and mean squared error',
    make: () =>
      new Sequential({
        layers: [new Conv1D({ filters: 4, kernelSize: 3, activation: 'leaky_relu', inputShape: [7, 2] }), new Flatten(), new Dense({ units: 3 })],
      }),
    input: [7, 2],
    loss: 'meanSquaredError',
  },
];

describe('handoff: layerwise trains, TF.js goes on training', () => {
  for (const c of cases) {
    it(`${c.name}: two more SGD steps in TF.js give the weights two more layerwise steps give`, async () => {
      const n = 12;
      const x = inputs([n, ...c.input], 31);
      const y = labels(n, 3);
      const model = c.make();
      model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: c.loss });
      await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      const path = join(dir, c.name.replace(/\W+/g, '-'));
      await model.save(path);

      // TF.js: load, compile with plain SGD, two full-batch steps.
      const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
      loaded.compile({ optimizer: tf.train.sgd(0.1), loss: c.loss });
      await loaded.fit(tf.tensor(x.data, x.shape), tf.tensor2d(y), { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });

      // layerwise: the same two steps.
      await model.fit(x, y, { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });
      const ours = model.getWeights();
      const theirs = tfWeights(loaded);
      expect(ours.length).toBe(theirs.length);
      ours.forEach((w: Tensor, i) => expect(w.data).toBeAllClose(theirs[i], CLOSE));
      // The two steps moved the weights by more than the tolerance: the comparison means something.
      const before = tfWeights(await tf.loadLayersModel(fromDirectory(tf, path)));
      expect(Math.max(...before.map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - theirs[i][j])))))).toBeGreaterThan(1e-3);
    });
  }
});

describe('handoff with the optimizer\'s state: TF.js continues the same momentum and moments', () => {
  // [name, layerwise's optimizer, TF.js's same optimizer started afresh]
  const optimizers: [string, () => Optimizer, () => tf.Optimizer][] = [
    ['SGD with momentum (TF.js Momentum)', () => new SGD({ learningRate: 0.05, momentum: 0.9 }), () => tf.train.momentum(0.05, 0.9)],
    ['SGD with Nesterov momentum', () => new SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true }), () => tf.train.momentum(0.05, 0.8, true)],
    // TF.js adds Adam's epsilon after the bias correction (README): a difference of the order of epsilon, inside 1e-5 here.
    ['Adam', () => new Adam({ learningRate: 0.01 }), () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
    ['RMSprop with momentum (TF.js RMSProp)', () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }), () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7)],
    ['RMSprop without momentum', () => new RMSprop({ learningRate: 0.01 }), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
  ];
  for (const [name, make, afresh] of optimizers) {
    it(`${name}: loaded as saved (no new compile), TF.js's next steps equal layerwise's`, async () => {
      const n = 12;
      const x = inputs([n, 5], 41);
      const y = labels(n, 3);
      const model = cases[0].make();
      model.compile({ optimizer: make(), loss: 'categoricalCrossentropy' });
      await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      const path = join(dir, `state-${name.replace(/\W+/g, '-')}`);
      await model.save(path);

      const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
      expect(loaded.optimizer.iterations).toBe(9);
      await loaded.fit(tf.tensor(x.data, x.shape), tf.tensor2d(y), { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });
      await model.fit(x, y, { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });
      const theirs = tfWeights(loaded);
      model.getWeights().forEach((w, i) => expect(w.data).toBeAllClose(theirs[i], CLOSE));

      // Started afresh, TF.js's optimizer ends elsewhere: the state is what makes them agree.
      const fresh = await tf.loadLayersModel(fromDirectory(tf, path));
      fresh.compile({ optimizer: afresh(), loss: 'categoricalCrossentropy' });
      await fresh.fit(tf.tensor(x.data, x.shape), tf.tensor2d(y), { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });
      const apart = tfWeights(fresh).map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - theirs[i][j]))));
      expect(Math.max(...apart)).toBeGreaterThan(1e-4);
    });
  }

  it('layerwise loads its own file exactly, TF.js\'s optimizer arrays beside its own', async () => {
    const model = cases[0].make();
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    const x = inputs([8, 5], 42);
    await model.fit(x, labels(8, 3), { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    const path = join(dir, 'own');
    await model.save(path);
    const json = readModelJSON(path);
    const groups = json.weightsManifest[0].weights.map((w: { name: string; group?: string; dtype: string }) => [w.name, w.group ?? '', w.dtype]);
    expect(groups).toEqual([
      ['dense_1/kernel', '', 'float32'], ['dense_1/bias', '', 'float32'], ['dense_2/kernel', '', 'float32'], ['dense_2/bias', '', 'float32'],
      ['iter', 'optimizer', 'int32'],
      ['dense_1/kernel/momentum', 'optimizer', 'float32'], ['dense_1/bias/momentum', 'optimizer', 'float32'],
      ['dense_2/kernel/momentum', 'optimizer', 'float32'], ['dense_2/bias/momentum', 'optimizer', 'float32'],
    ].map(([n, g, d]) => [n.replace('dense_1', model.layers[0].name).replace('dense_2', model.layers[1].name), g, d]));
    const back = await loadModel(path);
    expect(back.compileSettings!.optimizer.iterations).toBe(4);
    await back.fit(x, labels(8, 3), { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    await model.fit(x, labels(8, 3), { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    back.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(model.getWeights()[i].data)));
  });
});
