/**
 * Saving and loading Embedding, Permute, RepeatVector, Rescaling, Normalization and models built
 * with an InputLayer: layerwise round trips through files and through memory, bit for bit; TF.js
 * (@tensorflow/tfjs 4.22, cpu backend) loading layerwise's files with `tf.loadLayersModel`, and
 * layerwise loading files TF.js saved, every reference value computed by TF.js inside the test.
 * TF.js has no Normalization: saving one warns, and layerwise's own file still round trips.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  constraints,
  Dense,
  Embedding,
  Flatten,
  initializers,
  InputLayer,
  loadModel,
  Normalization,
  Permute,
  regularizers,
  RepeatVector,
  Rescaling,
  Rng,
  Sequential,
  SGD,
  tensor,
  type Tensor,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectTrainsOnAlike, inputs, randomizeWeights, readModelJSON, roundTrips, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles, tfPredict, useTfjsCpu } from './tfjs-helpers';

const dir = tempDir();

useTfjsCpu(tf);
afterEach(() => vi.restoreAllMocks());

const { roundTrip } = roundTrips(dir);

/** Ids in [0, inputDim), some of them 0. */
function ids(shape: number[], inputDim: number, seed = 3): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: size }, () => rng.int(inputDim)), shape);
}

/** Predictions, weights, configs, class names, name and summary survive both round trips, bit for bit. */
async function expectSameModel(model: Sequential, x: Tensor): Promise<void> {
  const before = bytesOf(model.predict(x));
  for (const copy of await roundTrip(model)) {
    expect(bytesOf(copy.predict(x))).toEqual(before);
    expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
    expect(copy.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
    expect(copy.layers.slice(1).map((l) => l.getConfig())).toEqual(model.layers.slice(1).map((l) => l.getConfig()));
    expect({ ...copy.layers[0].getConfig(), inputShape: undefined }).toEqual({ ...model.layers[0].getConfig(), inputShape: undefined });
    expect(copy.inputShape).toEqual(model.inputShape);
    expect(copy.name).toBe(model.name);
    expect(copy.summary()).toBe(model.summary());
  }
}

/** Randomizes the weights of a model, skipping Normalization's statistics (a variance must stay non-negative). */
function randomize(model: Sequential): void {
  const saved = model.layers.filter((l) => l instanceof Normalization).map((l) => [l, l.getWeights()] as const);
  randomizeWeights(model, 11);
  for (const [layer, weights] of saved) layer.setWeights(weights);
}

describe('each layer survives save + loadModel and serializeModel + modelFromJSON, bit for bit', () => {
  it('Embedding(maskZero) → Dense, the mask passing through Dense', async () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 12, outputDim: 4, maskZero: true, inputShape: [6] }), new Dense({ units: 3 })] });
    randomize(model);
    await expectSameModel(model, ids([5, 6], 12));
  });

  it('Embedding with inputLength, its own initializer, regularizer and constraint → Flatten → Dense', async () => {
    const embedding = new Embedding({
      inputDim: 9,
      outputDim: 3,
      inputLength: 4,
      embeddingsInitializer: initializers.randomNormal({ stddev: 0.5, seed: 2 }),
      embeddingsRegularizer: regularizers.l2({ l2: 0.01 }),
      embeddingsConstraint: constraints.maxNorm({ maxValue: 2 }),
      inputShape: [4],
    });
    const model = new Sequential({ layers: [embedding, new Flatten(), new Dense({ units: 2 })] });
    randomize(model);
    await expectSameModel(model, ids([3, 4], 9));
  });

  it('Dense → RepeatVector → Permute → Rescaling → Dense', async () => {
    const model = new Sequential({
      layers: [new Dense({ units: 3, inputShape: [5] }), new RepeatVector({ n: 4 }), new Permute({ dims: [2, 1] }), new Rescaling({ scale: 0.5, offset: -0.25 }), new Dense({ units: 2 })],
    });
    randomize(model);
    await expectSameModel(model, inputs([4, 5]));
  });

  it('an adapted Normalization → Dense, and a Normalization given its statistics, inverted', async () => {
    const norm = new Normalization();
    norm.adapt(inputs([20, 3], 4));
    const model = new Sequential({ layers: [norm, new Dense({ units: 3 }), new Normalization({ mean: [1, 2, 3], variance: [4, 0.5, 2], invert: true })] });
    randomize(model);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await expectSameModel(model, inputs([4, 3]));
    // Its weights are the statistics, not trainable, in Keras 3's order.
    expect(model.nonTrainableWeights.map((p) => p.name.split('/')[1])).toEqual(['mean', 'variance', 'count']);
  });

  it('a trained Embedding model keeps its weights and its momentum: training on from the copy equals training on', async () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 8, outputDim: 3, inputShape: [4] }), new Flatten(), new Dense({ units: 1 })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'mse' });
    await model.fit(ids([8, 4], 8, 1), inputs([8, 1], 2), { epochs: 2, verbose: 0 });
    const [copy] = await roundTrip(model);
    await expectTrainsOnAlike(model, copy, ids([8, 4], 8, 6), inputs([8, 1], 7));
  });
});

describe('files written otherwise', () => {
  it("Keras 3's form of a Normalization config (axis as a list, mean and variance null) loads as layerwise's", async () => {
    const norm = new Normalization({ name: 'norm_keras' });
    norm.adapt(inputs([10, 2], 3));
    const model = new Sequential({ layers: [norm, new Dense({ units: 1 })] });
    const path = join(dir, 'normalization-keras3');
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await model.save(path);
    const file = join(path, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(json.modelTopology.config.layers[0].config, { axis: [-1], mean: null, variance: null });
    writeFileSync(file, JSON.stringify(json));
    const loaded = await loadModel(path);
    expect(loaded.layers[0].getConfig()).toEqual({ ...norm.getConfig(), inputShape: [2] });
    const x = inputs([3, 2], 8);
    expect(bytesOf(loaded.predict(x))).toEqual(bytesOf(model.predict(x)));
  });

  it("an Embedding first with ids of unknown length (TF.js's batch_input_shape [null, null]) fails asking for the input shape", async () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 4, outputDim: 2, inputShape: [3] })] });
    const path = join(dir, 'embedding-unknown-length');
    await model.save(path);
    const file = join(path, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, null];
    writeFileSync(file, JSON.stringify(json));
    await expect(loadModel(path)).rejects.toThrow(/layers\[0\]\.config\.batch_input_shape must be the input shape \[null, \.\.\.dims\], but is \[null,null\]\. layerwise needs the first layer's input shape/);
  });
});

describe('a model built with an InputLayer', () => {
  it('is saved with the shape on its first layer (no InputLayer entry), and loads back the same layers and summary', async () => {
    const model = new Sequential({ name: 'with_input', layers: [new InputLayer({ inputShape: [7] }), new Embedding({ inputDim: 10, outputDim: 2 }), new Flatten(), new Dense({ units: 2 })] });
    randomize(model);
    const path = join(dir, 'input-layer');
    await model.save(path);
    const layers: { class_name: string; config: Record<string, unknown> }[] = readModelJSON(path).modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Embedding', 'Flatten', 'Dense']);
    expect(layers[0].config.batch_input_shape).toEqual([null, 7]);
    await expectSameModel(model, ids([3, 7], 10));
    // The same file as the model declared with inputShape on its first layer.
    const plain = new Sequential({ name: 'with_input', layers: [new Embedding({ inputDim: 10, outputDim: 2, inputShape: [7], name: model.layers[0].name }), new Flatten({ name: model.layers[1].name }), new Dense({ units: 2, name: model.layers[2].name })] });
    plain.setWeights(model.getWeights());
    const plainPath = join(dir, 'input-layer-plain');
    await plain.save(plainPath);
    expect(readModelJSON(plainPath).modelTopology).toEqual(readModelJSON(path).modelTopology);
  });

  it('loads in TF.js, which predicts the same', async () => {
    const model = new Sequential({ layers: [new InputLayer({ batchInputShape: [null, 4] }), new Dense({ units: 3, activation: 'tanh' }), new RepeatVector(2)] });
    randomize(model);
    const path = join(dir, 'input-layer-tfjs');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Dense', 'RepeatVector']);
    const x = inputs([3, 4]);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('TF.js loads layerwise files (tf.loadLayersModel) and predicts the same', () => {
  const CLOSE = { rtol: 1e-5, atol: 1e-5 };

  it('Embedding(maskZero) → Dense → Permute → Flatten-free Rescaling', async () => {
    const model = new Sequential({
      layers: [new Embedding({ inputDim: 15, outputDim: 4, maskZero: true, inputShape: [5] }), new Dense({ units: 3, activation: 'relu' }), new Rescaling({ scale: 2, offset: 1 })],
    });
    randomize(model);
    const path = join(dir, 'tfjs-embedding');
    const warn = vi.spyOn(console, 'warn');
    await model.save(path);
    expect(warn).not.toHaveBeenCalled();
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Embedding', 'Dense', 'Rescaling']);
    expect(loaded.layers[0].getConfig()).toMatchObject({ inputDim: 15, outputDim: 4, maskZero: true });
    const x = ids([4, 5], 15);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });

  it('Embedding → Permute → Flatten → Dense → RepeatVector', async () => {
    const model = new Sequential({
      layers: [new Embedding({ inputDim: 6, outputDim: 3, inputLength: 4, inputShape: [4] }), new Permute({ dims: [2, 1] }), new Flatten(), new Dense({ units: 2 }), new RepeatVector({ n: 3 })],
    });
    randomize(model);
    const path = join(dir, 'tfjs-shapes');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Embedding', 'Permute', 'Flatten', 'Dense', 'RepeatVector']);
    expect(loaded.layers[1].getConfig()).toMatchObject({ dims: [2, 1] });
    expect(loaded.outputs[0].shape).toEqual([null, 3, 2]);
    const x = ids([5, 4], 6);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });

  it('a Normalization model warns on saving that TF.js 4.22 has no such layer', async () => {
    const norm = new Normalization({ name: 'norm_warn' });
    norm.adapt([[1, 2], [3, 4]]);
    const model = new Sequential({ name: 'seq_warn', layers: [norm, new Dense({ units: 1 })] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await model.save(join(dir, 'normalization-warn'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/seq_warn\.save: .*norm_warn \(Normalization\): TF\.js 4\.22 has no Normalization layer: tf\.loadLayersModel cannot load this file \(layerwise's loadModel can\)\./);
  });
});

describe('layerwise loads what TF.js saved and predicts the same', () => {
  it('InputLayer → Embedding(maskZero) → Dense: the InputLayer gives the shape, the mask passes through Dense', async () => {
    const ref = tf.sequential({
      layers: [tf.layers.inputLayer({ inputShape: [6] }), tf.layers.embedding({ inputDim: 11, outputDim: 3, maskZero: true }), tf.layers.dense({ units: 2, activation: 'sigmoid' })],
    });
    const path = join(dir, 'from-tfjs-embedding');
    await saveTfjsFiles(tf, ref, path, false);
    const model = await loadModel(path);
    expect(model.layers.map((l) => l.className)).toEqual(['Embedding', 'Dense']);
    expect(model.inputShape).toEqual([6]);
    expect(model.layers[0].getConfig()).toMatchObject({ inputDim: 11, outputDim: 3, maskZero: true });
    const x = ids([4, 6], 11);
    expect(model.predict(x)).toBeAllClose(tfPredict(tf, ref, x), { rtol: 1e-5, atol: 1e-5 });
    ref.dispose();
  });

  it('Dense → RepeatVector → Permute → Rescaling → Flatten → Dense', async () => {
    const ref = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3] }),
        tf.layers.repeatVector({ n: 2 }),
        tf.layers.permute({ dims: [2, 1] }),
        tf.layers.rescaling({ scale: 1 / 255, offset: 0.5 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const path = join(dir, 'from-tfjs-shapes');
    await saveTfjsFiles(tf, ref, path, false);
    const model = await loadModel(path);
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'RepeatVector', 'Permute', 'Rescaling', 'Flatten', 'Dense']);
    expect(model.layers[3].getConfig()).toMatchObject({ scale: 1 / 255, offset: 0.5 });
    const x = inputs([5, 3]);
    expect(model.predict(x)).toBeAllClose(tfPredict(tf, ref, x), { rtol: 1e-5, atol: 1e-5 });
    ref.dispose();
  });
});
