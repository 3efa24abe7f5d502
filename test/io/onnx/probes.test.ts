/**
 * Regressions from an adversarial review of the ONNX export and import: option combinations that
 * the export writes and ONNX Runtime computes alike (at batch 1, 7 and 13) and that load back bit
 * for bit (layer normalization of conv outputs, upsampling and padding of sequences after a Conv1D
 * or a Permute, TimeDistributed of any layer); and files the importer once read into a layer computing something else (a bias
 * broadcast along the batch, a Dropout in training mode) or crashed on (a Resize or a ConvTranspose
 * asking for billions of values).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AveragePooling2D,
  Bidirectional,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  Cropping2D,
  Dense,
  Flatten,
  GRU,
  LayerNormalization,
  LayerwiseError,
  loadOnnx,
  LSTM,
  MaxPooling1D,
  MaxPooling2D,
  Permute,
  PReLU,
  Softmax,
  tensor,
  TimeDistributed,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  type Layer,
} from 'layerwise';
import type { onnx } from 'onnx-proto';
import { permute } from '../../../src/io/onnx/layout';
import { onnxProto, type Onnx } from '../../../src/io/onnx/proto';
import { inputs, tempDir } from '../helpers';
import { bits, exportCase, expectCheckerAccepts, expectRuntimeAgrees, maxDiff, runOrt } from './onnx-helpers';

type Case = [name: string, layers: () => Layer[]];

const image = { inputShape: [6, 5, 3] };
const sequence = { inputShape: [9, 3] };

const CASES: Case[] = [
  ['Conv1D causal, dilation 3 and stride 3', () => [new Conv1D({ filters: 2, kernelSize: 2, dilationRate: 3, strides: 3, padding: 'causal', ...sequence })]],
  ['Conv2D same, an even 2x4 kernel, stride 2', () => [new Conv2D({ filters: 2, kernelSize: [2, 4], strides: 2, padding: 'same', ...image })]],
  ['AveragePooling2D same, pool 4x2, strides 3x1', () => [new AveragePooling2D({ poolSize: [4, 2], strides: [3, 1], padding: 'same', ...image })]],
  ['MaxPooling1D same, pool 4, stride 2', () => [new MaxPooling1D({ poolSize: 4, strides: 2, padding: 'same', ...sequence })]],
  ['Softmax over axis 2 of a Conv2D output', () => [new Conv2D({ filters: 2, kernelSize: 2, ...image }), new Softmax({ axis: 2 })]],
  ['PReLU after a Conv1D', () => [new Conv1D({ filters: 3, kernelSize: 2, ...sequence }), new PReLU()]],
  ['LayerNormalization over axes [1, 2] of a Conv2D output, then a Conv2D', () => [new Conv2D({ filters: 2, kernelSize: 1, ...image }), new LayerNormalization({ axis: [1, 2] }), new Conv2D({ filters: 2, kernelSize: 2 })]],
  ['LayerNormalization over axis 2 of a Conv2D output, no center', () => [new Conv2D({ filters: 2, kernelSize: 1, ...image }), new LayerNormalization({ axis: 2, center: false })]],
  ['LayerNormalization over the steps of a Conv1D output', () => [new Conv1D({ filters: 3, kernelSize: 2, ...sequence }), new LayerNormalization({ axis: 1 })]],
  ['UpSampling1D after a Conv1D (channels first in the graph)', () => [new Conv1D({ filters: 2, kernelSize: 1, ...sequence }), new UpSampling1D({ size: 3 })]],
  ['Permute of a sequence, then ZeroPadding1D', () => [new Permute({ dims: [2, 1], ...sequence }), new ZeroPadding1D({ padding: [1, 2] })]],
  ['Permute of a sequence, then UpSampling1D', () => [new Permute({ dims: [2, 1], ...sequence }), new UpSampling1D({ size: 2 })]],
  ['Permute of a sequence, ZeroPadding1D, then a Conv1D', () => [new Permute({ dims: [2, 1], ...sequence }), new ZeroPadding1D({ padding: 1 }), new Conv1D({ filters: 2, kernelSize: 2 })]],
  ['Cropping2D and a non-square UpSampling2D after a Conv2D', () => [new Conv2D({ filters: 2, kernelSize: 1, ...image }), new Cropping2D({ cropping: [[1, 0], [0, 2]] }), new UpSampling2D({ size: [2, 3] })]],
  ['Conv2DTranspose same stride 2, and valid with an output padding', () => [new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...image }), new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: [1, 0] })]],
  ['TimeDistributed(Conv2D), TimeDistributed(Flatten), then an LSTM', () => [new TimeDistributed({ layer: new Conv2D({ filters: 2, kernelSize: 2, activation: 'relu' }), inputShape: [3, 5, 4, 2] }), new TimeDistributed(new Flatten()), new LSTM({ units: 2 })]],
  ['TimeDistributed(MaxPooling2D) and TimeDistributed(TimeDistributed(Dense)) of 4-D steps', () => [new TimeDistributed({ layer: new MaxPooling2D(), inputShape: [3, 4, 4, 2] }), new TimeDistributed(new TimeDistributed(new Conv1D({ filters: 2, kernelSize: 1 })))]],
  ['TimeDistributed(LSTM) and TimeDistributed(Softmax over axis 1)', () => [new TimeDistributed({ layer: new LSTM({ units: 2, returnSequences: true }), inputShape: [3, 5, 2] }), new TimeDistributed(new Softmax({ axis: 1 }))]],
  ['Bidirectional ave, and a backward GRU of other units', () => [new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: true }), mergeMode: 'ave', ...sequence }), new Bidirectional({ layer: new LSTM({ units: 3 }), backwardLayer: new GRU({ units: 2, goBackwards: true }) })]],
];

const dir = tempDir('layerwise-onnx-probes-');
const written: string[] = [];

describe('option combinations: ONNX Runtime predicts what layerwise predicts, and the file loads back bit for bit', () => {
  it.each(CASES)('%s', (name, layers) => expectRuntimeAgrees(name, layers(), dir, written, [1, 7, 13]));
});

describe('the ONNX checker', () => {
  it('accepts every file written above (where python3-onnx is present)', () => {
    expect(written).toHaveLength(CASES.length);
    expectCheckerAccepts(written);
  });
});

let o: Onnx;
beforeAll(async () => {
  o = await onnxProto();
});

/** A graph of `nodes` from `input` [batch, ...dims] to `output`. */
function graphOf(nodes: onnx.INodeProto[], initializers: onnx.ITensorProto[], dims: number[], outputDims = dims): Uint8Array {
  const info = (name: string, d: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, ...d.map((v) => ({ dimValue: v }))] } } } });
  const graph = { name: 'g', node: nodes, initializer: initializers, input: [info('input', dims)], output: [info('output', outputDims)] };
  return o.ModelProto.encode(o.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

const floats = (name: string, dims: number[], values?: number[]): onnx.ITensorProto => ({
  name,
  dims,
  dataType: 1,
  floatData: values ?? Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => (i % 7) / 7 - 0.4),
});
const text = (name: string, value: string): onnx.IAttributeProto => ({ name, type: 3, s: new TextEncoder().encode(value) });

async function expectFails(bytes: Uint8Array, message: RegExp): Promise<void> {
  const error = await loadOnnx(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LayerwiseError);
  expect((error as Error).message).toMatch(message);
}

describe('imports that computed something else, or crashed, now refuse clearly', () => {
  it('a Gemm or MatMul bias of [units, 1] (one value per row of the batch) is not a per-unit bias', async () => {
    const gemm = (c: onnx.ITensorProto) => graphOf([{ opType: 'Gemm', name: 'fc', input: ['input', 'w', 'c'], output: ['output'] }], [floats('w', [4, 2]), c], [4], [2]);
    await expectFails(gemm(floats('c', [2, 1])), /node "fc" \(Gemm\): its bias has shape \[2,1\], which is not one value per unit along the last axis/);
    const matMul = graphOf(
      [
        { opType: 'MatMul', name: 'mm', input: ['input', 'w'], output: ['m'] },
        { opType: 'Add', name: 'plus', input: ['m', 'c'], output: ['output'] },
      ],
      [floats('w', [4, 4]), floats('c', [4, 1])],
      [4],
    );
    await expectFails(matMul, /node "plus" \(Add\): its bias has shape \[4,1\]/);
    // [1, units], [units] and one value still read as the bias.
    for (const c of [floats('c', [1, 2]), floats('c', [2]), floats('c', [1, 1], [0.5])]) {
      const model = await loadOnnx(gemm(c));
      const y = model.predict(tensor([1, 0, 0, 0, 0, 1, 0, 0], [2, 4]));
      const values = Array.from(c.floatData!);
      const bias = (j: number) => values[values.length === 1 ? 0 : j];
      expect(maxDiff(y.data, [-0.4 + bias(0), 1 / 7 - 0.4 + bias(1), 2 / 7 - 0.4 + bias(0), 3 / 7 - 0.4 + bias(1)])).toBeLessThan(1e-6);
    }
  });

  it('a Dropout in training mode (random) is refused; one with training_mode false is the identity', async () => {
    const dropout = (training: number) =>
      graphOf(
        [
          { opType: 'Dropout', name: 'drop', input: ['input', 'ratio', 'training'], output: ['d'] },
          { opType: 'Relu', name: 'relu', input: ['d'], output: ['output'] },
        ],
        [floats('ratio', [], [0.5]), { name: 'training', dims: [], dataType: 9, int32Data: [training] }],
        [4],
      );
    await expectFails(dropout(1), /node "drop" \(Dropout\): its training_mode is not a constant false/);
    const model = await loadOnnx(dropout(0));
    expect(Array.from(model.predict(tensor([-1, 2, -3, 4], [1, 4])).data)).toEqual([0, 2, 0, 4]);
  });

  it('a Resize or a ConvTranspose whose output would hold billions of values fails before anything is allocated', async () => {
    const nearest = [text('mode', 'nearest'), text('coordinate_transformation_mode', 'asymmetric'), text('nearest_mode', 'floor')];
    const resize = graphOf([{ opType: 'Resize', name: 'up', input: ['input', '', 'scales'], output: ['output'], attribute: nearest }], [floats('scales', [4], [1, 1, 1e9, 1])], [2, 5, 5]);
    await expectFails(resize, /the layer up_sampling2d_\d+ \(UpSampling2D\) the file describes would give 50000000000 values a sample, more than the 2\^28/);
    const strides = { name: 'strides', type: 7, ints: [2 ** 30, 1] };
    const transpose = graphOf([{ opType: 'ConvTranspose', name: 'up', input: ['input', 'w'], output: ['output'], attribute: [strides] }], [floats('w', [2, 3, 2, 2])], [2, 5, 5]);
    await expectFails(transpose, /\(Conv2DTranspose\) the file describes would give \d+ values a sample/);
  });

  it('a LayerNormalization of the channels and spatial axes of channels-first data together is refused', async () => {
    const conv = { opType: 'Conv', name: 'conv', input: ['input', 'w'], output: ['c'] };
    const norm = (axis: number) =>
      graphOf([conv, { opType: 'LayerNormalization', name: 'norm', input: ['c', 'scale'], output: ['output'], attribute: [{ name: 'axis', type: 2, i: axis }] }], [floats('w', [2, 2, 1, 1]), floats('scale', axis === 1 ? [2, 3, 3] : [3, 3])], [2, 3, 3]);
    await expectFails(norm(1), /node "norm" \(LayerNormalization\): it normalizes the channels and spatial axes of a channels-first tensor together/);
    // The spatial axes alone (axis 2 of NCHW) are Keras's axis [1, 2].
    const model = await loadOnnx(norm(2));
    expect((model.layers[1] as LayerNormalization).getConfig().axis).toEqual([1, 2]);
  });

  it('a graph may end with a Flatten of channels-first data pooled to 1×1 (one position: the same order in both layouts)', async () => {
    const bytes = graphOf(
      [
        { opType: 'Conv', name: 'conv', input: ['input', 'w'], output: ['c'] },
        { opType: 'MaxPool', name: 'pool', input: ['c'], output: ['p'], attribute: [{ name: 'kernel_shape', type: 7, ints: [4, 3] }] },
        { opType: 'Flatten', name: 'flat', input: ['p'], output: ['output'] },
      ],
      [floats('w', [3, 2, 1, 1])],
      [2, 4, 3],
      [3],
    );
    const model = await loadOnnx(bytes);
    const x = inputs([5, 2, 4, 3], 5);
    const nhwc = tensor(permute(x.data, x.shape, [0, 2, 3, 1]), [5, 4, 3, 2]);
    expect(maxDiff(model.predict(nhwc).data, (await runOrt(bytes, x)).data)).toBeLessThan(1e-6);
  });

  it('steps folded into the batch (a TimeDistributed) and never unfolded are refused', async () => {
    const bytes = graphOf(
      [
        { opType: 'Reshape', name: 'fold', input: ['input', 'shape'], output: ['f'] },
        { opType: 'Relu', name: 'relu', input: ['f'], output: ['output'] },
      ],
      [{ name: 'shape', dims: [2], dataType: 7, int64Data: [-1, 4] }],
      [3, 4],
      [4],
    );
    await expectFails(bytes, /node "fold" \(Reshape\): it folds the 3 steps into the batch, and no Reshape to \[-1, 3, \.\.\.\] unfolds them/);
  });

  it('a Dense after a channels-first run still reads its rows in layerwise\'s order (unchanged by the bias check)', async () => {
    const { model, bytes } = await exportCase([new Conv2D({ filters: 2, kernelSize: 2, ...image }), new Permute({ dims: [2, 1, 3] }), new Dense({ units: 3 })], dir, written);
    const x = inputs([3, ...model.inputShape!], 3);
    expect(bits((await loadOnnx(bytes)).predict(x))).toEqual(bits(model.predict(x)));
  });
});
