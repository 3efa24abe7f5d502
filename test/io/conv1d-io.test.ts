/**
 * Saving and loading the sequence layers (Conv1D, MaxPooling1D, AveragePooling1D,
 * GlobalAveragePooling1D, GlobalMaxPooling1D): layerwise round trips through files and through
 * memory, bit for bit; and TF.js (@tensorflow/tfjs 4.22, cpu backend) loading layerwise's files
 * with `tf.loadLayersModel`, every reference value computed by TF.js inside the test.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  AveragePooling1D,
  Conv1D,
  Dense,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  initializers,
  LeakyReLU,
  loadModel,
  MaxPooling1D,
  ReLU,
  Sequential,
  SGD,
  type Layer,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectTrainsOnAlike, inputs, randomizeWeights, readModelJSON, roundTrips, tempDir } from './helpers';
import { fromDirectory, tfPredict, useTfjsCpu } from './tfjs-helpers';

const dir = tempDir();

useTfjsCpu(tf);

const { roundTrip, expectSameModel } = roundTrips(dir);

/** Per-sample sequences of 10 steps and 3 channels. */
const sequence = [10, 3];

describe('every sequence layer survives save + loadModel and serializeModel + modelFromJSON, bit for bit', () => {
  const cases: [string, () => Layer[]][] = [
    ["Conv1D 'valid'", () => [new Conv1D({ filters: 3, kernelSize: 3 })]],
    ["Conv1D 'same', stride 2, sizes as lists of one", () => [new Conv1D({ filters: 3, kernelSize: [2], strides: [2], padding: 'same' })]],
    ["Conv1D 'causal'", () => [new Conv1D({ filters: 2, kernelSize: 4, padding: 'causal' })]],
    ["Conv1D 'causal', stride 2", () => [new Conv1D({ filters: 2, kernelSize: 3, strides: 2, padding: 'causal' })]],
    ["Conv1D 'valid', dilation 2, no bias", () => [new Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2, useBias: false })]],
    ["Conv1D 'same', dilation 2", () => [new Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', biasInitializer: initializers.constant({ value: 0.5 }) })]],
    ["Conv1D 'causal', dilation 2", () => [new Conv1D({ filters: 4, kernelSize: 2, dilationRate: [2], padding: 'causal' })]],
    ['Conv1D with a LeakyReLU instance activation', () => [new Conv1D({ filters: 3, kernelSize: 3, padding: 'same', activation: new LeakyReLU({ alpha: 0.2 }) })]],
    ["Conv1D with the 'leaky_relu' key", () => [new Conv1D({ filters: 3, kernelSize: 3, padding: 'causal', activation: 'leaky_relu' })]],
    ["Conv1D with 'relu' and a ReLU instance (both fused)", () => [new Conv1D({ filters: 3, kernelSize: 2, activation: 'relu' }), new Conv1D({ filters: 2, kernelSize: 2, activation: new ReLU() })]],
    ['Conv1D with its own seed and initializer', () => [new Conv1D({ filters: 2, kernelSize: 3, seed: 5, kernelInitializer: initializers.heNormal({ seed: 1 }) })]],
    ["MaxPooling1D 'same', pool 3, stride 2", () => [new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' })]],
    ["MaxPooling1D 'valid', defaults", () => [new MaxPooling1D()]],
    ["AveragePooling1D 'valid', pool [3]", () => [new AveragePooling1D({ poolSize: [3] })]],
    ["AveragePooling1D 'same', stride 1", () => [new AveragePooling1D({ poolSize: 2, strides: 1, padding: 'same' })]],
    ['GlobalAveragePooling1D', () => [new GlobalAveragePooling1D()]],
    ['GlobalMaxPooling1D', () => [new GlobalMaxPooling1D()]],
    [
      'a whole net: causal Conv1D → MaxPooling1D → dilated Conv1D → AveragePooling1D → GlobalMaxPooling1D → Dense',
      () => [
        new Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', activation: 'relu' }),
        new MaxPooling1D({ padding: 'same' }),
        new Conv1D({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', activation: new LeakyReLU({ alpha: 0.1 }) }),
        new AveragePooling1D({ poolSize: 2, strides: 1 }),
        new GlobalMaxPooling1D(),
        new Dense({ units: 2, activation: 'softmax' }),
      ],
    ],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const model = new Sequential({ layers: [new Dense({ units: sequence[1], inputShape: sequence }), ...make()] });
      await expectSameModel(model, sequence);
    });
  }

  it('a trained Conv1D model keeps its weights, compile settings and optimizer state', async () => {
    const model = new Sequential({
      layers: [new Conv1D({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'leaky_relu', inputShape: sequence }), new GlobalAveragePooling1D(), new Dense({ units: 1 })],
    });
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'mse' });
    await model.fit(inputs([8, ...sequence]), inputs([8, 1], 2), { epochs: 2, verbose: 0 });
    const x = inputs([4, ...sequence], 5);
    for (const copy of await roundTrip(model)) {
      expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
      expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
      expect(copy.compileSettings?.optimizer.getConfig()).toEqual({ learningRate: 0.05, momentum: 0.9, nesterov: false });
    }
    // Training on from the copy equals training on from the original (the momentum came along).
    const [copy] = await roundTrip(model);
    await expectTrainsOnAlike(model, copy, inputs([8, ...sequence], 6), inputs([8, 1], 7));
  });

  it('the file names the Keras classes and writes the sizes as lists of one, in snake_case', async () => {
    const model = new Sequential({
      layers: [
        new Conv1D({ filters: 2, kernelSize: 3, strides: 1, dilationRate: 2, padding: 'same', inputShape: sequence }),
        new MaxPooling1D({ poolSize: 2, padding: 'same' }),
        new AveragePooling1D({ poolSize: 2 }),
        new GlobalAveragePooling1D(),
      ],
    });
    const path = join(dir, 'keras-names');
    await model.save(path);
    const layers: { class_name: string; config: Record<string, unknown> }[] = readModelJSON(path).modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Conv1D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalAveragePooling1D']);
    expect(layers[0].config).toMatchObject({ filters: 2, kernel_size: [3], strides: [1], dilation_rate: [2], padding: 'same', use_bias: true, activation: 'linear' });
    expect(layers[1].config).toMatchObject({ pool_size: [2], strides: [2], padding: 'same' });
    expect(layers[2].config).toMatchObject({ pool_size: [2], strides: [2], padding: 'valid' });
  });
});

describe('a layerwise sequence model loads in TF.js (tf.loadLayersModel) and predicts the same', () => {
  const CLOSE = { rtol: 1e-5, atol: 1e-5 };

  it("Conv1D 'valid' + Conv1D 'same' + MaxPooling1D + GlobalAveragePooling1D + Dense", async () => {
    const model = new Sequential({
      layers: [
        new Conv1D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 3] }),
        new Conv1D({ filters: 3, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' }),
        new MaxPooling1D({ poolSize: 2 }),
        new GlobalAveragePooling1D(),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    randomizeWeights(model, 21);
    const path = join(dir, 'tfjs-sequence');
    await model.save(path);

    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Conv1D', 'Conv1D', 'MaxPooling1D', 'GlobalAveragePooling1D', 'Dense']);
    expect(loaded.layers[1].getConfig()).toMatchObject({ kernelSize: [2], strides: [2], padding: 'same', dilationRate: [1], activation: 'tanh' });
    expect(loaded.outputs[0].shape).toEqual([null, 3]);
    const x = inputs([5, 12, 3], 9);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });

  it("the leaky activations of Conv1D ('leaky_relu' and LeakyReLU instances) are written as LeakyReLU layers TF.js builds; AveragePooling1D 'same' and GlobalMaxPooling1D too", async () => {
    const model = new Sequential({
      layers: [
        new Conv1D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'leaky_relu', inputShape: [9, 2] }),
        new AveragePooling1D({ poolSize: 3, strides: 2, padding: 'same' }),
        new Conv1D({ filters: 3, kernelSize: 2, activation: new LeakyReLU({ alpha: 0.2 }) }),
        new MaxPooling1D({ poolSize: 2, strides: 1, padding: 'same' }),
        new GlobalMaxPooling1D(),
        new Dense({ units: 2 }),
      ],
    });
    randomizeWeights(model, 22);
    const path = join(dir, 'tfjs-leaky');
    await model.save(path);

    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Conv1D', 'LeakyReLU', 'AveragePooling1D', 'Conv1D', 'LeakyReLU', 'MaxPooling1D', 'GlobalMaxPooling1D', 'Dense']);
    expect(loaded.layers.filter((l) => l.getClassName() === 'LeakyReLU').map((l) => l.getConfig().alpha)).toEqual([0.2, 0.2]);
    const x = inputs([4, 9, 2], 10);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    // And the same file comes back to layerwise as it was: the activations fused again, the same outputs.
    const back = await loadModel(path);
    expect(back.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
    expect(back.predict(x)).toBeAllClose(model.predict(x), { rtol: 0, atol: 0 });
  });
});
