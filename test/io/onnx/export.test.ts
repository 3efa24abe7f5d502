/**
 * ONNX export, checked by ONNX Runtime: every layer class and activation form, at batch 1 and 7,
 * predicts in onnxruntime-node what it predicts in layerwise (to 1e-5); each file loads back into
 * layerwise and predicts bit for bit the same; and, where Debian's python3-onnx is present, the
 * ONNX checker (with shape inference) accepts every file written.
 */
import { describe, expect, it } from 'vitest';
import {
  Activation,
  AveragePooling1D,
  AveragePooling2D,
  BatchNormalization,
  Conv1D,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  LeakyReLU,
  MaxPooling1D,
  MaxPooling2D,
  PReLU,
  ReLU,
  Reshape,
  Softmax,
  ZeroPadding2D,
  type Layer,
} from 'layerwise';
import { tempDir } from '../helpers';
import { expectCheckerAccepts, expectRuntimeAgrees } from './onnx-helpers';

const ACTIVATION_KEYS = ['linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'gelu', 'swish', 'silu', 'softplus', 'softsign', 'hard_sigmoid', 'relu6'];

/** A case: a model's layers, the first with its inputShape. */
type Case = [name: string, layers: () => Layer[]];

const image = { inputShape: [6, 5, 2] };
const sequence = { inputShape: [9, 3] };

const CASES: Case[] = [
  ...ACTIVATION_KEYS.map((key): Case => [`Dense with activation '${key}'`, () => [new Dense({ units: 5, activation: key, inputShape: [4] })]]),
  ...ACTIVATION_KEYS.map((key): Case => [`Conv2D with activation '${key}' (channels first in the graph)`, () => [new Conv2D({ filters: 3, kernelSize: 2, activation: key, ...image })]]),
  ['Dense on sequences (MatMul and Add), no bias', () => [new Dense({ units: 4, useBias: false, ...sequence }), new Dense({ units: 2, activation: 'tanh' })]],
  ['Dense with a LeakyReLU layer as activation', () => [new Dense({ units: 5, activation: new LeakyReLU({ alpha: 0.1 }), inputShape: [4] })]],
  ['Dense with a PReLU layer as activation', () => [new Dense({ units: 5, activation: new PReLU({ alphaInitializer: 'ones' }), inputShape: [4] })]],
  ['activation layers', () => [new Dense({ units: 6, inputShape: [4] }), new ReLU(), new Dense({ units: 6 }), new ReLU({ maxValue: 0.3 }), new LeakyReLU(), new ELU({ alpha: 0.7 }), new Activation('gelu'), new Softmax()]],
  ['LeakyReLU with negativeSlope, ELU default, ReLU(6)', () => [new LeakyReLU({ negativeSlope: 0.05, inputShape: [3, 4] }), new ELU(), new ReLU(6)]],
  ['Softmax over axis 1 of [3, 4]', () => [new Softmax({ axis: 1, inputShape: [3, 4] })]],
  ['PReLU on rows and on images', () => [new PReLU({ inputShape: [3, 4] }), new Reshape({ targetShape: [3, 2, 2] }), new Conv2D({ filters: 2, kernelSize: 1 }), new PReLU()]],
  ['Conv2D valid, no bias, a 2x3 kernel, a fused LeakyReLU layer', () => [new Conv2D({ filters: 4, kernelSize: [2, 3], useBias: false, activation: new LeakyReLU({ alpha: 0.2 }), ...image })]],
  ['Conv2D same, stride 2 (TensorFlow\'s asymmetric pads)', () => [new Conv2D({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', ...image }), new Conv2D({ filters: 2, kernelSize: [3, 2], strides: [1, 2], padding: 'same' })]],
  ['Conv2D dilated', () => [new Conv2D({ filters: 2, kernelSize: 2, dilationRate: [2, 1], padding: 'same', ...image }), new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 2 })]],
  ['Conv1D valid, same with stride 2, causal dilated', () => [new Conv1D({ filters: 3, kernelSize: 2, ...sequence }), new Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), new Conv1D({ filters: 2, kernelSize: 2, dilationRate: 2, padding: 'causal', activation: 'relu' })]],
  ['MaxPooling2D and AveragePooling2D, valid and same', () => [new MaxPooling2D({ poolSize: 2, ...image }), new AveragePooling2D({ poolSize: [2, 2], strides: 1, padding: 'same' }), new MaxPooling2D({ poolSize: 2, strides: [1, 2], padding: 'same' })]],
  ['AveragePooling2D same with stride 2 (padding never counted)', () => [new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same', ...image })]],
  ['MaxPooling1D and AveragePooling1D', () => [new MaxPooling1D({ poolSize: 2, ...sequence }), new AveragePooling1D({ poolSize: 3, strides: 1, padding: 'same' }), new MaxPooling1D({ poolSize: 2, strides: 1, padding: 'same' })]],
  ['GlobalAveragePooling2D after a Conv2D', () => [new Conv2D({ filters: 3, kernelSize: 2, ...image }), new GlobalAveragePooling2D()]],
  ['GlobalMaxPooling2D on the input', () => [new GlobalMaxPooling2D(image), new Dense({ units: 2 })]],
  ['GlobalAveragePooling1D on the input, GlobalMaxPooling1D after a Conv1D', () => [new Conv1D({ filters: 3, kernelSize: 2, ...sequence }), new GlobalMaxPooling1D()]],
  ['GlobalAveragePooling1D on the input', () => [new GlobalAveragePooling1D(sequence)]],
  ['BatchNormalization on rows, images and sequences', () => [new BatchNormalization({ inputShape: [4] }), new Dense({ units: 6 }), new Reshape([3, 2]), new BatchNormalization({ epsilon: 0.01 }), new Reshape([3, 2, 1]), new Conv2D({ filters: 2, kernelSize: 1 }), new BatchNormalization({ center: false }), new BatchNormalization({ scale: false })]],
  ['Flatten after convolutions (Keras\'s channels-last order)', () => [new Conv2D({ filters: 3, kernelSize: 2, ...image }), new MaxPooling2D(), new Flatten(), new Dense({ units: 3, activation: 'softmax' })]],
  ['Reshape after a Conv2D, and into a Conv1D', () => [new Conv2D({ filters: 2, kernelSize: 2, ...image }), new Reshape({ targetShape: [-1, 4] }), new Conv1D({ filters: 2, kernelSize: 2 }), new Flatten()]],
  ['Dropout (dropped)', () => [new Dense({ units: 4, inputShape: [3] }), new Dropout({ rate: 0.5 }), new Dense({ units: 2 })]],
  ['ZeroPadding2D, asymmetric, then Conv2D', () => [new ZeroPadding2D({ padding: [[1, 0], [2, 1]], ...image }), new Conv2D({ filters: 2, kernelSize: 3 })]],
  ['Softmax layers on images: last axis, and axis 1', () => [new Conv2D({ filters: 3, kernelSize: 2, ...image }), new Softmax(), new Conv2D({ filters: 2, kernelSize: 1 }), new Softmax({ axis: 1 })]],
  ['ends channels first: a Conv2D output', () => [new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid', ...image })]],
];

const dir = tempDir('layerwise-onnx-');
const written: string[] = [];

describe('toOnnx: onnxruntime-node predicts what layerwise predicts', () => {
  it.each(CASES)('%s', (name, layers) => expectRuntimeAgrees(name, layers(), dir, written, [1, 7]));
});

describe('the ONNX checker', () => {
  it('accepts every file written above (onnx.checker.check_model with shape inference, where python3-onnx is present)', () => {
    expect(written).toHaveLength(CASES.length);
    expectCheckerAccepts(written);
  });
});
