/**
 * Interop with TF.js (@tensorflow/tfjs 4.22, pure JS, cpu backend), both ways, through files on
 * disk: every reference value is computed by TF.js inside the test.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Activation,
  AveragePooling2D,
  BatchNormalization,
  Dropout,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  Reshape,
  ZeroPadding2D,
  Conv2D,
  Dense,
  ELU,
  Flatten,
  LeakyReLU,
  loadModel,
  MaxPooling2D,
  modelFromJSON,
  PReLU,
  ReLU,
  RMSprop,
  serializeModel,
  Sequential,
  SGD,
  Softmax,
  type Layer,
} from 'layerwise';
import { inputs, randomizeWeights, readModelJSON, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles } from './tfjs-helpers';

const CLOSE = { rtol: 1e-5, atol: 1e-5 };
const dir = tempDir();

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
});


const saveTfjs = (model: tf.LayersModel, path: string) => saveTfjsFiles(tf, model, path, true);

function tfPredict(model: tf.LayersModel, x: { data: Float32Array; shape: number[] }): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync() as Float32Array);
}

describe('a layerwise model loads in TF.js (tf.loadLayersModel)', () => {
  it('splits LeakyReLU({ alpha: 0.2 }) out of Conv2D and Dense, and TF.js predicts the same', async () => {
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2], activation: new LeakyReLU({ alpha: 0.2 }) }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 5, activation: new LeakyReLU({ alpha: 0.2 }) }),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    randomizeWeights(model);
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const path = join(dir, 'leaky');
    await model.save(path);

    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    const x = inputs([4, 6, 6, 2]);
    expect(tfPredict(loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    // The file says what TF.js built: each layer-instance activation is a LeakyReLU layer of its own.
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'LeakyReLU', 'MaxPooling2D', 'Flatten', 'Dense', 'LeakyReLU', 'Dense']);
    expect(loaded.layers.filter((l) => l.getClassName() === 'LeakyReLU').map((l) => l.getConfig().alpha)).toEqual([0.2, 0.2]);
    expect(loaded.layers[0].getConfig().activation).toBe('linear');
    // TF.js keeps the metadata and compiles the model from trainingConfig.
    expect((loaded.getUserDefinedMetadata() as any).layerwise.fusedActivations).toHaveLength(2);
    expect(loaded.optimizer.getClassName()).toBe('Momentum');
    expect(loaded.loss).toBe('categoricalCrossentropy');

    // And the same file comes back to layerwise as it was: two layers fused again, the same outputs.
    const back = await loadModel(path);
    expect(back.layers.map((l) => l.className)).toEqual(['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']);
    expect(back.predict(x)).toBeAllClose(model.predict(x), { rtol: 0, atol: 0 });
  });

  it('every activation form TF.js can compute: keys, TF.js spellings and activation layers', async () => {
    const keys = ['relu', 'leaky_relu', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'swish', 'silu', 'softplus', 'softsign', 'hard_sigmoid', 'relu6', 'linear'];
    const instances: Layer[] = [new ReLU(), new ReLU({ maxValue: 0.5 }), new ELU(), new Softmax(), new PReLU(), new Activation({ activation: 'tanh' }), new Activation({ activation: 'leaky_relu' })];
    const layers: Layer[] = [new Dense({ units: 6, inputShape: [5] })];
    for (const activation of [...keys, ...instances]) layers.push(new Dense({ units: 6, activation }));
    layers.push(new Activation({ activation: 'leaky_relu' }), new Activation({ activation: 'silu' }), new LeakyReLU({ alpha: 0.1 }), new BatchNormalization(), new PReLU());
    const model = new Sequential({ layers });
    randomizeWeights(model, 100);
    const path = join(dir, 'all-forms');
    await model.save(path);

    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    const x = inputs([8, 5], 9);
    expect(tfPredict(loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    expect(await loadModel(path).then((m) => m.predict(x))).toBeAllClose(model.predict(x), { rtol: 0, atol: 0 });
  });

  it('every other layer class, with their settings, loads in TF.js and predicts the same', async () => {
    const model = new Sequential({
      layers: [
        new ZeroPadding2D({ padding: [[1, 0], [0, 2]], inputShape: [5, 5, 2] }),
        new Conv2D({ filters: 3, kernelSize: [2, 3], strides: [1, 2], dilationRate: 1, activation: 'relu6' }),
        new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false }),
        new PReLU(),
        new AveragePooling2D({ poolSize: 2, strides: 1, padding: 'same' }),
        new BatchNormalization({ momentum: 0.9, epsilon: 0.01 }),
        new Dropout({ rate: 0.3, seed: 2 }),
        new Reshape({ targetShape: [6, -1] }),
        new Softmax({ axis: -1 }),
        new Reshape({ targetShape: [3, 5, 2] }),
        new GlobalMaxPooling2D(),
        new Reshape({ targetShape: [1, 1, 2] }),
        new GlobalAveragePooling2D(),
      ],
    });
    randomizeWeights(model, 40);
    const path = join(dir, 'others');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    const x = inputs([3, 5, 5, 2], 13);
    expect(tfPredict(loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });

  it('ELU with an alpha other than 1 is written as Keras writes it, which TF.js 4.22 refuses to build', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3], activation: new ELU({ alpha: 0.5 }) })] });
    const path = join(dir, 'elu');
    await model.save(path);
    expect(readModelJSON(path).modelTopology.config.layers[1]).toMatchObject({ class_name: 'ELU', config: { alpha: 0.5 } });
    await expect(tf.loadLayersModel(fromDirectory(tf, path))).rejects.toThrow(/Non-default alpha value \(0\.5\) is not supported by the ELU layer/);
    const x = inputs([3, 3]);
    expect((await loadModel(path)).predict(x)).toBeAllClose(model.predict(x), { rtol: 0, atol: 0 });
  });
});

describe('a model built and saved by TF.js loads in layerwise', () => {
  async function tfjsModel(): Promise<tf.Sequential> {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: 2, useBias: false }));
    m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }));
    m.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dropout({ rate: 0.25 }));
    m.add(tf.layers.dense({ units: 6, activation: 'tanh' }));
    m.add(tf.layers.reLU());
    m.add(tf.layers.dense({ units: 3 }));
    m.add(tf.layers.softmax());
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    // One epoch, so that the moving statistics of BatchNormalization and Adam's state are not trivial.
    const x = tf.randomNormal([16, 8, 8, 2], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    tf.dispose([x, y]);
    return m;
  }

  it('predicts what TF.js predicts, with its compile settings', async () => {
    const source = await tfjsModel();
    const path = join(dir, 'from-tfjs');
    await saveTfjs(source, path);
    const json = readModelJSON(path);
    // TF.js wrote its Adam state with group 'optimizer', and its VarianceScaling initializers.
    expect(json.weightsManifest[0].weights.some((w: { group?: string }) => w.group === 'optimizer')).toBe(true);
    expect(json.modelTopology.config.layers[0].config.kernel_initializer.class_name).toBe('VarianceScaling');

    const model = await loadModel(`file://${path}`);
    expect(model.layers.map((l) => l.className)).toEqual(source.layers.map((l) => l.getClassName()));
    const x = inputs([5, 8, 8, 2], 11);
    expect(model.predict(x)).toBeAllClose(tfPredict(source, x), CLOSE);

    const { optimizer, loss, metrics } = model.compileSettings!;
    expect([optimizer.className, optimizer.learningRate, loss.name, metrics]).toEqual(['Adam', 0.01, 'categoricalCrossentropy', ['accuracy']]);
    // It can go on training.
    const history = await model.fit(x, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]], { epochs: 2, verbose: 0 });
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
  });

  it('loads from memory too, with TF.js dense defaults (glorotNormal) and Momentum', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'hardSigmoid' }));
    m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'heNormal' }));
    m.compile({ optimizer: tf.train.momentum(0.1, 0.9, true), loss: 'binaryCrossentropy' });
    let artifacts!: tf.io.ModelArtifacts;
    const saved = { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } };
    await m.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), saved)), { includeOptimizer: true });
    const { weightData, weightSpecs, ...rest } = artifacts;
    const model = modelFromJSON({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }, weightData as ArrayBuffer);
    const x = inputs([6, 4], 12);
    expect(model.predict(x)).toBeAllClose(tfPredict(m, x), CLOSE);
    const { optimizer } = model.compileSettings!;
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.1, momentum: 0.9, nesterov: true });
    expect(model.layers[1].getConfig().kernelInitializer).toEqual({ className: 'HeNormal', config: { seed: null } });
  });
});

describe('RMSprop travels as TF.js\'s RMSProp', () => {
  it('a layerwise RMSprop is written as RMSProp (decay = rho), and TF.js compiles the loaded model with it', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: new RMSprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-6 }), loss: 'mse' });
    const path = join(dir, 'rmsprop');
    await model.save(path);
    expect(readModelJSON(path).trainingConfig.optimizer_config).toEqual({
      class_name: 'RMSProp',
      config: { learningRate: 0.01, decay: 0.8, momentum: 0.5, epsilon: 1e-6, centered: false },
    });
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.optimizer.getClassName()).toBe('RMSProp');
    expect(loaded.optimizer.getConfig()).toEqual({ learningRate: 0.01, decay: 0.8, momentum: 0.5, epsilon: 1e-6, centered: false });
    // Centered, TF.js computes another rule (epsilon subtracted under the root): no trainingConfig rather than a wrong one.
    model.compile({ optimizer: new RMSprop({ centered: true }), loss: 'mse' });
    expect(serializeModel(model).modelJSON.trainingConfig).toBeUndefined();
  });

  it('a TF.js model compiled with tf.train.rmsprop loads in layerwise with those settings', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 3 }));
    m.compile({ optimizer: tf.train.rmsprop(0.02, 0.85, 0.3, 1e-8), loss: 'meanSquaredError' });
    const path = join(dir, 'tfjs-rmsprop');
    await saveTfjs(m, path);
    const model = await loadModel(path);
    const { optimizer } = model.compileSettings!;
    expect(optimizer).toBeInstanceOf(RMSprop);
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.02, rho: 0.85, momentum: 0.3, epsilon: 1e-8, centered: false });
  });
});

describe('Keras-style files (as TF.js\'s converter writes them from Keras)', () => {
  it('an InputLayer, batch_shape, dtype policies, model_config and negative_slope are understood', () => {
    const dense = (name: string, units: number, activation: string) => ({
      module: 'keras.layers',
      class_name: 'Dense',
      registered_name: null,
      config: {
        name,
        trainable: true,
        dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
        units,
        activation,
        use_bias: true,
        kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
        bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
        kernel_regularizer: null,
        bias_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        lora_rank: null,
      },
      build_config: { input_shape: [null, 3] },
    });
    const modelJSON = {
      format: 'layers-model',
      generatedBy: 'keras v3.6.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '3.6.0',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential',
            layers: [
              { class_name: 'InputLayer', config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'input_layer' } },
              dense('dense', 4, 'linear'),
              { class_name: 'LeakyReLU', config: { name: 'leaky_re_lu', trainable: true, dtype: 'float32', negative_slope: 0.2 } },
              dense('dense_1', 2, 'sigmoid'),
            ],
          },
        },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'dense/kernel', shape: [3, 4], dtype: 'float32' },
            { name: 'dense/bias', shape: [4], dtype: 'float32' },
            { name: 'dense_1/kernel', shape: [4, 2], dtype: 'float32' },
            { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
          ],
        },
      ],
    };
    const values = inputs([26], 4).data;
    const model = modelFromJSON(modelJSON, new Uint8Array(values.buffer));
    expect(model.layers.map((l) => [l.className, l.name])).toEqual([['Dense', 'dense'], ['LeakyReLU', 'leaky_re_lu'], ['Dense', 'dense_1']]);
    expect(model.inputShape).toEqual([3]);
    expect((model.layers[1] as LeakyReLU).alpha).toBe(0.2);
    expect(model.compileSettings).toBeUndefined();
    // The same in TF.js, from the same weights.
    const reference = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4 }), tf.layers.leakyReLU({ alpha: 0.2 }), tf.layers.dense({ units: 2, activation: 'sigmoid' })],
    });
    reference.setWeights([tf.tensor(values.slice(0, 12), [3, 4]), tf.tensor(values.slice(12, 16)), tf.tensor(values.slice(16, 24), [4, 2]), tf.tensor(values.slice(24))]);
    const x = inputs([3, 3], 5);
    expect(model.predict(x)).toBeAllClose(tfPredict(reference, x), CLOSE);
  });
});
