/**
 * loadOnnx: PyTorch's exports (torch.onnx.export at opset 17 of nn.Sequential models, written by
 * scripts/onnx-fixtures.py into test/fixtures/onnx/ with what PyTorch predicted) load and predict
 * the same; layerwise's own exports come back bit for bit, and keep training and saving.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Embedding,
  Flatten,
  GRU,
  LayerNormalization,
  LSTM,
  LeakyReLU,
  loadModel,
  loadOnnx,
  MaxPooling2D,
  Sequential,
  setSeed,
  SimpleRNN,
  tensor,
  toOnnx,
  type Tensor,
} from 'layerwise';
import { onnxProto } from '../../../src/io/onnx/proto';
import { inputs, randomizeWeights, tempDir } from '../helpers';
import { bits, maxDiff } from './onnx-helpers';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'onnx');

interface Expected {
  inputShape: number[];
  input: number[];
  outputShape: number[];
  output: number[];
}

/** A tensor in PyTorch's channels-first order [n, c, ...] moved to layerwise's [n, ..., c]. */
function channelsLast(values: number[], shape: number[]): Tensor {
  if (shape.length < 3) return tensor(values, shape);
  const [n, c, ...spatial] = shape;
  const positions = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(values.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let p = 0; p < positions; p++) out[(b * positions + p) * c + k] = values[(b * c + k) * positions + p];
  return tensor(out, [n, ...spatial, c]);
}

function fixture(name: string): { path: string; expected: Expected } {
  return { path: join(FIXTURES, `${name}.onnx`), expected: JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Expected };
}

describe('loadOnnx: PyTorch 1.13 exports predict what PyTorch predicted', () => {
  it.each([
    ['torch-mlp', 'Linear, ReLU, BatchNorm1d, Linear, Tanh, Linear, Softmax', ['Dense', 'BatchNormalization', 'Dense', 'Dense']],
    ['torch-cnn', 'Conv2d, LeakyReLU(0.2), BatchNorm2d, MaxPool2d, Conv2d, ReLU, Flatten, Linear, Softmax', ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense']],
    ['torch-activations', 'GELU and SiLU (several nodes), ELU(0.5), Softplus, ReLU6 (Clip), PReLU, Sigmoid', ['Dense', 'Dense', 'Dense', 'Dense', 'Dense', 'Dense', 'PReLU', 'Dense']],
    ['torch-conv1d', "Conv1d padded as 'same', Tanh, MaxPool1d, a dilated Conv1d, ReLU, AdaptiveAvgPool1d(1), Flatten, Linear", ['Conv1D', 'MaxPooling1D', 'Conv1D', 'GlobalAveragePooling1D', 'Dense']],
    [
      'torch-cnn-extras',
      'a Conv2d padded (1, 2) (a ZeroPadding2D before it), ELU, AvgPool2d, Flatten of channels-first data, BatchNorm1d, PReLU, Linear',
      ['ZeroPadding2D', 'Conv2D', 'AveragePooling2D', 'Flatten', 'BatchNormalization', 'PReLU', 'Dense'],
    ],
  ])('%s (%s)', async (name, _what, classes) => {
    const { path, expected } = fixture(name);
    const model = await loadOnnx(path);
    expect(model.layers.map((l) => l.className)).toEqual(classes);
    const x = channelsLast(expected.input, expected.inputShape);
    const y = model.predict(x);
    expect(y.shape).toEqual(expected.outputShape);
    expect(maxDiff(y.data, expected.output)).toBeLessThan(1e-5);
  });

  it.each([
    ['torch-lstm', 'nn.LSTM(batch_first) with a zero state from the input shape, out[:, -1], Linear', ['LSTM', 'Dense'], false],
    ['torch-gru', 'nn.GRU(batch_first, linear_before_reset 1) over the whole sequence, Linear on rank 3, Tanh', ['GRU', 'Dense'], true],
    ['torch-bilstm', "nn.LSTM(bidirectional): one LSTM node with direction 'bidirectional', the two directions side by side, Linear, Tanh", ['Bidirectional', 'Dense'], true],
  ])('%s (%s)', async (name, _what, classes, returnSequences) => {
    const { path, expected } = fixture(name);
    const model = await loadOnnx(path);
    expect(model.layers.map((l) => l.className)).toEqual(classes);
    const rnn = model.layers[0] as unknown as { returnSequences: boolean; resetAfter?: boolean };
    expect(rnn.returnSequences).toBe(returnSequences);
    if (name === 'torch-gru') expect(rnn.resetAfter).toBe(true);
    // Sequences [batch, steps, features] are the same in PyTorch (batch_first) and layerwise.
    const y = model.predict(tensor(expected.input, expected.inputShape));
    expect(y.shape).toEqual(expected.outputShape);
    expect(maxDiff(y.data, expected.output)).toBeLessThan(1e-5);
  });

  it('a PyTorch LSTM keeps training in layerwise', async () => {
    const model = await loadOnnx(fixture('torch-lstm').path);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = inputs([12, 7, 3]);
    const y = tensor(new Float32Array(24).map((_, i) => Math.sin(i)), [12, 2]);
    const history = await model.fit(x, y, { epochs: 6, batchSize: 6, verbose: 0, seed: 1 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });

  it('a PyTorch CNN keeps training in layerwise (the NCHW input becomes NHWC)', async () => {
    const model = await loadOnnx(fixture('torch-cnn').path);
    expect(model.inputShape).toEqual([8, 8, 2]);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = inputs([16, 8, 8, 2]);
    const labels = new Float32Array(16 * 5).map((_, i) => (i % 5 === Math.floor(i / 5) % 5 ? 1 : 0));
    const history = await model.fit(x, tensor(labels, [16, 5]), { epochs: 8, batchSize: 8, verbose: 0, seed: 1 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });

  it('reads Identity nodes (as PyTorch writes for shared weights) as nothing', async () => {
    const o = await onnxProto();
    const { path, expected } = fixture('torch-mlp');
    const m = o.ModelProto.decode(readFileSync(path));
    const nodes = m.graph!.node!;
    // An Identity between the first Gemm and the Relu, and one on a weight.
    const gemmOut = nodes[0].output![0];
    nodes[1].input![0] = 'through_identity';
    nodes.splice(1, 0, o.NodeProto.create({ opType: 'Identity', name: 'id', input: [gemmOut], output: ['through_identity'] }));
    nodes.unshift(o.NodeProto.create({ opType: 'Identity', name: 'weight_alias', input: ['3.weight'], output: ['3.weight.alias'] }));
    nodes.find((n) => n.opType === 'Gemm' && n.input![1] === '3.weight')!.input![1] = '3.weight.alias';
    const model = await loadOnnx(o.ModelProto.encode(m).finish());
    expect(maxDiff(model.predict(tensor(expected.input, expected.inputShape)).data, expected.output)).toBeLessThan(1e-5);
  });
});

describe('layerwise → ONNX → layerwise', () => {
  const dir = tempDir('layerwise-onnx-import-');

  it('predicts bit for bit the same, trains on (the loss falls), and saves in TF.js format', async () => {
    setSeed(11);
    const original = new Sequential({
      name: 'digits',
      layers: [
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 1], activation: new LeakyReLU({ alpha: 0.2 }) }),
        new BatchNormalization(),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu' }),
        new Flatten(),
        new Dropout({ rate: 0.25 }),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    randomizeWeights(original);
    const x = inputs([7, 8, 8, 1]);
    const model = await loadOnnx(await toOnnx(original));
    expect(model.name).toBe('digits');
    expect(bits(model.predict(x))).toEqual(bits(original.predict(x)));
    expect(model.getWeights().map(bits)).toEqual(original.getWeights().map(bits));

    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const labels = new Float32Array(7 * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const history = await model.fit(x, tensor(labels, [7, 3]), { epochs: 10, batchSize: 7, verbose: 0, seed: 2 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);

    await model.save(join(dir, 'digits'));
    const reloaded = await loadModel(join(dir, 'digits'));
    expect(bits(reloaded.predict(x))).toEqual(bits(model.predict(x)));
  });

  it('recurrent layers, Embedding and LayerNormalization come back bit for bit and train on', async () => {
    setSeed(12);
    const original = new Sequential({
      name: 'words',
      layers: [
        new Embedding({ inputDim: 11, outputDim: 4, inputShape: [6] }),
        new LSTM({ units: 5, returnSequences: true }),
        new LayerNormalization(),
        new GRU({ units: 4, goBackwards: true, returnSequences: true, resetAfter: false }),
        new SimpleRNN({ units: 3, goBackwards: true }),
        new Dense({ units: 2, activation: 'softmax' }),
      ],
    });
    randomizeWeights(original);
    const x = tensor(Float32Array.from({ length: 8 * 6 }, (_, i) => (i * 7) % 11), [8, 6]);
    const model = await loadOnnx(await toOnnx(original));
    expect(model.layers.map((l) => l.className)).toEqual(['Embedding', 'LSTM', 'LayerNormalization', 'GRU', 'SimpleRNN', 'Dense']);
    expect(bits(model.predict(x))).toEqual(bits(original.predict(x)));
    expect(model.getWeights().map(bits)).toEqual(original.getWeights().map(bits));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const labels = tensor(Float32Array.from({ length: 16 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)), [8, 2]);
    const history = await model.fit(x, labels, { epochs: 8, batchSize: 8, verbose: 0, seed: 3 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });

  it('loads from an ArrayBuffer and from a path written by model.export', async () => {
    const model = new Sequential([new Dense({ units: 3, inputShape: [2], activation: 'tanh' })]);
    const path = join(dir, 'tiny.onnx');
    await model.export(path);
    const bytes = await toOnnx(model);
    const x = inputs([5, 2]);
    for (const back of [await loadOnnx(path), await loadOnnx(bytes.slice().buffer)]) expect(bits(back.predict(x))).toEqual(bits(model.predict(x)));
  });
});
