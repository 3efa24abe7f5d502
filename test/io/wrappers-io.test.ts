/**
 * Saving and loading the wrappers (Bidirectional, TimeDistributed): layerwise round trips through
 * files and through memory, bit for bit; the file laid out as TF.js 4.22 writes it (the wrapped
 * layer nested as `{ class_name, config }`, weights named `bidirectional_1/forward_lstm_1/kernel`
 * and `time_distributed_1/kernel`); TF.js (@tensorflow/tfjs 4.22, cpu backend) loading layerwise's
 * files with `tf.loadLayersModel`, and layerwise loading TF.js's, every reference value computed
 * by TF.js inside the test.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import {
  Adam,
  Bidirectional,
  Conv2D,
  Dense,
  Embedding,
  GRU,
  LayerwiseError,
  loadModel,
  LSTM,
  modelFromJSON,
  PReLU,
  Sequential,
  serializeModel,
  SimpleRNN,
  tensor,
  TimeDistributed,
  type Layer,
  type Tensor,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectTrainsOnAlike, inputs, randomizeWeights, readModelJSON, roundTrips, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles, tfPredict, useTfjsCpu } from './tfjs-helpers';

const dir = tempDir();

useTfjsCpu(tf);

const { roundTrip, expectSameModel } = roundTrips(dir);

/** Ids in [0, vocabulary) with trailing zeros (padding) in some samples, [batch, steps]. */
function ids(batch: number, steps: number, vocabulary: number, seed = 1): Tensor {
  const values = new Float32Array(batch * steps);
  let s = seed;
  for (let b = 0; b < batch; b++) {
    const length = 1 + (b * 7 + seed) % steps;
    for (let t = 0; t < length; t++) values[b * steps + t] = 1 + ((s = (s * 31 + 7) % 101) % (vocabulary - 1));
  }
  return tensor(values, [batch, steps]);
}

describe('every wrapper survives save + loadModel and serializeModel + modelFromJSON, bit for bit', () => {
  const cases: [string, number[], () => Layer[]][] = [
    ['Bidirectional(LSTM, returnSequences) concat → Bidirectional(GRU) sum → Dense', [6, 3], () => [
      new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: true }), inputShape: [6, 3] }),
      new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'sum' }),
      new Dense(2),
    ]],
    ["Bidirectional(SimpleRNN) 'mul', and 'ave' from a saved { className, config }", [5, 2], () => [
      new Bidirectional({ layer: new SimpleRNN({ units: 4, returnSequences: true, activation: 'relu' }), mergeMode: 'mul', inputShape: [5, 2] }),
      new Bidirectional({ layer: { className: 'SimpleRNN', config: { units: 3 } }, mergeMode: 'ave' }),
      new Dense(1),
    ]],
    ['Bidirectional with a backwardLayer of its own, and a GRU with resetAfter', [4, 3], () => [
      new Bidirectional({
        layer: new GRU({ units: 2, returnSequences: true }),
        backwardLayer: new GRU({ units: 2, returnSequences: true, goBackwards: true, activation: 'sigmoid', name: 'my_backward' }),
        inputShape: [4, 3],
      }),
    ]],
    ['TimeDistributed(Dense) after a Bidirectional LSTM; TimeDistributed of a frozen Dense', [5, 2], () => [
      new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true, unitForgetBias: false }), inputShape: [5, 2] }),
      new TimeDistributed({ layer: new Dense({ units: 3, activation: 'tanh' }) }),
      new TimeDistributed({ layer: new Dense({ units: 2 }), trainable: false }),
    ]],
    ['TimeDistributed(Conv2D) on sequences of images', [3, 5, 5, 2], () => [new TimeDistributed({ layer: new Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }), inputShape: [3, 5, 5, 2] })]],
  ];
  for (const [name, shape, make] of cases) {
    it(name, async () => {
      await expectSameModel(new Sequential({ layers: make() }), shape);
    });
  }

  it('an Embedding with maskZero → Bidirectional(LSTM, returnSequences) → TimeDistributed(Dense): the mask reaches the loaded copy', async () => {
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputShape: [7] }),
        new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }) }),
        new TimeDistributed(new Dense(2)),
      ],
    });
    randomizeWeights(model, 4);
    const x = ids(5, 7, 10);
    for (const copy of await roundTrip(model)) expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
  });

  it('a trained model keeps its weights, compile settings and optimizer state', async () => {
    const model = new Sequential({
      layers: [new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true }), inputShape: [6, 2] }), new TimeDistributed(new Dense(1))],
    });
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
    await model.fit(inputs([8, 6, 2]), inputs([8, 6, 1], 2), { epochs: 2, verbose: 0 });
    const [copy] = await roundTrip(model);
    await expectTrainsOnAlike(model, copy, inputs([8, 6, 2], 6), inputs([8, 6, 1], 7));
  });

  it("the file nests the wrapped layer as TF.js does, and names the weights as TF.js does", async () => {
    const model = new Sequential({
      layers: [
        new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true, name: 'lstm' }), name: 'bi', inputShape: [4, 3] }),
        new TimeDistributed({ layer: new Dense({ units: 3, name: 'dense' }), name: 'td' }),
      ],
    });
    const path = join(dir, 'layout');
    await model.save(path);
    const json = readModelJSON(path);
    const [bi, td] = json.modelTopology.config.layers;
    expect(bi.class_name).toBe('Bidirectional');
    expect(bi.config).toMatchObject({ name: 'bi', trainable: true, merge_mode: 'concat', layer: { class_name: 'LSTM', config: { name: 'lstm', units: 2, return_sequences: true, go_backwards: false } } });
    expect(bi.config.layer.config).not.toHaveProperty('dtype');
    expect(bi.config).not.toHaveProperty('backward_layer');
    expect(td).toMatchObject({ class_name: 'TimeDistributed', config: { name: 'td', layer: { class_name: 'Dense', config: { name: 'dense', units: 3 } } } });
    const names = json.weightsManifest.flatMap((g: { weights: { name: string }[] }) => g.weights.map((w) => w.name));
    expect(names).toEqual(['bi/forward_lstm/kernel', 'bi/forward_lstm/recurrent_kernel', 'bi/forward_lstm/bias', 'bi/backward_lstm/kernel', 'bi/backward_lstm/recurrent_kernel', 'bi/backward_lstm/bias', 'td/kernel', 'td/bias']);
  });

  it('what the file cannot hold inside a wrapper fails to save, naming the layer', async () => {
    const prelu = new Sequential({ layers: [new TimeDistributed({ layer: new Dense({ units: 2, activation: new PReLU(), name: 'd' }), inputShape: [3, 2] })] });
    await expect(prelu.save(join(dir, 'prelu'))).rejects.toThrow(/^d \(Dense, inside a wrapper\): its activation is a layer, which the file cannot hold inside a wrapper/);
    const nested = new Sequential({ layers: [new TimeDistributed({ layer: new TimeDistributed(new Dense({ units: 2, name: 'd' })), name: 'outer', inputShape: [2, 3, 2] })] });
    await expect(nested.save(join(dir, 'nested'))).rejects.toThrow(LayerwiseError);
  });
});

describe('a damaged wrapper in model.json fails naming the field', () => {
  const model = new Sequential({ layers: [new Bidirectional({ layer: new GRU({ units: 2, name: 'gru' }), name: 'bi', inputShape: [4, 3] })] });
  const { modelJSON, weightData } = serializeModel(model);
  /** The error loading the file after `edit` changes the Bidirectional's config. */
  const loadError = (edit: (config: Record<string, any>) => void): string => {
    const json = JSON.parse(JSON.stringify(modelJSON));
    edit(json.modelTopology.config.layers[0].config);
    try {
      modelFromJSON(JSON.stringify(json), weightData);
    } catch (error) {
      expect(error).toBeInstanceOf(LayerwiseError);
      return (error as Error).message;
    }
    throw new Error('expected the load to fail');
  };
  const cases: [string, (config: Record<string, any>) => void, RegExp][] = [
    ['no layer', (c) => delete c.layer, /layers\[0\]\.config\.layer must be set \(Bidirectional has no default for layer\)/],
    ['a nested layer that is not an object', (c) => (c.layer = 'gru'), /layers\[0\]\.config\.layer must be a layer \(\{ class_name, config \}\)/],
    ['a nested class layerwise lacks', (c) => (c.layer.class_name = 'ConvLSTM2D'), /layers\[0\]\.config\.layer\.class_name must be a layer class layerwise has/],
    ['a nested InputLayer', (c) => (c.layer = { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4, 3] } }), /layers\[0\]\.config\.layer\.class_name must be a layer class other than InputLayer/],
    ['a nested wrapper', (c) => (c.layer = { class_name: 'Bidirectional', config: { name: 'x', layer: c.layer } }), /A wrapper inside a wrapper cannot be rebuilt from its config/],
    ['a nested option of the wrong type', (c) => (c.layer.config.units = 'two'), /layers\[0\]\.config\.layer\.config\.units must be/],
    ["Keras's merge_mode None", (c) => (c.merge_mode = null), /layers\[0\]\.config\.merge_mode must be one of "concat", "sum", "mul", "ave", but is null\. Keras's None returns the two directions apart/],
    ['a layer that is not recurrent', (c) => (c.layer = { class_name: 'Dense', config: { name: 'd', units: 2 } }), /bi: layer must be a recurrent layer \(LSTM, GRU, SimpleRNN\)/],
  ];
  for (const [name, edit, message] of cases) it(name, () => expect(loadError(edit)).toMatch(message));
});

const CLOSE = { rtol: 1e-5, atol: 1e-5 };

describe('a layerwise model with wrappers loads in TF.js (tf.loadLayersModel) and predicts the same', () => {
  it('Bidirectional(LSTM) concat + TimeDistributed(Dense) + Bidirectional(GRU) sum + Bidirectional(SimpleRNN) ave', async () => {
    const model = new Sequential({
      layers: [
        new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: true }), inputShape: [6, 2] }),
        new TimeDistributed(new Dense({ units: 4, activation: 'tanh' })),
        new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true, resetAfter: false }), mergeMode: 'sum' }),
        new Bidirectional({ layer: new SimpleRNN({ units: 2 }), mergeMode: 'ave' }),
      ],
    });
    randomizeWeights(model, 11);
    const path = join(dir, 'tfjs-wrappers');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Bidirectional', 'TimeDistributed', 'Bidirectional', 'Bidirectional']);
    expect(loaded.layers[2].getConfig()).toMatchObject({ mergeMode: 'sum' });
    expect(loaded.outputs[0].shape).toEqual([null, 2]);
    const x = inputs([4, 6, 2], 9);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    loaded.dispose();
  });

  it('with a mask from an Embedding: the masked steps TF.js fills otherwise are skipped by the next layer, so the outputs agree', async () => {
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 12, outputDim: 3, maskZero: true, inputShape: [8] }),
        new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }) }),
        new Bidirectional({ layer: new GRU({ units: 2, resetAfter: false }), mergeMode: 'mul' }),
        new Dense(2),
      ],
    });
    randomizeWeights(model, 12);
    const path = join(dir, 'tfjs-masked');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    const x = ids(6, 8, 12, 3);
    expect(Array.from(x.data).some((v) => v === 0)).toBe(true);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    loaded.dispose();
  });
});

describe('layerwise loads a TF.js model with wrappers (saved by TF.js) and predicts the same', () => {
  it('tf.layers.bidirectional(lstm), timeDistributed(dense), bidirectional(gru) with sigmoid gates', async () => {
    const tfModel = tf.sequential();
    tfModel.add(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }) as tf.RNN, inputShape: [5, 2] }));
    tfModel.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'relu' }) }));
    tfModel.add(tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, recurrentActivation: 'sigmoid' }) as tf.RNN, mergeMode: 'ave' }));
    const path = join(dir, 'from-tfjs');
    await saveTfjsFiles(tf, tfModel, path, false);
    const model = await loadModel(path);
    expect(model.layers.map((l) => l.className)).toEqual(['Bidirectional', 'TimeDistributed', 'Bidirectional']);
    const wrapped = (readModelJSON(path).modelTopology.model_config ?? readModelJSON(path).modelTopology).config.layers[0].config.layer.config.name;
    expect((model.layers[0] as Bidirectional).forwardLayer.name).toBe(`forward_${wrapped}`);
    expect((model.layers[2] as Bidirectional).mergeMode).toBe('ave');
    const x = inputs([3, 5, 2], 13);
    expect(model.predict(x)).toBeAllClose(tfPredict(tf, tfModel, x), CLOSE);
    // And back to TF.js from layerwise's save of it.
    const again = join(dir, 'from-tfjs-again');
    await model.save(again);
    const reloaded = await tf.loadLayersModel(fromDirectory(tf, again));
    expect(tfPredict(tf, reloaded, x)).toBeAllClose(tfPredict(tf, tfModel, x), CLOSE);
    tfModel.dispose();
    reloaded.dispose();
  });
});

describe('what TF.js 4.22 cannot load or computes otherwise: saving warns, naming the wrapper (verified here)', () => {
  /** Saves the model, returning the warnings saving printed. */
  async function warningsOf(model: Sequential, path: string): Promise<string[]> {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await model.save(path);
      return warn.mock.calls.map((call) => String(call[0]));
    } finally {
      warn.mockRestore();
    }
  }

  it('a backwardLayer of its own: TF.js builds the backward direction from layer and finds no weights for it; layerwise loads it back', async () => {
    const model = new Sequential({
      layers: [new Bidirectional({ layer: new LSTM({ units: 2 }), backwardLayer: new LSTM({ units: 2, goBackwards: true, name: 'mine' }), name: 'bi', inputShape: [4, 3] })],
    });
    const path = join(dir, 'gap-backward');
    const warnings = await warningsOf(model, path);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/bi \(Bidirectional\): TF\.js 4\.22 has no backwardLayer: it builds the backward direction from layer instead, and cannot load the weights of mine\./);
    expect(readModelJSON(path).modelTopology.config.layers[0].config.backward_layer).toMatchObject({ class_name: 'LSTM', config: { name: 'mine', go_backwards: true } });
    await expect(tf.loadLayersModel(fromDirectory(tf, path))).rejects.toThrow(/mine/);
    await expectSameModel(model, [4, 3]);
  });

  it('returnSequences after a mask: the warning about masked steps (the difference itself is verified in test/parity/tfjs-wrappers.test.ts)', async () => {
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputShape: [4] }),
        new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true, resetAfter: false }), name: 'bi' }),
      ],
    });
    const warnings = await warningsOf(model, join(dir, 'gap-sequences'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/bi \(Bidirectional\): With a mask \(an Embedding with maskZero before it\), TF\.js 4\.22 repeats the previous output at the masked steps/);
    const plain = new Sequential({ layers: [new Bidirectional({ layer: new GRU({ units: 2, resetAfter: false }), inputShape: [4, 3] }), new Dense(1)] });
    expect(await warningsOf(plain, join(dir, 'gap-none'))).toEqual([]);
    // Without a mask, returnSequences computes the same in TF.js: no warning.
    const unmasked = new Sequential({ layers: [new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true, resetAfter: false }), inputShape: [4, 3] })] });
    expect(await warningsOf(unmasked, join(dir, 'gap-unmasked'))).toEqual([]);
  });

  it("an activation key TF.js lacks inside a wrapper: TF.js cannot load the file, layerwise can", async () => {
    const model = new Sequential({ layers: [new TimeDistributed({ layer: new Dense({ units: 2, activation: 'leaky_relu' }), name: 'td', inputShape: [3, 2] })] });
    const path = join(dir, 'gap-activation');
    const warnings = await warningsOf(model, path);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/td \(TimeDistributed\): TF\.js 4\.22 cannot load the activation 'leaky_relu' of its Dense: only layerwise's loadModel can load the file\./);
    await expect(tf.loadLayersModel(fromDirectory(tf, path))).rejects.toThrow(/Unknown activation: leakyRelu/);
    await expectSameModel(model, [3, 2]);
  });

  it("a wrapped layer's own seed stays in layerwise's metadata: layerwise gets it back, TF.js loads the file as if it had none", async () => {
    const model = new Sequential({
      layers: [new Bidirectional({ layer: new LSTM({ units: 2, seed: 3 }), name: 'bi', inputShape: [4, 3] }), new Dense({ units: 1, seed: 1, name: 'out' })],
    });
    const path = join(dir, 'nested-seed');
    expect(await warningsOf(model, path)).toEqual([]);
    expect(readModelJSON(path).userDefinedMetadata.layerwise.layerSettings).toEqual([
      { layer: 'bi', config: { layer: { seed: 3 } } },
      { layer: 'out', config: { seed: 1 } },
    ]);
    const back = await loadModel(path);
    expect((back.layers[0].getConfig().layer as { config: { seed: number } }).config.seed).toBe(3);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    const x = inputs([2, 4, 3], 3);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    loaded.dispose();
    await expectSameModel(model, [4, 3]);
  });
});
