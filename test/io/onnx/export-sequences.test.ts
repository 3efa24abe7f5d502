/**
 * ONNX export of the sequence, shape, normalization and convolution layers of issue 13, checked
 * by ONNX Runtime: at batch 1 and 7, onnxruntime-node predicts what layerwise predicts (1e-5;
 * recurrent layers 1e-4); the layers loadOnnx reads come back bit for bit; and, where Debian's
 * python3-onnx is present, the ONNX checker accepts every file written.
 */
import { describe, expect, it } from 'vitest';
import {
  AlphaDropout,
  Bidirectional,
  Conv2D,
  Conv2DTranspose,
  Cropping1D,
  Cropping2D,
  Dense,
  DepthwiseConv2D,
  Embedding,
  Flatten,
  GaussianDropout,
  GaussianNoise,
  GlobalAveragePooling1D,
  GRU,
  LayerNormalization,
  loadOnnx,
  LSTM,
  Normalization,
  Permute,
  RepeatVector,
  Rescaling,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  SpatialDropout1D,
  SpatialDropout2D,
  tensor,
  TimeDistributed,
  toOnnx,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  type Layer,
  type Tensor,
} from 'layerwise';
import { onnxProto } from '../../../src/io/onnx/proto';
import { Rng } from '../../../src/tensor/random';
import { inputs, tempDir } from '../helpers';
import { bits, checkWithOnnx, exportCase, maxDiff, pythonWithOnnx, runOrt } from './onnx-helpers';

interface Options {
  /** The input is ids below this (an Embedding first). */
  ids?: number;
  /** loadOnnx reads the file back (and must predict bit for bit the same). */
  imports?: boolean;
  /** The largest difference from ONNX Runtime allowed. */
  tolerance?: number;
}

type Case = [name: string, layers: () => Layer[], options: Options];

const sequence = { inputShape: [6, 3] };
const image = { inputShape: [5, 4, 3] };
const RNN = { tolerance: 1e-4, imports: true };

/** One recurrent layer of each class with the settings that change the graph. */
const RECURRENT: Case[] = (
  [
    ['LSTM', (o: object) => new LSTM({ units: 4, ...o })],
    ['GRU (resetAfter)', (o: object) => new GRU({ units: 4, ...o })],
    ['GRU (resetAfter false)', (o: object) => new GRU({ units: 4, resetAfter: false, ...o })],
    ['SimpleRNN', (o: object) => new SimpleRNN({ units: 4, ...o })],
  ] as const
).flatMap(([name, make]): Case[] => [
  [`${name}: last step`, () => [make(sequence)], RNN],
  [`${name}: returnSequences`, () => [make({ ...sequence, returnSequences: true })], RNN],
  [`${name}: goBackwards, last step`, () => [make({ ...sequence, goBackwards: true })], RNN],
  [`${name}: goBackwards, returnSequences (Keras's reversed order)`, () => [make({ ...sequence, goBackwards: true, returnSequences: true })], RNN],
]);

const CASES: Case[] = [
  ...RECURRENT,
  ['LSTM without bias, hard_sigmoid gates, relu', () => [new LSTM({ units: 3, useBias: false, recurrentActivation: 'hard_sigmoid', activation: 'relu', ...sequence })], RNN],
  ['GRU with softsign, SimpleRNN with relu, stacked', () => [new GRU({ units: 5, activation: 'softsign', returnSequences: true, ...sequence }), new SimpleRNN({ units: 2, activation: 'relu' })], RNN],
  ['LSTM on a Dense, then a Dense', () => [new Dense({ units: 4, ...sequence }), new LSTM({ units: 3 }), new Dense({ units: 2 })], RNN],
  ...(['concat', 'sum', 'mul', 'ave'] as const).flatMap((mergeMode): Case[] => [
    [`Bidirectional(LSTM) ${mergeMode}, last step`, () => [new Bidirectional({ layer: new LSTM({ units: 3 }), mergeMode, ...sequence })], RNN],
    [`Bidirectional(GRU) ${mergeMode}, returnSequences`, () => [new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true }), mergeMode, ...sequence })], RNN],
  ]),
  ['Bidirectional(LSTM reading backwards) concat, returnSequences', () => [new Bidirectional({ layer: new LSTM({ units: 2, goBackwards: true, returnSequences: true }), ...sequence })], RNN],
  ['Bidirectional(SimpleRNN) with a GRU backward layer', () => [new Bidirectional({ layer: new SimpleRNN({ units: 2, returnSequences: true }), backwardLayer: new GRU({ units: 2, returnSequences: true, goBackwards: true }), ...sequence })], RNN],
  ['Embedding, LSTM', () => [new Embedding({ inputDim: 9, outputDim: 4, inputShape: [5] }), new LSTM({ units: 3 })], { ids: 9, tolerance: 1e-4, imports: true }],
  ['Embedding with maskZero whose mask nobody reads (Dense passes it on)', () => [new Embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [4] }), new Dense({ units: 2 })], { ids: 7, imports: true }],
  ['TimeDistributed(Dense) (MatMul on rank 3), Permute, Dense', () => [new TimeDistributed({ layer: new Dense({ units: 4 }), inputShape: [3, 12] }), new Permute({ dims: [2, 1] }), new Dense({ units: 6 })], { imports: true }],
  ['TimeDistributed(Conv2D), TimeDistributed(Flatten)', () => [new TimeDistributed({ layer: new Conv2D({ filters: 2, kernelSize: 2 }), inputShape: [3, 4, 4, 2] }), new TimeDistributed(new Flatten()), new GlobalAveragePooling1D()], {}],
  ['LayerNormalization on the last axis, on two trailing axes, without center or scale', () => [new LayerNormalization({ ...sequence }), new LayerNormalization({ axis: [1, 2], center: false }), new LayerNormalization({ scale: false, epsilon: 0.01 })], { imports: true }],
  ['LayerNormalization over axis 1 of [6, 3] (reductions)', () => [new LayerNormalization({ axis: 1, ...sequence })], {}],
  ['Permute, RepeatVector, Rescaling', () => [new Permute({ dims: [2, 1], ...sequence }), new Flatten(), new RepeatVector({ n: 3 }), new Rescaling({ scale: 0.5, offset: -1 })], { imports: true }],
  ['Normalization with its mean and variance, and inverted', () => [new Normalization({ mean: [0.5, -1, 2], variance: [4, 0.25, 1], ...sequence }), new Normalization({ mean: 1, variance: 9, invert: true })], { imports: true }],
  ['Cropping1D, ZeroPadding1D, UpSampling1D', () => [new Cropping1D({ cropping: [1, 2], ...sequence }), new ZeroPadding1D({ padding: [2, 1] }), new UpSampling1D({ size: 3 })], { imports: true }],
  ['Cropping2D and UpSampling2D nearest after a Conv2D (channels first)', () => [new Conv2D({ filters: 2, kernelSize: 1, ...image }), new Cropping2D({ cropping: [[1, 0], [0, 2]] }), new UpSampling2D({ size: [2, 3] })], { imports: true }],
  ['UpSampling2D bilinear (half-pixel centres)', () => [new UpSampling2D({ size: [3, 2], interpolation: 'bilinear', ...image })], { imports: true }],
  ['Cropping2D on the input (channels last)', () => [new Cropping2D({ cropping: [[1, 1], [1, 0]], ...image })], { imports: true }],
  ['DepthwiseConv2D with depthMultiplier 2, same, strides 2', () => [new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2, activation: 'relu', ...image })], { imports: true }],
  ['DepthwiseConv2D valid, dilated, no bias', () => [new DepthwiseConv2D({ kernelSize: 2, dilationRate: 2, useBias: false, inputShape: [6, 6, 2] })], { imports: true }],
  ['SeparableConv2D same, depthMultiplier 2', () => [new SeparableConv2D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh', ...image })], { imports: true }],
  ['SeparableConv2D valid, strides 2, no bias', () => [new SeparableConv2D({ filters: 2, kernelSize: 2, strides: 2, useBias: false, inputShape: [6, 6, 2] })], { imports: true }],
  ['Conv2DTranspose valid, strides 2', () => [new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, ...image })], { imports: true }],
  ['Conv2DTranspose same, strides 2, a fused relu', () => [new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...image })], { imports: true }],
  ['Conv2DTranspose same with outputPadding, dilated valid', () => [new Conv2DTranspose({ filters: 2, kernelSize: [2, 3], strides: [2, 3], padding: 'same', outputPadding: [1, 0], ...image }), new Conv2DTranspose({ filters: 2, kernelSize: 2, dilationRate: 2 })], { imports: true }],
  ['Conv2DTranspose valid, kernel smaller than the stride', () => [new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 3, ...image })], { imports: true }],
  [
    'dropout and noise layers (the identity in inference)',
    () => [new SpatialDropout1D({ rate: 0.3, ...sequence }), new GaussianNoise({ stddev: 0.5 }), new GaussianDropout({ rate: 0.2 }), new AlphaDropout({ rate: 0.1 }), new Dense({ units: 4 }), new Permute({ dims: [2, 1] })],
    { imports: true },
  ],
  ['SpatialDropout2D', () => [new Conv2D({ filters: 2, kernelSize: 2, ...image }), new SpatialDropout2D({ rate: 0.5 })], { imports: true }],
];

/** Integer ids in [0, vocabulary) as float32, some of them 0. */
function ids(shape: number[], vocabulary: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * vocabulary)), shape);
}

const dir = tempDir('layerwise-onnx-sequences-');
const written: string[] = [];
const largest = new Map<string, number>();

describe('toOnnx of the sequence, shape and convolution layers: onnxruntime-node predicts what layerwise predicts', () => {
  it.each(CASES)('%s', async (name, layers, options) => {
    const { model, bytes } = await exportCase(layers(), dir, written);
    const back = options.imports ? await loadOnnx(bytes) : undefined;
    for (const batch of [1, 7]) {
      const shape = [batch, ...model.inputShape!];
      const x = options.ids ? ids(shape, options.ids, batch) : inputs(shape, batch);
      const y = model.predict(x);
      const ort = await runOrt(bytes, x);
      expect(ort.dims, name).toEqual([batch, ...model.outputShape!]);
      const diff = maxDiff(ort.data, y.data);
      largest.set(name, Math.max(largest.get(name) ?? 0, diff));
      expect(diff, name).toBeLessThan(options.tolerance ?? 1e-5);
      if (back) expect(bits(back.predict(x)), `${name}: exported and imported back`).toEqual(bits(y));
    }
  });
});

describe('toOnnx of an adapted Normalization (its statistics are weights)', () => {
  it('predicts in onnxruntime-node what it predicts in layerwise, over axis -1 and axis 1, and comes back bit for bit', async () => {
    for (const axis of [-1, 1]) {
      const normalization = new Normalization({ axis, inputShape: [4, 3] });
      normalization.adapt(inputs([20, 4, 3], 9));
      const model = new Sequential([normalization, new Dense({ units: 2 })]);
      const x = inputs([7, 4, 3], 10);
      const bytes = await toOnnx(model);
      const ort = await runOrt(bytes, x);
      expect(maxDiff(ort.data, model.predict(x).data)).toBeLessThan(1e-5);
      expect(bits((await loadOnnx(bytes)).predict(x)), 'imported back').toEqual(bits(model.predict(x)));
    }
  });
});

describe('a recurrent file with its steps made dynamic', () => {
  it('runs sequences of other lengths as the layer does (the reversal of goBackwards is of any length)', async () => {
    for (const layer of [new LSTM({ units: 3, goBackwards: true, returnSequences: true, ...sequence }), new GRU({ units: 2, ...sequence })]) {
      const { bytes } = await exportCase([layer], tempDir('layerwise-onnx-steps-'), []);
      const o = await onnxProto();
      const m = o.ModelProto.decode(bytes);
      for (const end of [m.graph!.input![0], m.graph!.output![0]]) {
        const dims = end.type!.tensorType!.shape!.dim!;
        if (dims.length === 3) dims[1] = o.TensorShapeProto.Dimension.create({ dimParam: 'steps' });
      }
      const x = inputs([5, 11, 3], 3);
      const ort = await runOrt(o.ModelProto.encode(m).finish(), x);
      const y = layer.forward(x, false);
      expect(ort.dims).toEqual(y.shape);
      expect(maxDiff(ort.data, y.data)).toBeLessThan(1e-4);
    }
  });
});

describe('loadOnnx of what it has no layer for', () => {
  it.each([
    ['LayerNormalization over a leading axis (reductions)', () => [new LayerNormalization({ axis: 1, ...sequence })], /the tensor "input" is read by 2 nodes/],
    // TimeDistributed of any layer loads back (probes.test.ts); normalizing the rows and the channels together takes reductions.
    ['LayerNormalization over the rows and channels of a Conv2D output (reductions)', () => [new Conv2D({ filters: 2, kernelSize: 1, inputShape: [4, 4, 2] }), new LayerNormalization({ axis: [1, 3] })], /is read by 2 nodes/],
  ] as const)('%s fails, naming the node', async (_name, layers, message) => {
    const bytes = await toOnnx(new Sequential({ layers: layers() }));
    await expect(loadOnnx(bytes)).rejects.toThrow(message);
  });
});

describe('the ONNX checker', () => {
  it('accepts every file written above (where python3-onnx is present)', () => {
    expect(written).toHaveLength(CASES.length);
    if (process.env.ONNX_DIFFS) console.log([...largest].map(([k, v]) => `${v.toExponential(2)}  ${k}`).join('\n'));
    const python = pythonWithOnnx();
    // Without Debian's python3-onnx (npm test needs no Python), the ONNX Runtime checks above stand alone.
    if (!python) return;
    const { status, output } = checkWithOnnx(python, written);
    expect(output.trim(), 'onnx.checker.check_model').toBe('');
    expect(status).toBe(0);
  });
});
