/**
 * The new optimizers through TF.js files, both ways: TF.js's Adagrad, Adadelta and Adamax load in
 * layerwise with their settings; layerwise writes a TF.js trainingConfig only where TF.js computes
 * the same updates (Adagrad at epsilon 1e-7, Adamax, Adam without amsgrad, none with clipping or
 * weight decay), and TF.js compiles the loaded model with it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adadelta, Adagrad, Adam, Adamax, AdamW, Dense, loadModel, Nadam, SGD, Sequential, serializeModel, type Optimizer } from 'layerwise';
import { readModelJSON, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles } from './tfjs-helpers';

const dir = tempDir('layerwise-optimizers-io-');

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
});

const saveTfjs = (model: tf.LayersModel, path: string, includeOptimizer = true) => saveTfjsFiles(tf, model, path, includeOptimizer);

function tfjsModel(optimizer: tf.Optimizer): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [4], units: 3 }));
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

describe('TF.js models compiled with tf.train.adagrad, adadelta, adamax load with those settings', () => {
  it('Adagrad', async () => {
    const m = tfjsModel(tf.train.adagrad(0.05, 0.3));
    // One step, so that TF.js writes its accumulators too.
    await m.fit(tf.ones([2, 4]), tf.zeros([2, 3]), { epochs: 1, verbose: 0 });
    const path = join(dir, 'tfjs-adagrad');
    await saveTfjs(m, path);
    expect(readModelJSON(path).trainingConfig.optimizer_config.class_name).toBe('Adagrad');
    const { optimizer } = (await loadModel(path)).compileSettings!;
    expect(optimizer).toBeInstanceOf(Adagrad);
    // TF.js has no epsilon setting; it adds 1e-7 on the cpu backend, Keras's default.
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.05, initialAccumulatorValue: 0.3, epsilon: 1e-7 });
  });

  it('Adadelta (read; layerwise goes on with Keras 3 rule)', async () => {
    const path = join(dir, 'tfjs-adadelta');
    await saveTfjs(tfjsModel(tf.train.adadelta(0.5, 0.9, 1e-6)), path);
    const { optimizer } = (await loadModel(path)).compileSettings!;
    expect(optimizer).toBeInstanceOf(Adadelta);
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.5, rho: 0.9, epsilon: 1e-6 });
  });

  it("Adamax (TF.js 4.22 cannot save Adamax's state, so its trainingConfig is put in by hand, as TF.js writes it)", async () => {
    const adamax = tf.train.adamax(0.02, 0.8, 0.99, 1e-6);
    expect(adamax.getClassName()).toBe('Adamax');
    const path = join(dir, 'tfjs-adamax');
    await saveTfjs(tfjsModel(tf.train.sgd(0.1)), path);
    const json = readModelJSON(path);
    json.trainingConfig.optimizer_config = { class_name: adamax.getClassName(), config: adamax.getConfig() };
    writeFileSync(join(path, 'model.json'), JSON.stringify(json));
    expect(JSON.parse(readFileSync(join(path, 'model.json'), 'utf8')).trainingConfig.optimizer_config.config).toEqual({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, decay: 0 });
    const { optimizer } = (await loadModel(path)).compileSettings!;
    expect(optimizer).toBeInstanceOf(Adamax);
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
  });
});

/** A one-layer layerwise model compiled with `optimizer`, saved; returns its directory. */
async function saved(optimizer: Optimizer, name: string): Promise<string> {
  const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
  model.compile({ optimizer, loss: 'mse' });
  const path = join(dir, name);
  await model.save(path);
  return path;
}

describe('layerwise models load in TF.js with their optimizer where TF.js computes the same', () => {
  it('Adagrad → TF.js Adagrad with its settings', async () => {
    const path = await saved(new Adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.2 }), 'adagrad');
    expect(readModelJSON(path).trainingConfig.optimizer_config).toEqual({ class_name: 'Adagrad', config: { learningRate: 0.05, initialAccumulatorValue: 0.2 } });
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.optimizer.getClassName()).toBe('Adagrad');
    expect(loaded.optimizer.getConfig()).toEqual({ learningRate: 0.05, initialAccumulatorValue: 0.2 });
  });

  it('Adamax → TF.js Adamax with its settings and decay 0', async () => {
    const path = await saved(new Adamax({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }), 'adamax');
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.optimizer.getClassName()).toBe('Adamax');
    expect(loaded.optimizer.getConfig()).toEqual({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, decay: 0 });
  });

  it('no trainingConfig where TF.js would compute other updates; the settings stay in layerwise metadata', async () => {
    const others: [string, Optimizer][] = [
      ['Adadelta', new Adadelta()],
      ['Nadam', new Nadam()],
      ['AdamW', new AdamW()],
      ['Adam with amsgrad', new Adam({ amsgrad: true })],
      ['Adagrad at epsilon 1e-6', new Adagrad({ epsilon: 1e-6 })],
      ['SGD with clipnorm', new SGD({ clipnorm: 1 })],
      ['Adam with clipvalue', new Adam({ clipvalue: 1 })],
      ['Adamax with globalClipnorm', new Adamax({ globalClipnorm: 1 })],
      ['Adagrad with weightDecay', new Adagrad({ weightDecay: 0.01 })],
    ];
    for (const [name, optimizer] of others) {
      const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
      model.compile({ optimizer, loss: 'mse' });
      const { modelJSON } = serializeModel(model);
      expect(modelJSON.trainingConfig, name).toBeUndefined();
      expect((modelJSON.userDefinedMetadata as { layerwise: { compile: { optimizer: unknown } } }).layerwise.compile.optimizer, name).toEqual({
        className: optimizer.className,
        config: optimizer.getConfig(),
      });
    }
    // Without any of them, the same optimizers are written for TF.js.
    for (const optimizer of [new Adam(), new Adagrad(), new Adamax(), new SGD({ weightDecay: 0 })]) {
      const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
      model.compile({ optimizer, loss: 'mse' });
      expect(serializeModel(model).modelJSON.trainingConfig, optimizer.className).toBeDefined();
    }
  });

  it('a layerwise file keeps the base options and amsgrad', async () => {
    for (const optimizer of [new Adam({ amsgrad: true, clipnorm: 2 }), new AdamW({ weightDecay: 0.01, globalClipnorm: 1 }), new Nadam({ clipvalue: 0.5 })]) {
      const path = await saved(optimizer, `keeps-${optimizer.className}`);
      const loaded = (await loadModel(path)).compileSettings!.optimizer;
      expect(loaded.className).toBe(optimizer.className);
      expect(loaded.getConfig()).toEqual(optimizer.getConfig());
    }
  });
});
