/**
 * Saving and loading the recurrent layers (SimpleRNN, LSTM, GRU): layerwise round trips through
 * files and through memory, bit for bit; TF.js (@tensorflow/tfjs 4.22, cpu backend) loading
 * layerwise's files with `tf.loadLayersModel`; and layerwise loading the files TF.js writes with
 * `model.save`. Every reference value is computed by TF.js inside the test.
 *
 * TF.js writes a recurrent layer's config flat (no nested `cell`) and its weights as
 * `<layer>/kernel`, `<layer>/recurrent_kernel`, `<layer>/bias`: layerwise writes the same.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense, Embedding, GRU, initializers, LeakyReLU, loadModel, LSTM, Sequential, SGD, SimpleRNN, tensor, type Layer } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectTrainsOnAlike, inputs, randomizeWeights, readModelJSON, roundTrips, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles, tfPredict, useTfjsCpu } from './tfjs-helpers';

const dir = tempDir();

useTfjsCpu(tf);
afterEach(() => vi.restoreAllMocks());

const { roundTrip, expectSameModel } = roundTrips(dir);

/** Per-sample sequences of 6 steps and 3 features. */
const sequence = [6, 3];

describe('every recurrent layer survives save + loadModel and serializeModel + modelFromJSON, bit for bit', () => {
  const cases: [string, () => Layer[]][] = [
    ['SimpleRNN', () => [new SimpleRNN({ units: 4 })]],
    ['SimpleRNN relu, sequences, backwards, no bias', () => [new SimpleRNN({ units: 3, activation: 'relu', returnSequences: true, goBackwards: true, useBias: false })]],
    ['LSTM', () => [new LSTM({ units: 4 })]],
    ['LSTM, dropout, own seed and initializers, unitForgetBias false', () => [new LSTM({ units: 3, dropout: 0.2, recurrentDropout: 0.1, seed: 4, unitForgetBias: false, recurrentInitializer: initializers.orthogonal({ gain: 2, seed: 1 }) })]],
    ['stacked LSTM(returnSequences) + GRU', () => [new LSTM({ units: 4, returnSequences: true }), new GRU({ units: 3 })]],
    ['GRU resetAfter true (Keras 3 default)', () => [new GRU({ units: 4 })]],
    ['LSTM with a LeakyReLU instance as activation and leaky_relu gates', () => [new LSTM({ units: 3, activation: new LeakyReLU({ alpha: 0.2 }), recurrentActivation: 'leaky_relu' })]],
    ['SimpleRNN with the silu key', () => [new SimpleRNN({ units: 3, activation: 'silu' })]],
    ['LSTM and GRU with regularizers and constraints', () => [new LSTM({ units: 3, returnSequences: true, kernelRegularizer: 'l2', recurrentRegularizer: 'l1', biasConstraint: 'nonNeg' }), new GRU({ units: 2, recurrentConstraint: 'maxNorm', biasRegularizer: 'l1_l2' })]],
    ['GRU resetAfter false, zeroOutputForMask, recurrentActivation hard_sigmoid', () => [new GRU({ units: 2, resetAfter: false, returnSequences: true, zeroOutputForMask: true, recurrentActivation: 'hard_sigmoid' })]],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      const model = new Sequential({ layers: [new Dense({ units: sequence[1], inputShape: sequence }), ...make()] });
      await expectSameModel(model, sequence);
    });
  }

  it('a trained LSTM model keeps its weights and optimizer state: training on from the copy equals training on', async () => {
    const model = new Sequential({ layers: [new LSTM({ units: 4, inputShape: sequence, returnSequences: true }), new GRU({ units: 3, resetAfter: false }), new Dense({ units: 1 })] });
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'mse' });
    await model.fit(inputs([8, ...sequence]), inputs([8, 1], 2), { epochs: 2, verbose: 0 });
    const [copy] = await roundTrip(model);
    const x = inputs([4, ...sequence], 5);
    expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
    await expectTrainsOnAlike(model, copy, inputs([8, ...sequence], 6), inputs([8, 1], 7));
  });

  it("the file holds TF.js's flat config, in snake_case, and TF.js's weight names", async () => {
    const model = new Sequential({ layers: [new LSTM({ units: 2, inputShape: sequence, returnSequences: true, name: 'lstm_a' }), new GRU({ units: 2, resetAfter: false, name: 'gru_b' })] });
    const path = join(dir, 'keras-names');
    await model.save(path);
    const json = readModelJSON(path);
    const layers: { class_name: string; config: Record<string, unknown> }[] = json.modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['LSTM', 'GRU']);
    expect(layers[0].config).toMatchObject({
      units: 2,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      unit_forget_bias: true,
      return_sequences: true,
      go_backwards: false,
      dropout: 0,
      recurrent_dropout: 0,
      recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
    });
    expect(layers[0].config.cell).toBeUndefined();
    expect(layers[1].config).toMatchObject({ reset_after: false });
    const names = json.weightsManifest.flatMap((g: { weights: { name: string }[] }) => g.weights.map((w) => w.name));
    expect(names).toEqual(['lstm_a/kernel', 'lstm_a/recurrent_kernel', 'lstm_a/bias', 'gru_b/kernel', 'gru_b/recurrent_kernel', 'gru_b/bias']);
  });
});

const CLOSE = { rtol: 1e-5, atol: 1e-5 };

describe('a layerwise recurrent model loads in TF.js (tf.loadLayersModel) and predicts the same', () => {
  it('SimpleRNN(returnSequences, backwards) + LSTM(returnSequences) + GRU(resetAfter false) + Dense', async () => {
    const model = new Sequential({
      layers: [
        new SimpleRNN({ units: 4, returnSequences: true, goBackwards: true, inputShape: [7, 3] }),
        new LSTM({ units: 5, returnSequences: true, recurrentActivation: 'hard_sigmoid', kernelRegularizer: 'l2', recurrentConstraint: 'nonNeg' }),
        new GRU({ units: 3, resetAfter: false }),
        new Dense({ units: 2 }),
      ],
    });
    randomizeWeights(model, 21);
    // As after a training step: TF.js projects weights onto their constraints when it loads them.
    for (const layer of model.layers) layer.applyConstraints();
    const path = join(dir, 'tfjs-recurrent');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['SimpleRNN', 'LSTM', 'GRU', 'Dense']);
    expect(loaded.layers[1].getConfig()).toMatchObject({
      units: 5,
      returnSequences: true,
      recurrentActivation: 'hardSigmoid',
      kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.01 } },
      recurrentConstraint: { className: 'NonNeg' },
    });
    const x = inputs([4, 7, 3], 9);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });

  it('an Embedding with maskZero before an LSTM: TF.js skips the same padded steps', async () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [5] }), new LSTM({ units: 4 }), new Dense({ units: 1 })] });
    randomizeWeights(model, 22);
    const path = join(dir, 'tfjs-masked');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    const ids = tensor([1, 2, 0, 0, 0, 3, 4, 5, 1, 2, 0, 0, 5, 5, 1], [3, 5]);
    expect(tfPredict(tf, loaded, ids)).toBeAllClose(model.predict(ids), CLOSE);
  });

  it('saving a GRU with resetAfter true warns that TF.js 4.22 cannot load it, and TF.js indeed fails', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new Sequential({ layers: [new GRU({ units: 2, inputShape: [3, 2] })] });
    const path = join(dir, 'tfjs-reset-after');
    await model.save(path);
    expect(warn.mock.calls.flat().join(' ')).toMatch(/reset_after: true/);
    await expect(tf.loadLayersModel(fromDirectory(tf, path))).rejects.toThrow(/reset_after/);
  });
});

describe('layerwise loads what TF.js writes (model.save) and predicts the same', () => {
  it('TF.js SimpleRNN + LSTM + GRU (its defaults: hard_sigmoid, unit_forget_bias unset)', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.simpleRNN({ units: 3, returnSequences: true, inputShape: [5, 2] }),
        tf.layers.lstm({ units: 4, returnSequences: true, goBackwards: true }),
        tf.layers.gru({ units: 3 }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const path = join(dir, 'from-tfjs');
    await saveTfjsFiles(tf, model, path, false);
    const ours = await loadModel(path);
    expect(ours.layers.map((l) => l.className)).toEqual(['SimpleRNN', 'LSTM', 'GRU', 'Dense']);
    expect(ours.layers[1].getConfig()).toMatchObject({ units: 4, recurrentActivation: 'hard_sigmoid', goBackwards: true, returnSequences: true });
    expect(ours.layers[2].getConfig()).toMatchObject({ resetAfter: false });
    const x = inputs([3, 5, 2], 11);
    expect(ours.predict(x)).toBeAllClose(tfPredict(tf, model, x), CLOSE);
  });

  it('refuses a Keras file with return_state or stateful, naming the setting', async () => {
    const model = new Sequential({ layers: [new LSTM({ units: 2, inputShape: [3, 2] })] });
    const path = join(dir, 'stateful');
    await model.save(path);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[0].config.stateful = true;
    writeFileSync(join(path, 'model.json'), JSON.stringify(json));
    await expect(loadModel(path)).rejects.toThrow(/stateful/);
  });
});
