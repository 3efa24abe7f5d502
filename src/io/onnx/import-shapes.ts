import { Cropping1D } from '../../layers/cropping-1d';
import { Cropping2D } from '../../layers/cropping-2d';
import { Embedding } from '../../layers/embedding';
import { LayerNormalization } from '../../layers/layer-normalization';
import { Normalization } from '../../layers/normalization';
import { RepeatVector } from '../../layers/repeat-vector';
import { Rescaling } from '../../layers/rescaling';
import { UpSampling1D } from '../../layers/up-sampling-1d';
import { UpSampling2D } from '../../layers/up-sampling-2d';
import { after, plain, shortestFloat32, type ImportContext, type OpImporter } from './import-context';
import { axisFrom, isPerm } from './layout';
import type { GraphNode } from './read';

/*
 * The importers of the layers that pick, move, repeat, rescale and normalize values: Embedding (a
 * Cast of the ids and a Gather of a table's rows), LayerNormalization (opset 17's operator),
 * RepeatVector, the croppings, the upsamplings and Rescaling.
 */

/** ONNX's integer types an id may be cast to: int32 (6), int64 (7). */
const ID_TYPES = new Set([6, 7]);

/** A Cast of the ids to integers, then a Gather of the rows of a constant table [inputDim, outputDim]: Embedding. */
export const embeddingFrom: OpImporter = (cast, flow, ctx) => {
  plain(cast, flow, ctx);
  const gather = ctx.onlyReader(cast.outputs[0]);
  if (!ID_TYPES.has(ctx.int(cast, 'to', 0)) || gather?.opType !== 'Gather' || gather.inputs[1] !== cast.outputs[0] || ctx.int(gather, 'axis', 0) !== 0) {
    return ctx.fail(cast, 'layerwise reads a Cast only as the ids of an Embedding: a Cast to int64 (or int32) whose one reader Gathers rows (axis 0) of a constant table.');
  }
  if (flow.layout === 'first' && flow.shape.length > 1) ctx.fail(cast, 'it casts a channels-first tensor, which an Embedding cannot read.');
  ctx.take(gather);
  const table = ctx.floats(gather, 0, 'embeddings');
  if (table.dims.length !== 2 || !(table.dims[0] > 0 && table.dims[1] > 0)) ctx.fail(gather, `its table has shape [${table.dims}]; an Embedding's is [inputDim, outputDim].`);
  const [inputDim, outputDim] = table.dims;
  const layer = new Embedding({ inputDim, outputDim });
  return after(flow, gather.outputs[0], ctx.add(layer, flow, [{ values: table.values, shape: [inputDim, outputDim] }]), 'last');
};

/** LayerNormalization over the trailing axes from `axis` (of channels-last data, or the spatial ones of channels-first data), with its scale and bias. */
export const layerNormalizationFrom: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const rank = flow.shape.length + 1;
  const first = flow.layout === 'first' && rank > 2;
  const raw = ctx.int(node, 'axis', -1);
  const axis = raw < 0 ? raw + rank : raw;
  if (!(axis >= 1 && axis < rank) || ctx.int(node, 'stash_type', 1) !== 1 || node.outputs.slice(1).some((o) => ctx.isRead(o))) {
    ctx.fail(node, `layerwise normalizes each sample over trailing axes (axis 1 to ${rank - 1}), with float32 statistics and one output; this one has axis ${raw}.`);
  }
  // Of channels-first data, the trailing spatial axes (their weights in the same order); the channels too would need them permuted.
  if (first && axis === 1) ctx.fail(node, 'it normalizes the channels and spatial axes of a channels-first tensor together, which layerwise (channels last) cannot follow.');
  const axes = Array.from({ length: rank - axis }, (_, i) => axisFrom(axis + i, rank, flow.layout));
  const size = axes.map((a) => flow.shape[a - 1]);
  const count = size.reduce((a, b) => a * b, 1);
  const scale = ctx.floats(node, 1, 'scale');
  const bias = node.inputs[2] ? ctx.floats(node, 2, 'bias') : undefined;
  for (const [what, c] of [['scale', scale], ['bias', bias]] as const) {
    if (c && (c.values.length !== count || !isPerm(c.dims.slice(-size.length), size))) ctx.fail(node, `its ${what} has shape [${c.dims}], not the normalized axes' [${size}].`);
  }
  const layer = new LayerNormalization({ axis: axes.length === 1 ? axes[0] : axes, epsilon: shortestFloat32(ctx.float(node, 'epsilon', 1e-5)), center: bias !== undefined });
  const weights = [{ values: scale.values, shape: size }, ...(bias ? [{ values: bias.values, shape: size }] : [])];
  return after(flow, node.outputs[0], ctx.add(layer, flow, weights));
};

/** An Unsqueeze of axis 1 of [batch, features] and a Tile of that axis n times: RepeatVector. */
export const repeatVectorFrom: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const tile = ctx.onlyReader(node.outputs[0]);
  const repeats = tile?.opType === 'Tile' && tile.inputs[0] === node.outputs[0] ? ctx.int64s(tile, 1, 'repeats') : undefined;
  if (flow.shape.length !== 1 || !isPerm(ctx.int64s(node, 1, 'axes') ?? [], [1]) || !repeats || repeats.length !== 3 || repeats[0] !== 1 || repeats[2] !== 1 || !(repeats[1] >= 1)) {
    return ctx.fail(node, 'layerwise reads an Unsqueeze only as a RepeatVector: axis 1 of [batch, features], then a Tile by [1, n, 1].');
  }
  ctx.take(tile!);
  return after(flow, tile!.outputs[0], ctx.add(new RepeatVector({ n: repeats[1] }), flow), 'last');
};

/** Slices of the spatial axes with step 1: Cropping1D (sequences) and Cropping2D (images), in either layout. */
export const croppingFrom: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const rank = flow.shape.length + 1;
  const [starts, ends, axes, steps] = [1, 2, 3].map((i) => ctx.int64s(node, i, 'slice bounds')).concat([ctx.int64s(node, 4, 'slice steps')]);
  const spatial = rank === 3 ? [1] : rank === 4 ? [1, 2] : [];
  const cuts = new Map<number, [number, number]>();
  let fits = starts !== undefined && ends !== undefined && starts.length === ends.length && starts.length > 0 && (axes ?? starts).length === starts.length;
  (axes ?? starts?.map((_, i) => i) ?? []).forEach((a, i) => {
    const axis = axisFrom(a, rank, flow.layout);
    const size = flow.shape[axis - 1];
    const start = fits ? Math.max(0, starts![i] < 0 ? starts![i] + size : Math.min(starts![i], size)) : 0;
    const end = fits ? (ends![i] < 0 ? ends![i] + size : Math.min(ends![i], size)) : 0;
    fits &&= spatial.includes(axis) && end > start && (steps?.[i] ?? 1) === 1 && !cuts.has(axis);
    cuts.set(axis, [start, size - end]);
  });
  if (!fits) {
    return ctx.fail(node, 'layerwise reads a Slice as a cropping: steps 1, of the steps of a sequence (Cropping1D) or the rows and columns of images (Cropping2D), keeping something of each.');
  }
  const cut = (axis: number): [number, number] => cuts.get(axis) ?? [0, 0];
  const layer = rank === 3 ? new Cropping1D({ cropping: cut(1) }) : new Cropping2D({ cropping: [cut(1), cut(2)] });
  return after(flow, node.outputs[0], ctx.add(layer, flow));
};

/** A Resize by whole factors of the spatial axes: nearest (asymmetric, floor) or linear with half-pixel centres, as UpSampling1D or UpSampling2D. */
export const upSamplingFrom: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const rank = flow.shape.length + 1;
  const mode = ctx.string(node, 'mode', 'nearest');
  const transform = ctx.string(node, 'coordinate_transformation_mode', 'half_pixel');
  const nearest = mode === 'nearest' && transform === 'asymmetric' && ctx.string(node, 'nearest_mode', 'round_prefer_floor') === 'floor';
  const bilinear = mode === 'linear' && (transform === 'half_pixel' || transform === 'pytorch_half_pixel') && rank === 4;
  const scales = node.inputs[2] ? ctx.floats(node, 2, 'scales').values : undefined;
  const factors = scales ? Array.from(scales, (s, a) => ({ axis: axisFrom(a, rank, flow.layout), factor: s })) : [];
  const spatial = factors.filter((f) => f.factor !== 1);
  const fits = scales?.length === rank && spatial.every((f) => f.axis >= 1 && f.axis <= rank - 2 && Number.isInteger(f.factor) && f.factor > 1);
  if (!(nearest || bilinear) || !fits || (rank !== 3 && rank !== 4)) {
    return ctx.fail(node, "layerwise reads a Resize by whole scales of the spatial axes, 'nearest' (asymmetric, floor) or 'linear' with half-pixel centres on images (UpSampling1D, UpSampling2D).");
  }
  const factor = (axis: number) => factors.find((f) => f.axis === axis)?.factor ?? 1;
  const layer = rank === 3 ? new UpSampling1D({ size: factor(1) }) : new UpSampling2D({ size: [factor(1), factor(2)], interpolation: bilinear ? 'bilinear' : 'nearest' });
  return after(flow, node.outputs[0], ctx.add(layer, flow));
};

/** A single number, when input `index` of `node` is a float32 constant of one value. */
function scalarInput(node: GraphNode, index: number, ctx: ImportContext): number | undefined {
  const c = node.inputs[index] ? ctx.constant(node.inputs[index]) : undefined;
  return c && c.values instanceof Float32Array && c.values.length === 1 && c.dims.length <= 1 ? c.values[0] : undefined;
}

/** A Mul by one number, and the Add of one number that may follow, or such an Add alone: Rescaling. */
export const rescalingFrom: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const value = scalarInput(node, 1, ctx);
  if (value === undefined && node.opType === 'Mul' && node.inputs[0] === flow.name) return normalizationFrom(node, flow, ctx);
  if (value === undefined || node.inputs[0] !== flow.name) return ctx.fail(node, `layerwise reads ${node.opType} of the data and one constant number (a Rescaling), or of per-feature constants (a Normalization).`);
  let scale = 1;
  let offset = value;
  let output = node.outputs[0];
  if (node.opType === 'Mul') {
    scale = value;
    offset = 0;
    const add = ctx.onlyReader(output);
    const shift = add?.opType === 'Add' && add.inputs[0] === output ? scalarInput(add, 1, ctx) : undefined;
    if (shift !== undefined) {
      ctx.take(add!);
      offset = shift;
      output = add!.outputs[0];
    }
  }
  const layer = new Rescaling({ scale: shortestFloat32(scale), offset: shortestFloat32(offset) });
  return { ...flow, name: output, shape: ctx.add(layer, flow) };
};

/**
 * The feature axis (channels-last, batch included) and values of a per-feature constant that
 * broadcasts along one axis of channels-last data ([1, ..., features, ..., 1]); undefined otherwise.
 */
function perFeature(node: GraphNode, index: number, ctx: ImportContext, shape: readonly number[]): { axis: number; values: Float32Array } | undefined {
  const c = node.inputs[index] ? ctx.constant(node.inputs[index]) : undefined;
  if (!c || !(c.values instanceof Float32Array) || c.dims.length > shape.length + 1) return undefined;
  const dims = c.dims.length === shape.length + 1 && c.dims[0] === 1 ? c.dims.slice(1) : c.dims;
  const aligned = [...new Array<number>(shape.length - dims.length).fill(1), ...dims];
  const axes = aligned.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  if (axes.length !== 1 || aligned[axes[0]] !== shape[axes[0]]) return undefined;
  return { axis: axes[0] + 1, values: c.values };
}

/**
 * (x − mean) / deviation with per-feature constants (a Sub and a Div), or x · deviation + mean (a
 * Mul and an Add, inverted): Normalization, whose variance is the deviation squared.
 */
export const normalizationFrom: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const invert = node.opType === 'Mul';
  const second = ctx.onlyReader(node.outputs[0]);
  const expected = invert ? 'Add' : 'Div';
  const first = perFeature(node, 1, ctx, flow.shape);
  const other = second?.opType === expected && second.inputs[0] === node.outputs[0] ? perFeature(second, 1, ctx, flow.shape) : undefined;
  if (flow.layout === 'first' && flow.shape.length > 1) ctx.fail(node, 'it reads a channels-first tensor, which a Normalization (channels last) cannot follow.');
  if (!first || !other || first.axis !== other.axis) {
    return ctx.fail(node, `layerwise reads ${node.opType} of per-feature constants as a Normalization: ${invert ? 'a Mul then an Add' : 'a Sub then a Div'} of constants along one feature axis.`);
  }
  ctx.take(second!);
  const [deviation, mean] = invert ? [first.values, other.values] : [other.values, first.values];
  const layer = new Normalization({ axis: first.axis, invert, mean: Array.from(mean), variance: Array.from(deviation, (d) => d * d) });
  return after(flow, second!.outputs[0], ctx.add(layer, flow), 'last');
};
