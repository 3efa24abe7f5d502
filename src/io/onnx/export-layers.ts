import type { ActivationLayer } from '../../layers/activations';
import type { ActivationSlot } from '../../layers/activation-slot';
import type { BaseConv, WindowConv } from '../../layers/base-conv';
import type { BatchNormalization } from '../../layers/batch-normalization';
import type { Dense } from '../../layers/dense';
import type { Conv2DTranspose } from '../../layers/conv2d-transpose';
import { transposedAxis } from '../../layers/conv2d-transpose';
import type { DepthwiseConv2D } from '../../layers/depthwise-conv2d';
import type { Layer } from '../../layers/layer';
import type { Shape } from '../../tensor/tensor';
import type { SeparableConv2D } from '../../layers/separable-conv2d';
import type { TimeDistributed } from '../../layers/time-distributed';
import type { WindowPooling } from '../../layers/pooling';
import type { ZeroPadding2D } from '../../layers/zero-padding';
import { LayerwiseError } from '../../util/errors';
import { exportFunction } from './export-activations';
import { float, int, ints, type GraphBuilder, type Value } from './graph';
import { permute, shapeIn, windowPads } from './layout';
import { bidirectional, recurrent } from './export-recurrent';
import { cropping1d, cropping2d, embedding, layerNormalization, normalization, permuteLayer, repeatVector, rescaling, upSampling1d, upSampling2d, zeroPadding1d } from './export-shapes';
import { weightsOf } from './export-weights';

/** Writes one layer on `x` (the tensor before it); returns the tensor after it. */
export type LayerExporter = (layer: Layer, x: Value, g: GraphBuilder) => Value;

/** The activation of a Dense, a convolution or an activation layer, written on `x`. */
function exportSlot(slot: ActivationSlot, x: Value, g: GraphBuilder, owner: string): Value {
  return slot.layer ? exportLayer(slot.layer, x, g) : exportFunction(slot.fn!, x, g, owner);
}

/** y = activation(x · kernel + bias): Gemm for [batch, features], MatMul and Add for inputs of higher rank. */
const dense: LayerExporter = (layer, input, g) => {
  const d = layer as Dense;
  const x = g.toLayout(input, 'last', d.name);
  const w = weightsOf(d);
  const kernel = g.weight(`${d.name}/kernel`, w.get('kernel')!.data, w.get('kernel')!.shape);
  const bias = d.useBias ? g.weight(`${d.name}/bias`, w.get('bias')!.data, [d.units]) : undefined;
  const shape = d.computeOutputShape(x.shape);
  let z: Value;
  if (x.shape.length === 1) z = g.op('Gemm', d.name, bias ? [x.name, kernel, bias] : [x.name, kernel], {}, shape, 'last');
  else {
    z = g.op('MatMul', d.name, [x.name, kernel], {}, shape, 'last');
    if (bias) z = g.op('Add', d.name, [z.name, bias], {}, shape, 'last');
  }
  return exportSlot(d.activation, z, g, d.name);
};

/** Conv1D and Conv2D: the kernel [k..., in, filters] becomes ONNX's [filters, in, k...], on channels-first data. */
const conv: LayerExporter = (layer, input, g) => {
  const c = layer as BaseConv;
  const x = g.toLayout(input, 'first', c.name);
  const w = weightsOf(c);
  const { data, shape: kernelShape } = w.get('kernel')!;
  const rank = c.kernelSize.length;
  const perm = [rank + 1, rank, ...c.kernelSize.map((_, i) => i)];
  const kernel = g.weight(`${c.name}/kernel`, permute(data, kernelShape, perm), perm.map((p) => kernelShape[p]));
  const inputs = [x.name, kernel, ...(c.useBias ? [g.weight(`${c.name}/bias`, w.get('bias')!.data, [c.filters])] : [])];
  const attributes = {
    kernel_shape: ints(c.kernelSize),
    strides: ints(c.strides),
    dilations: ints(c.dilationRate),
    pads: ints(windowPads(x.shape.slice(0, rank), c.kernelSize, c.strides, c.dilationRate, c.padding)!),
    group: int(1),
  };
  const z = g.op('Conv', c.name, inputs, attributes, c.computeOutputShape(x.shape), 'first');
  return exportSlot(c.activation, z, g, c.name);
};

/** A Conv on channels-first x of a kernel already in ONNX's layout [out, in / group, kh, kw], with the window attributes of `c`. */
function convNode(c: WindowConv, x: Value, g: GraphBuilder, kernel: string, bias: string | undefined, group: number, outputShape: Shape, padding = c.padding): Value {
  const attributes = {
    kernel_shape: ints(c.kernelSize),
    strides: ints(c.strides),
    dilations: ints(c.dilationRate),
    pads: ints(windowPads(x.shape.slice(0, 2), c.kernelSize, c.strides, c.dilationRate, padding)!),
    group: int(group),
  };
  return g.op('Conv', c.name, [x.name, kernel, ...(bias ? [bias] : [])], attributes, outputShape, 'first');
}

/** A depthwise kernel [kh, kw, channels, multiplier] as a grouped Conv's [channels · multiplier, 1, kh, kw] (output channel c · multiplier + m). */
function depthwiseKernel(c: WindowConv, g: GraphBuilder, name: string): string {
  const { data, shape } = weightsOf(c).get(name)!;
  const [kh, kw, channels, multiplier] = shape;
  return g.weight(`${c.name}/${name}`, permute(data, shape, [2, 3, 0, 1]), [channels * multiplier, 1, kh, kw]);
}

/** DepthwiseConv2D: a Conv with one group per input channel. */
const depthwiseConv: LayerExporter = (layer, input, g) => {
  const c = layer as DepthwiseConv2D;
  const x = g.toLayout(input, 'first', c.name);
  const channels = x.shape[2];
  const bias = c.useBias ? g.weight(`${c.name}/bias`, weightsOf(c).get('bias')!.data, [channels * c.depthMultiplier]) : undefined;
  const z = convNode(c, x, g, depthwiseKernel(c, g, 'depthwise_kernel'), bias, channels, c.computeOutputShape(x.shape));
  return exportSlot(c.activation, z, g, c.name);
};

/** SeparableConv2D: the depthwise Conv (grouped, no bias), then the pointwise 1×1 Conv with the bias. */
const separableConv: LayerExporter = (layer, input, g) => {
  const c = layer as SeparableConv2D;
  const x = g.toLayout(input, 'first', c.name);
  const channels = x.shape[2];
  const w = weightsOf(c);
  const shape = c.computeOutputShape(x.shape);
  const depthwise = convNode(c, x, g, depthwiseKernel(c, g, 'depthwise_kernel'), undefined, channels, [...shape.slice(0, 2), channels * c.depthMultiplier]);
  const { data, shape: pointShape } = w.get('pointwise_kernel')!;
  const pointwise = g.weight(`${c.name}/pointwise_kernel`, permute(data, pointShape, [3, 2, 0, 1]), [pointShape[3], pointShape[2], 1, 1]);
  const bias = c.useBias ? g.weight(`${c.name}/bias`, w.get('bias')!.data, [c.filters]) : undefined;
  const z = g.op('Conv', c.name, [depthwise.name, pointwise, ...(bias ? [bias] : [])], { kernel_shape: ints([1, 1]) }, shape, 'first');
  return exportSlot(c.activation, z, g, c.name);
};

/**
 * Conv2DTranspose: ConvTranspose with Keras 3's output size. Its windows (transposedAxis) are those
 * of the convolution it transposes: the begin pad is that convolution's; the end pad is too, and
 * when that one is negative (an output longer than a plain transpose gives), output_padding adds the rest.
 */
const convTranspose: LayerExporter = (layer, input, g) => {
  const c = layer as Conv2DTranspose;
  const x = g.toLayout(input, 'first', c.name);
  const w = weightsOf(c);
  const { data, shape } = w.get('kernel')!;
  const axes = [0, 1].map((i) => transposedAxis(x.shape[i], c.kernelSize[i], c.strides[i], c.dilationRate[i], c.padding as 'valid' | 'same', c.outputPadding?.[i])!);
  const kernel = g.weight(`${c.name}/kernel`, permute(data, shape, [3, 2, 0, 1]), [shape[3], shape[2], shape[0], shape[1]]);
  const bias = c.useBias ? [g.weight(`${c.name}/bias`, w.get('bias')!.data, [c.filters])] : [];
  const attributes = {
    kernel_shape: ints(c.kernelSize),
    strides: ints(c.strides),
    dilations: ints(c.dilationRate),
    pads: ints([...axes.map((a) => a.padBefore), ...axes.map((a) => Math.max(a.padAfter, 0))]),
    output_padding: ints(axes.map((a) => Math.max(-a.padAfter, 0))),
  };
  const z = g.op('ConvTranspose', c.name, [x.name, kernel, ...bias], attributes, c.computeOutputShape(x.shape), 'first');
  return exportSlot(c.activation, z, g, c.name);
};

/** MaxPooling and AveragePooling of rank 1 and 2; padding never counts in an average, as in layerwise and TensorFlow. */
const pooling =
  (opType: 'MaxPool' | 'AveragePool'): LayerExporter =>
  (layer, input, g) => {
    const p = layer as WindowPooling;
    const x = g.toLayout(input, 'first', p.name);
    const spatial = x.shape.slice(0, -1);
    const attributes = {
      kernel_shape: ints(p.poolSize),
      strides: ints(p.strides),
      pads: ints(windowPads(spatial, p.poolSize, p.strides, p.poolSize.map(() => 1), p.padding)!),
      ...(opType === 'AveragePool' ? { count_include_pad: int(0) } : {}),
    };
    return g.op(opType, p.name, [x.name], attributes, p.computeOutputShape(x.shape), 'first');
  };

/** Global poolings: a reduction over the spatial axes, in whichever layout x is (no Transpose needed). */
const globalPooling =
  (opType: 'ReduceMean' | 'ReduceMax'): LayerExporter =>
  (layer, x, g) => {
    const spatial = x.shape.length - 1;
    const first = x.layout === 'first' ? 2 : 1;
    const axes = Array.from({ length: spatial }, (_, i) => first + i);
    return g.op(opType, layer.name, [x.name], { axes: ints(axes), keepdims: int(0) }, layer.computeOutputShape(x.shape), 'last');
  };

/** BatchNormalization in inference form, over the channels (ONNX's axis 1, so channels first for rank 3 and more). */
const batchNormalization: LayerExporter = (layer, input, g) => {
  const b = layer as BatchNormalization;
  const x = g.toLayout(input, 'first', b.name);
  const w = weightsOf(b);
  const channels = x.shape[x.shape.length - 1];
  const of = (key: string, fallback: number) => g.weight(`${b.name}/${key}`, w.get(key)?.data ?? new Float32Array(channels).fill(fallback), [channels]);
  const inputs = [x.name, of('gamma', 1), of('beta', 0), of('moving_mean', 0), of('moving_variance', 1)];
  return g.op('BatchNormalization', b.name, inputs, { epsilon: float(b.epsilon), momentum: float(b.momentum) }, x.shape, x.layout);
};

/** Flatten in Keras's order (channels last): back to layerwise's layout first. */
const flatten: LayerExporter = (layer, input, g) => {
  const x = g.toLayout(input, 'last', layer.name);
  return g.op('Flatten', layer.name, [x.name], { axis: int(1) }, layer.computeOutputShape(x.shape), 'last');
};

/** Reshape in Keras's order: the batch kept (0), the rest the resolved target shape. */
const reshape: LayerExporter = (layer, input, g) => {
  const x = g.toLayout(input, 'last', layer.name);
  const shape = layer.computeOutputShape(x.shape);
  return g.op('Reshape', layer.name, [x.name, g.int64s(`${layer.name}/shape`, [0, ...shape])], {}, shape, 'last');
};

/** Rows and columns of zeros: Pad on channels-first images. */
const zeroPadding2d: LayerExporter = (layer, input, g) => {
  const z = layer as ZeroPadding2D;
  const x = g.toLayout(input, 'first', z.name);
  const [[top, bottom], [left, right]] = z.padding;
  const padsName = g.int64s(`${z.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return g.op('Pad', z.name, [x.name, padsName], {}, z.computeOutputShape(x.shape), 'first');
};

/** PReLU: PRelu with the slopes in x's layout (one per value of a sample, broadcast over the batch). */
const prelu: LayerExporter = (layer, x, g) => {
  const { data, shape } = weightsOf(layer).get('alpha')!;
  const layout = shape.length < 2 ? 'last' : x.layout;
  const perm = layout === 'first' ? [shape.length - 1, ...shape.slice(0, -1).map((_, i) => i)] : undefined;
  const slope = g.weight(`${layer.name}/alpha`, perm ? permute(data, shape, perm) : data, shapeIn(shape, layout));
  return g.op('PRelu', layer.name, [x.name, slope], {}, x.shape, x.layout);
};

/** Activation layers: their function, which may sit in either layout. */
const activationLayer: LayerExporter = (layer, x, g) => exportSlot((layer as ActivationLayer).outputActivation(), x, g, layer.name);

/**
 * TimeDistributed: a Dense on [batch, steps, features] is itself (MatMul on rank 3); another layer
 * sees the steps folded into the batch (a Reshape to [batch · steps, ...step]) and unfolded after.
 */
const timeDistributed: LayerExporter = (layer, input, g) => {
  const t = layer as TimeDistributed;
  const x = g.toLayout(input, 'last', t.name);
  if (t.layer.className === 'Dense') return exportLayer(t.layer, x, g);
  const [steps, ...step] = x.shape;
  const folded = g.op('Reshape', t.name, [x.name, g.int64s(`${t.name}/fold`, [-1, ...step])], {}, step, 'last');
  const inner = g.toLayout(exportLayer(t.layer, folded, g), 'last', t.name);
  const shape = [steps, ...inner.shape];
  return g.op('Reshape', t.name, [inner.name, g.int64s(`${t.name}/unfold`, [-1, ...shape])], {}, shape, 'last');
};

/** Layers that compute the identity in inference (dropout and noise of every kind): nothing is written. */
const inference: LayerExporter = (_layer, x) => x;

/**
 * The ONNX form of each layer class, by its class name: adding a layer to the export is one entry.
 * A class without one fails the export, naming the layer.
 */
export const LAYER_EXPORTERS: ReadonlyMap<string, LayerExporter> = new Map<string, LayerExporter>([
  ['Dense', dense],
  ['Conv1D', conv],
  ['Conv2D', conv],
  ['MaxPooling1D', pooling('MaxPool')],
  ['MaxPooling2D', pooling('MaxPool')],
  ['AveragePooling1D', pooling('AveragePool')],
  ['AveragePooling2D', pooling('AveragePool')],
  ['GlobalAveragePooling1D', globalPooling('ReduceMean')],
  ['GlobalAveragePooling2D', globalPooling('ReduceMean')],
  ['GlobalMaxPooling1D', globalPooling('ReduceMax')],
  ['GlobalMaxPooling2D', globalPooling('ReduceMax')],
  ['BatchNormalization', batchNormalization],
  ['Flatten', flatten],
  ['Reshape', reshape],
  ['ZeroPadding2D', zeroPadding2d],
  // Inference only: dropout and noise are the identity.
  ...['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise'].map((name): [string, LayerExporter] => [name, inference]),
  ['Conv2DTranspose', convTranspose],
  ['DepthwiseConv2D', depthwiseConv],
  ['SeparableConv2D', separableConv],
  ['Embedding', embedding],
  ['Permute', permuteLayer],
  ['RepeatVector', repeatVector],
  ['Rescaling', rescaling],
  ['Normalization', normalization],
  ['LayerNormalization', layerNormalization],
  ['Cropping1D', cropping1d],
  ['Cropping2D', cropping2d],
  ['ZeroPadding1D', zeroPadding1d],
  ['UpSampling1D', upSampling1d],
  ['UpSampling2D', upSampling2d],
  ['SimpleRNN', recurrent],
  ['LSTM', recurrent],
  ['GRU', recurrent],
  ['Bidirectional', bidirectional],
  ['TimeDistributed', timeDistributed],
  ['ReLU', activationLayer],
  ['LeakyReLU', activationLayer],
  ['ELU', activationLayer],
  ['Softmax', activationLayer],
  ['Activation', activationLayer],
  ['PReLU', prelu],
]);

/** Writes `layer` on `x`; a class with no ONNX form fails, naming the layer and the class. */
export function exportLayer(layer: Layer, x: Value, g: GraphBuilder): Value {
  const exporter = LAYER_EXPORTERS.get(layer.className);
  if (!exporter) {
    throw new LayerwiseError(
      `exportOnnx: the layer ${layer.name} (${layer.className}) has no ONNX form yet, so the model cannot be exported to ONNX. ` +
        `Layers that export: ${[...LAYER_EXPORTERS.keys()].join(', ')}. Save it in TF.js's format instead (model.save).`,
    );
  }
  // A layer that reads the mask (GlobalAveragePooling1D's masked mean) or refuses it cannot be written: ONNX has no mask.
  // The recurrent layers, which read it too, say why themselves.
  if (x.maskFrom !== undefined && !(layer.constructor as typeof Layer).supportsMasking && exporter !== recurrent) {
    throw new LayerwiseError(
      `exportOnnx: the layer ${layer.name} (${layer.className}) receives the mask of ${x.maskFrom} (an Embedding with maskZero: true), which ONNX cannot carry: ` +
        `the layer reads it (or cannot take one), so the file would compute something else. Build the Embedding without maskZero.`,
    );
  }
  const y = exporter(layer, x, g);
  // Layers that pass a mask on (supportsMasking) compute the same with or without it; the recurrent ones, which read it, refused above.
  return x.maskFrom === undefined || y.maskFrom !== undefined ? y : { ...y, maskFrom: x.maskFrom };
}
