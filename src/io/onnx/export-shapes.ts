import type { Cropping1D } from '../../layers/cropping-1d';
import type { Cropping2D } from '../../layers/cropping-2d';
import type { Embedding } from '../../layers/embedding';
import type { Layer } from '../../layers/layer';
import type { LayerNormalization } from '../../layers/layer-normalization';
import type { Normalization } from '../../layers/normalization';
import type { Permute } from '../../layers/permute';
import type { RepeatVector } from '../../layers/repeat-vector';
import type { Rescaling } from '../../layers/rescaling';
import type { UpSampling1D } from '../../layers/up-sampling-1d';
import type { UpSampling2D } from '../../layers/up-sampling-2d';
import type { ZeroPadding1D } from '../../layers/zero-padding-1d';
import type { Shape } from '../../tensor/tensor';
import { float, int, ints, string, type Attribute, type GraphBuilder, type Value } from './graph';
import { axisIn, type Layout } from './layout';
import { weightsOf } from './export-weights';
import { INT64 } from './proto';

/*
 * The layers that move, pick, repeat or rescale values (and the two normalizations), each as a few
 * ONNX operators on layerwise's channels-last data (or on either layout, where the axes are mapped).
 */

/** Writes one layer on `x`; returns the tensor after it. */
type Exporter = (layer: Layer, x: Value, g: GraphBuilder) => Value;

/** Embedding: the ids (float32, as every layerwise input) cast to int64, then a Gather of the embeddings' rows. */
export const embedding: Exporter = (layer, input, g) => {
  const e = layer as Embedding;
  const x = g.toLayout(input, 'last', e.name);
  const ids = g.op('Cast', e.name, [x.name], { to: int(INT64) }, x.shape, 'last');
  const table = g.weight(`${e.name}/embeddings`, weightsOf(e).get('embeddings')!.data, [e.inputDim, e.outputDim]);
  const y = g.op('Gather', e.name, [table, ids.name], { axis: int(0) }, e.computeOutputShape(x.shape), 'last');
  return e.maskZero ? { ...y, maskFrom: e.name } : y;
};

/** Permute: a Transpose of the axes after the batch. */
export const permuteLayer: Exporter = (layer, input, g) => {
  const p = layer as Permute;
  const x = g.toLayout(input, 'last', p.name);
  return g.op('Transpose', p.name, [x.name], { perm: ints([0, ...p.dims]) }, p.computeOutputShape(x.shape), 'last');
};

/** RepeatVector: [batch, features] to [batch, n, features] by an Unsqueeze and a Tile. */
export const repeatVector: Exporter = (layer, x, g) => {
  const r = layer as RepeatVector;
  const [features] = x.shape;
  const one = g.op('Unsqueeze', r.name, [x.name, g.int64s(`${r.name}/axes`, [1])], {}, [1, features], 'last');
  return g.op('Tile', r.name, [one.name, g.int64s(`${r.name}/repeats`, [1, r.n, 1])], {}, [r.n, features], 'last');
};

/** Rescaling: x · scale + offset, in whichever layout x is. */
export const rescaling: Exporter = (layer, x, g) => {
  const r = layer as Rescaling;
  const scaled = g.op('Mul', r.name, [x.name, g.scalar(`${r.name}/scale`, r.scale)], {}, x.shape, x.layout);
  return r.offset === 0 ? scaled : g.op('Add', r.name, [scaled.name, g.scalar(`${r.name}/offset`, r.offset)], {}, x.shape, x.layout);
};

/** The smallest standard deviation Normalization divides by (Keras's backend epsilon). */
const NORMALIZATION_EPSILON = 1e-7;

/** Normalization: (x − mean) / max(√variance, ε) per feature, or x · that + mean with invert, the statistics as constants. */
export const normalization: Exporter = (layer, input, g) => {
  const n = layer as Normalization;
  const x = g.toLayout(input, 'last', n.name);
  const rank = x.shape.length + 1;
  const axis = (n.axis < 0 ? n.axis + rank : n.axis) - 1;
  const features = x.shape[axis];
  const config = n.getConfig();
  const adapted = weightsOf(n);
  const values = (key: 'mean' | 'variance'): Float32Array => {
    const given = config[key] as number | number[] | undefined;
    if (given === undefined) return adapted.get(key)!.data;
    return Float32Array.from({ length: features }, (_, k) => (typeof given === 'number' ? given : given.length === 1 ? given[0] : given[k]));
  };
  const dims = x.shape.map((d, i) => (i === axis ? d : 1));
  const mean = g.weight(`${n.name}/mean`, values('mean'), dims);
  const deviation = g.weight(`${n.name}/deviation`, values('variance').map((v) => Math.max(Math.sqrt(v), NORMALIZATION_EPSILON)), dims);
  if (n.invert) {
    const scaled = g.op('Mul', n.name, [x.name, deviation], {}, x.shape, 'last');
    return g.op('Add', n.name, [scaled.name, mean], {}, x.shape, 'last');
  }
  const centred = g.op('Sub', n.name, [x.name, mean], {}, x.shape, 'last');
  return g.op('Div', n.name, [centred.name, deviation], {}, x.shape, 'last');
};

/**
 * LayerNormalization: opset 17's LayerNormalization when the normalized axes are the trailing ones
 * (as by default, -1), or the trailing spatial axes of channels-first data (axis [1, 2] after a
 * Conv2D), else the same formula from reductions. Without scale or center, gamma is ones
 * and beta zeros.
 */
export const layerNormalization: Exporter = (layer, input, g) => {
  const l = layer as LayerNormalization;
  const rank = input.shape.length + 1;
  const axes = (typeof l.axis === 'number' ? [l.axis] : l.axis).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const size = axes.map((a) => input.shape[a - 1]);
  const count = size.reduce((p, d) => p * d, 1);
  const w = weightsOf(l);
  const trailingIn = (layout: Layout) => axes.every((a, i) => axisIn(a, rank, layout) === rank - axes.length + i);
  // Spatial axes of channels-first data (not the channels) keep their order, and so the weights theirs: one operator there too.
  if (input.layout === 'first' && rank > 2 && !trailingIn('last') && trailingIn('first')) {
    const gamma = g.weight(`${l.name}/gamma`, w.get('gamma')?.data ?? new Float32Array(count).fill(1), size);
    const beta = g.weight(`${l.name}/beta`, w.get('beta')?.data ?? new Float32Array(count), size);
    return g.op('LayerNormalization', l.name, [input.name, gamma, beta], { axis: int(rank - axes.length), epsilon: float(l.epsilon) }, input.shape, 'first');
  }
  const x = g.toLayout(input, 'last', l.name);
  const trailing = trailingIn('last');
  const dims = trailing ? size : x.shape.map((d, i) => (axes.includes(i + 1) ? d : 1));
  const gamma = g.weight(`${l.name}/gamma`, w.get('gamma')?.data ?? new Float32Array(count).fill(1), dims);
  const beta = g.weight(`${l.name}/beta`, w.get('beta')?.data ?? new Float32Array(count), dims);
  if (trailing) return g.op('LayerNormalization', l.name, [x.name, gamma, beta], { axis: int(axes[0]), epsilon: float(l.epsilon) }, x.shape, 'last');
  const reduce = (v: Value) => g.op('ReduceMean', l.name, [v.name], { axes: ints(axes), keepdims: int(1) }, x.shape, 'last');
  const centred = g.op('Sub', l.name, [x.name, reduce(x).name], {}, x.shape, 'last');
  const variance = reduce(g.op('Mul', l.name, [centred.name, centred.name], {}, x.shape, 'last'));
  const std = g.op('Sqrt', l.name, [g.op('Add', l.name, [variance.name, g.scalar(`${l.name}/epsilon`, l.epsilon)], {}, x.shape, 'last').name], {}, x.shape, 'last');
  const normalized = g.op('Div', l.name, [centred.name, std.name], {}, x.shape, 'last');
  return g.op('Add', l.name, [g.op('Mul', l.name, [normalized.name, gamma], {}, x.shape, 'last').name, beta], {}, x.shape, 'last');
};

/** A Slice of each spatial axis (channels-last axes 1..) from `begin` to its size less `end`, in x's layout. */
function crop(owner: string, x: Value, g: GraphBuilder, cuts: readonly (readonly [number, number])[], shape: Shape): Value {
  const rank = x.shape.length + 1;
  const axes = cuts.map((_, i) => axisIn(i + 1, rank, x.layout));
  const starts = cuts.map(([begin]) => begin);
  const ends = cuts.map(([, end], i) => x.shape[i] - end);
  const inputs = [x.name, g.int64s(`${owner}/starts`, starts), g.int64s(`${owner}/ends`, ends), g.int64s(`${owner}/axes`, axes)];
  return g.op('Slice', owner, inputs, {}, shape, x.layout);
}

export const cropping1d: Exporter = (layer, x, g) => crop(layer.name, x, g, [(layer as Cropping1D).cropping], layer.computeOutputShape(x.shape));
export const cropping2d: Exporter = (layer, x, g) => crop(layer.name, x, g, (layer as Cropping2D).cropping, layer.computeOutputShape(x.shape));

/** ZeroPadding1D: Pad of the steps axis, in x's layout. */
export const zeroPadding1d: Exporter = (layer, x, g) => {
  const z = layer as ZeroPadding1D;
  const steps = axisIn(1, 3, x.layout);
  const pads = [0, 0, 0, 0, 0, 0];
  pads[steps] = z.padding[0];
  pads[3 + steps] = z.padding[1];
  return g.op('Pad', z.name, [x.name, g.int64s(`${z.name}/pads`, pads)], {}, z.computeOutputShape(x.shape), x.layout);
};

/** Resize by whole factors along the spatial axes: nearest repeats each value, linear with half-pixel centres is Keras's bilinear. */
function resize(owner: string, x: Value, g: GraphBuilder, factors: readonly number[], bilinear: boolean, shape: Shape): Value {
  const rank = x.shape.length + 1;
  const scales = new Array<number>(rank).fill(1);
  factors.forEach((f, i) => (scales[axisIn(i + 1, rank, x.layout)] = f));
  const attributes: Record<string, Attribute> = bilinear
    ? { mode: string('linear'), coordinate_transformation_mode: string('half_pixel') }
    : { mode: string('nearest'), coordinate_transformation_mode: string('asymmetric'), nearest_mode: string('floor') };
  return g.op('Resize', owner, [x.name, '', g.weight(`${owner}/scales`, Float32Array.from(scales), [rank])], attributes, shape, x.layout);
}

export const upSampling1d: Exporter = (layer, x, g) => resize(layer.name, x, g, [(layer as UpSampling1D).size], false, layer.computeOutputShape(x.shape));

/** UpSampling2D on channels-first images (ONNX Runtime's linear Resize interpolates the two innermost axes). */
export const upSampling2d: Exporter = (layer, input, g) => {
  const u = layer as UpSampling2D;
  const x = g.toLayout(input, 'first', u.name);
  return resize(u.name, x, g, u.size, u.interpolation === 'bilinear', u.computeOutputShape(x.shape));
};
