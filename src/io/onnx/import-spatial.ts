import { Conv1D } from '../../layers/conv1d';
import { Conv2D } from '../../layers/conv2d';
import type { Layer } from '../../layers/layer';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from '../../layers/pooling-1d';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../../layers/pooling-2d';
import { ZeroPadding2D } from '../../layers/zero-padding';
import { ZeroPadding1D } from '../../layers/zero-padding-1d';
import { axisWindow, type ConvPadding } from '../../tensor/conv-geometry';
import { fuse } from './import-activations';
import { after, plain, type Flow, type ImportContext, type OpImporter } from './import-context';
import { axisFrom, isPerm, permute, windowPads } from './layout';
import type { GraphNode } from './read';

/*
 * The importers of the spatial operators (convolutions, poolings, padding), which read
 * channels-first data: PyTorch's NCHW input, or what follows layerwise's own Transpose.
 */

/** The spatial rank (1 or 2) of a channels-first flow, which Conv and the poolings need. */
export function spatialRank(node: GraphNode, flow: Flow, ctx: ImportContext): 1 | 2 {
  plain(node, flow, ctx);
  const rank = flow.shape.length - 1;
  if (rank !== 1 && rank !== 2) ctx.fail(node, `layerwise has 1-D and 2-D ${node.opType}s; this one reads a tensor with ${rank} spatial axes.`);
  if (flow.layout !== 'first') ctx.fail(node, 'it reads a tensor that is channels last in the graph (after a Transpose or a Reshape layerwise cannot follow).');
  return rank;
}

/** The padding layerwise names for explicit `pads` of windows, if any does. */
export function paddingFor(pads: number[], spatial: number[], size: number[], strides: number[], dilation: number[], allowed: readonly ConvPadding[]): ConvPadding | undefined {
  return allowed.find((p) => {
    const expected = windowPads(spatial, size, strides, dilation, p);
    return expected !== undefined && isPerm(pads, expected);
  });
}

/** The window attributes of a Conv or a pooling: sizes, strides, dilations and pads, checked. */
export function windowAttributes(node: GraphNode, ctx: ImportContext, rank: number, spatial: number[], kernel: number[] | undefined) {
  const size = ctx.ints(node, 'kernel_shape', kernel ?? []);
  const strides = ctx.ints(node, 'strides', size.map(() => 1));
  const dilations = ctx.ints(node, 'dilations', size.map(() => 1));
  const lists = [size, strides, dilations];
  if (!lists.every((l) => l.length === rank && l.every((v) => Number.isSafeInteger(v) && v > 0)) || (kernel && !isPerm(size, kernel))) {
    ctx.fail(node, `its kernel_shape, strides and dilations must be ${rank} positive integers (and match the weights); they are [${size}], [${strides}], [${dilations}].`);
  }
  const autoPad = ctx.string(node, 'auto_pad', 'NOTSET');
  let pads = ctx.ints(node, 'pads', new Array<number>(2 * rank).fill(0));
  if (autoPad === 'VALID') pads = new Array<number>(2 * rank).fill(0);
  else if (autoPad === 'SAME_UPPER') pads = windowPads(spatial, size, strides, dilations, 'same') ?? pads;
  else if (autoPad !== 'NOTSET') ctx.fail(node, `its auto_pad "${autoPad}" has no layerwise form (NOTSET, VALID and SAME_UPPER do).`);
  if (pads.length !== 2 * rank || !pads.every((p) => Number.isSafeInteger(p) && p >= 0)) ctx.fail(node, `its pads must be ${2 * rank} non-negative integers; they are [${pads}].`);
  if (ctx.int(node, 'ceil_mode', 0) !== 0) ctx.fail(node, 'ceil_mode 1 has no layerwise form (outputs are floor-sized, as in Keras).');
  return { size, strides, dilations, pads };
}

/** A convolution: Conv1D or Conv2D (after a ZeroPadding2D for pads no Keras padding gives), the kernel in Keras's order. */
export const conv: OpImporter = (node, flow, ctx) => {
  const rank = spatialRank(node, flow, ctx);
  const w = ctx.floats(node, 1, 'weights');
  const channels = flow.shape[rank];
  if (w.dims.length !== rank + 2 || w.dims[1] !== channels) ctx.fail(node, `its weights have shape [${w.dims}], which is not [filters, ${channels}, ...kernel] for this input.`);
  if (ctx.int(node, 'group', 1) !== 1) ctx.fail(node, 'grouped and depthwise convolutions (group > 1) have no layerwise form.');
  const spatial = flow.shape.slice(0, rank);
  const { size, strides, dilations, pads } = windowAttributes(node, ctx, rank, spatial, w.dims.slice(2));
  const filters = w.dims[0];
  const bias = node.inputs[2] ? ctx.floats(node, 2, 'bias') : undefined;
  if (bias && bias.values.length !== filters) ctx.fail(node, `its bias has ${bias.values.length} values for ${filters} filters.`);
  let padding = paddingFor(pads, spatial, size, strides, dilations, rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']);
  let input = flow;
  if (!padding && rank === 2) {
    const [top, left, bottom, right] = pads;
    const pad = new ZeroPadding2D({ padding: [[top, bottom], [left, right]] });
    input = after(flow, flow.name, ctx.add(pad, flow));
    padding = 'valid';
  }
  if (!padding) return ctx.fail(node, `its pads [${pads}] are neither 'valid', 'same' (TensorFlow's rule) nor 'causal'.`);
  const kernelShape = [...size, channels, filters];
  const kernel = permute(w.values, w.dims, [...size.map((_, i) => i + 2), 1, 0]);
  const outputs = input.shape.slice(0, rank).map((n, i) => axisWindow(n, size[i], strides[i], dilations[i], padding!)?.output);
  if (!outputs.every((o) => o !== undefined)) return ctx.fail(node, `its ${size.join('x')} kernel does not fit in the input [batch, ${flow.shape}].`);
  const shape = [...(outputs as number[]), filters];
  const { activation, output } = fuse(node.outputs[0], flow, shape, ctx);
  const options = { filters, useBias: bias !== undefined, ...(activation === undefined ? {} : { activation }) };
  const layer =
    rank === 1
      ? new Conv1D({ ...options, kernelSize: size[0], strides: strides[0], dilationRate: dilations[0], padding })
      : new Conv2D({ ...options, kernelSize: [size[0], size[1]], strides: [strides[0], strides[1]], dilationRate: [dilations[0], dilations[1]], padding: padding as 'valid' | 'same' });
  ctx.add(layer, input, [{ values: kernel, shape: kernelShape }, ...(bias ? [{ values: bias.values, shape: [filters] }] : [])]);
  return after(flow, output, shape);
};

/** MaxPool and AveragePool with Keras's paddings (padding never counted in an average). */
export const pooling =
  (max: boolean): OpImporter =>
  (node, flow, ctx) => {
    const rank = spatialRank(node, flow, ctx);
    const spatial = flow.shape.slice(0, rank);
    const { size, strides, dilations, pads } = windowAttributes(node, ctx, rank, spatial, undefined);
    if (!dilations.every((d) => d === 1)) ctx.fail(node, 'dilated pooling has no layerwise form.');
    if (node.outputs.length > 1 && node.outputs[1] !== '' && ctx.readersOf(node.outputs[1]).length > 0) ctx.fail(node, 'its indices output is read, which layerwise cannot give.');
    const padding = paddingFor(pads, spatial, size, strides, dilations, ['valid', 'same']) as 'valid' | 'same' | undefined;
    if (!padding) return ctx.fail(node, `its pads [${pads}] are neither 'valid' nor 'same' (TensorFlow's rule).`);
    if (!max && padding === 'same' && pads.some((p) => p > 0) && ctx.int(node, 'count_include_pad', 0) !== 0) ctx.fail(node, 'count_include_pad 1 has no layerwise form (padding never counts in an average).');
    const layer =
      rank === 1
        ? new (max ? MaxPooling1D : AveragePooling1D)({ poolSize: size[0], strides: strides[0], padding })
        : new (max ? MaxPooling2D : AveragePooling2D)({ poolSize: [size[0], size[1]], strides: [strides[0], strides[1]], padding });
    return after(flow, node.outputs[0], ctx.add(layer, flow));
  };

/** The global pooling layer of a rank and a reduction. */
function globalLayer(rank: 1 | 2, max: boolean): Layer {
  if (max) return rank === 1 ? new GlobalMaxPooling1D() : new GlobalMaxPooling2D();
  return rank === 1 ? new GlobalAveragePooling1D() : new GlobalAveragePooling2D();
}

/** GlobalAveragePool and GlobalMaxPool ([batch, c, 1, 1]), with the Flatten, Squeeze or Reshape to [batch, c] that must follow. */
export const globalPool =
  (max: boolean): OpImporter =>
  (node, flow, ctx) => {
    const rank = spatialRank(node, flow, ctx);
    const next = ctx.onlyReader(node.outputs[0]);
    const channels = flow.shape[rank];
    const squeezes =
      (next?.opType === 'Flatten' && ctx.int(next, 'axis', 1) === 1) ||
      next?.opType === 'Squeeze' ||
      (next?.opType === 'Reshape' && [[0, channels], [-1, channels]].some((s) => isPerm(ctx.int64s(next, 1, 'shape') ?? [], s)));
    if (!next || !squeezes) return ctx.fail(node, 'layerwise imports a global pooling followed by a Flatten (to [batch, channels]), as nn.AdaptiveAvgPool2d(1) and nn.Flatten() write it.');
    ctx.take(next);
    return after(flow, next.outputs[0], ctx.add(globalLayer(rank, max), flow), 'last');
  };

/** ReduceMean and ReduceMax over the spatial axes, without keepdims: the global poolings as layerwise writes them. */
export const reduce =
  (max: boolean): OpImporter =>
  (node, flow, ctx) => {
    plain(node, flow, ctx);
    const rank = flow.shape.length + 1;
    const axes = (ctx.graph.opset >= 18 && node.inputs[1] ? ctx.int64s(node, 1, 'axes')! : ctx.ints(node, 'axes', [])).map((a) => axisFrom(a, rank, flow.layout)).sort();
    const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 1);
    if ((rank !== 3 && rank !== 4) || ctx.int(node, 'keepdims', 1) !== 0 || !isPerm(axes, spatial)) {
      ctx.fail(node, 'layerwise imports a reduction over every spatial axis of a 1-D or 2-D tensor, with keepdims 0 (a global pooling).');
    }
    return after(flow, node.outputs[0], ctx.add(globalLayer((rank - 2) as 1 | 2, max), flow), 'last');
  };

/** Pad with zeros along the steps of sequences (ZeroPadding1D) or around the two spatial axes of images (ZeroPadding2D). */
export const pad: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  const rank = flow.shape.length + 1;
  if (ctx.string(node, 'mode', 'constant') !== 'constant') ctx.fail(node, 'layerwise pads with zeros only (mode "constant").');
  const value = node.inputs[2] ? ctx.floats(node, 2, 'padding value').values : [0];
  if (value.length !== 1 || value[0] !== 0 || node.inputs[3]) ctx.fail(node, 'layerwise pads with zeros on every axis (no constant_value other than 0, no axes input).');
  const pads = ctx.int64s(node, 1, 'pads');
  if ((rank !== 3 && rank !== 4) || !pads || pads.length !== 2 * rank || !pads.every((p) => p >= 0)) {
    return ctx.fail(node, `layerwise pads sequences (rank 3) and images (rank 4) by non-negative amounts; pads are [${pads}] for rank ${rank}.`);
  }
  // Each axis of the graph, as layerwise sees it: batch and channels must not be padded.
  // PyTorch writes a Pad of zeros before an AvgPool2d: nothing to place.
  if (pads.every((p) => p === 0)) return { ...flow, name: node.outputs[0] };
  const own = pads.slice(0, rank).map((_, j) => ({ axis: axisFrom(j, rank, flow.layout), before: pads[j], after: pads[j + rank] }));
  const at = (axis: number) => own.find((o) => o.axis === axis)!;
  if ([0, rank - 1].some((a) => at(a).before !== 0 || at(a).after !== 0)) ctx.fail(node, 'it pads the batch or the channels; layerwise pads the spatial axes only.');
  const layer = rank === 3 ? new ZeroPadding1D({ padding: [at(1).before, at(1).after] }) : new ZeroPadding2D({ padding: [[at(1).before, at(1).after], [at(2).before, at(2).after]] });
  return after(flow, node.outputs[0], ctx.add(layer, flow));
};
