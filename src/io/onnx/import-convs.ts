import { Conv2DTranspose, transposedAxis } from '../../layers/conv2d-transpose';
import { DepthwiseConv2D } from '../../layers/depthwise-conv2d';
import { SeparableConv2D } from '../../layers/separable-conv2d';
import { axisWindow, type Padding } from '../../tensor/conv-geometry';
import { fuse } from './import-activations';
import { after, type ImportContext, type OpImporter } from './import-context';
import { paddingFor, spatialRank, windowAttributes } from './import-spatial';
import { isPerm, permute } from './layout';
import type { GraphNode } from './read';

/*
 * The importers of the convolutions beyond Conv1D and Conv2D: a grouped Conv with one group per
 * channel (DepthwiseConv2D, or SeparableConv2D when a 1×1 Conv follows it), and ConvTranspose
 * (Conv2DTranspose with Keras 3's output sizes).
 */

/** Whether `node` is a plain 1×1 Conv (one group, strides 1, no padding): a separable convolution's pointwise step. */
function isPointwise(node: GraphNode | undefined, input: string, ctx: ImportContext): node is GraphNode {
  if (node?.opType !== 'Conv' || node.inputs[0] !== input) return false;
  const w = node.inputs[1] ? ctx.constant(node.inputs[1]) : undefined;
  const ones = (name: string) => ctx.ints(node, name, [1, 1]).every((v) => v === 1);
  return (
    w !== undefined && w.dims.length === 4 && w.dims[2] === 1 && w.dims[3] === 1 && ctx.int(node, 'group', 1) === 1 && ones('strides') && ones('dilations') &&
    ctx.ints(node, 'pads', [0, 0, 0, 0]).every((p) => p === 0) && ctx.string(node, 'auto_pad', 'NOTSET') === 'NOTSET'
  );
}

/** A Conv with one group per input channel: DepthwiseConv2D, or with the 1×1 Conv after it (and no bias between) SeparableConv2D. */
export const depthwiseFrom: OpImporter = (node, flow, ctx) => {
  const rank = spatialRank(node, flow, ctx);
  const channels = flow.shape[rank];
  const w = ctx.floats(node, 1, 'weights');
  const multiplier = w.dims[0] / channels;
  if (rank !== 2 || ctx.int(node, 'group', 1) !== channels || w.dims.length !== 4 || w.dims[1] !== 1 || !Number.isInteger(multiplier) || multiplier < 1) {
    return ctx.fail(node, `layerwise reads grouped convolutions of images with one group per channel (${channels}) and weights [channels · multiplier, 1, kh, kw]; this one has group ${ctx.int(node, 'group', 1)} and weights [${w.dims.join(', ')}].`);
  }
  const spatial = flow.shape.slice(0, 2);
  const { size, strides, dilations, pads } = windowAttributes(node, ctx, 2, spatial, w.dims.slice(2));
  const padding = paddingFor(pads, spatial, size, strides, dilations, ['valid', 'same']) as Padding | undefined;
  if (!padding) return ctx.fail(node, `its pads [${pads.join(', ')}] are neither 'valid' nor 'same' (TensorFlow's rule).`);
  const depthwise = permute(w.values, [channels, multiplier, size[0], size[1]], [2, 3, 0, 1]);
  const bias = node.inputs[2] ? ctx.floats(node, 2, 'bias') : undefined;
  const width = channels * multiplier;
  if (bias && bias.values.length !== width) ctx.fail(node, `its bias has ${bias.values.length} values for ${width} output channels.`);
  const outputs = spatial.map((n, i) => axisWindow(n, size[i], strides[i], dilations[i], padding)?.output);
  if (!outputs.every((o) => o !== undefined && o > 0)) return ctx.fail(node, `its ${size.join('x')} kernel does not fit in the input [batch, ${flow.shape.join(', ')}].`);
  const window = { kernelSize: [size[0], size[1]] as [number, number], strides: [strides[0], strides[1]] as [number, number], dilationRate: [dilations[0], dilations[1]] as [number, number], padding, depthMultiplier: multiplier };
  const pointwise = bias ? undefined : ctx.onlyReader(node.outputs[0]);
  if (isPointwise(pointwise, node.outputs[0], ctx)) {
    ctx.take(pointwise);
    const p = ctx.floats(pointwise, 1, 'pointwise weights');
    const filters = p.dims[0];
    if (p.dims[1] !== width) ctx.fail(pointwise, `its weights [${p.dims.join(', ')}] do not read the ${width} channels of the depthwise step.`);
    const pointBias = pointwise.inputs[2] ? ctx.floats(pointwise, 2, 'bias') : undefined;
    if (pointBias && pointBias.values.length !== filters) ctx.fail(pointwise, `its bias has ${pointBias.values.length} values for ${filters} filters.`);
    const shape = [...(outputs as number[]), filters];
    const { activation, output } = fuse(pointwise.outputs[0], flow, shape, ctx);
    const layer = new SeparableConv2D({ ...window, filters, useBias: pointBias !== undefined, ...(activation === undefined ? {} : { activation }) });
    const weights = [
      { values: depthwise, shape: [size[0], size[1], channels, multiplier] },
      { values: permute(p.values, p.dims, [2, 3, 1, 0]), shape: [1, 1, width, filters] },
      ...(pointBias ? [{ values: pointBias.values, shape: [filters] }] : []),
    ];
    ctx.add(layer, flow, weights);
    return after(flow, output, shape);
  }
  const shape = [...(outputs as number[]), width];
  const { activation, output } = fuse(node.outputs[0], flow, shape, ctx);
  const layer = new DepthwiseConv2D({ ...window, useBias: bias !== undefined, ...(activation === undefined ? {} : { activation }) });
  ctx.add(layer, flow, [{ values: depthwise, shape: [size[0], size[1], channels, multiplier] }, ...(bias ? [{ values: bias.values, shape: [width] }] : [])]);
  return after(flow, output, shape);
};

/** ONNX's pads (begin, end) and output_padding of one axis of Conv2DTranspose's settings, as the export writes them. */
function transposeAttributes(length: number, size: number, stride: number, dilation: number, padding: Padding, outputPadding: number | undefined): [number, number, number] | undefined {
  const a = transposedAxis(length, size, stride, dilation, padding, outputPadding);
  return a && [a.padBefore, Math.max(a.padAfter, 0), Math.max(-a.padAfter, 0)];
}

/** The length of ConvTranspose's output along one axis, by ONNX's rule, for the pads of both ends (`pads`) and the output padding. */
function onnxLength(length: number, size: number, stride: number, dilation: number, pads: number, outputPadding: number): number {
  return stride * (length - 1) + outputPadding + (size - 1) * dilation + 1 - pads;
}

/** The Keras padding and output padding whose windows give ONNX's pads and output_padding on every axis, if any do. */
function transposeSettings(spatial: number[], size: number[], strides: number[], dilations: number[], pads: number[], extra: number[]): { padding: Padding; outputPadding?: number[] } | undefined {
  const matches = (i: number, padding: Padding, op: number | undefined) => {
    const got = transposeAttributes(spatial[i], size[i], strides[i], dilations[i], padding, op);
    return got !== undefined && isPerm(got, [pads[i], pads[i + 2], extra[i]]);
  };
  for (const padding of ['valid', 'same'] as const) {
    if ([0, 1].every((i) => matches(i, padding, undefined))) return { padding };
    // The output grows by one with each unit of output padding: the one candidate is the difference in length from none.
    const found = [0, 1].map((i) => {
      const none = transposedAxis(spatial[i], size[i], strides[i], dilations[i], padding, 0);
      const op = none && onnxLength(spatial[i], size[i], strides[i], dilations[i], pads[i] + pads[i + 2], extra[i]) - none.input;
      return op !== undefined && op >= 0 && op < strides[i] && matches(i, padding, op) ? op : undefined;
    });
    if (found.every((op) => op !== undefined)) return { padding, outputPadding: found as number[] };
  }
  return undefined;
}

/** ConvTranspose of images: Conv2DTranspose, the kernel [in, filters, kh, kw] as Keras's [kh, kw, filters, in]. */
export const convTransposeFrom: OpImporter = (node, flow, ctx) => {
  const rank = spatialRank(node, flow, ctx);
  const channels = flow.shape[rank];
  const w = ctx.floats(node, 1, 'weights');
  if (rank !== 2 || w.dims.length !== 4 || w.dims[0] !== channels || ctx.int(node, 'group', 1) !== 1 || node.attributes.has('output_shape')) {
    return ctx.fail(node, `layerwise reads ConvTranspose of images with one group, weights [${channels}, filters, kh, kw] and no output_shape; its weights are [${w.dims.join(', ')}].`);
  }
  const spatial = flow.shape.slice(0, 2);
  const { size, strides, dilations, pads } = windowAttributes(node, ctx, 2, spatial, w.dims.slice(2));
  const extra = ctx.ints(node, 'output_padding', [0, 0]);
  const settings = extra.length === 2 ? transposeSettings(spatial, size, strides, dilations, pads, extra) : undefined;
  if (!settings) return ctx.fail(node, `its pads [${pads.join(', ')}] and output_padding [${extra.join(', ')}] give no output size of Keras's 'valid' or 'same' (with an output padding below the stride).`);
  const filters = w.dims[1];
  const bias = node.inputs[2] ? ctx.floats(node, 2, 'bias') : undefined;
  if (bias && bias.values.length !== filters) ctx.fail(node, `its bias has ${bias.values.length} values for ${filters} filters.`);
  const outputs = spatial.map((n, i) => transposedAxis(n, size[i], strides[i], dilations[i], settings.padding, settings.outputPadding?.[i])!.input);
  const shape = [...outputs, filters];
  const { activation, output } = fuse(node.outputs[0], flow, shape, ctx);
  const layer = new Conv2DTranspose({
    filters,
    kernelSize: [size[0], size[1]],
    strides: [strides[0], strides[1]],
    dilationRate: [dilations[0], dilations[1]],
    padding: settings.padding,
    ...(settings.outputPadding ? { outputPadding: settings.outputPadding as [number, number] } : {}),
    useBias: bias !== undefined,
    ...(activation === undefined ? {} : { activation }),
  });
  ctx.add(layer, flow, [{ values: permute(w.values, w.dims, [2, 3, 1, 0]), shape: [size[0], size[1], filters, channels] }, ...(bias ? [{ values: bias.values, shape: [filters] }] : [])]);
  return after(flow, output, shape);
};
