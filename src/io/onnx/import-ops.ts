import { Activation } from '../../layers/activations';
import { BatchNormalization } from '../../layers/batch-normalization';
import { Dense } from '../../layers/dense';
import { Flatten } from '../../layers/flatten';
import type { Layer } from '../../layers/layer';
import { Permute } from '../../layers/permute';
import { PReLU } from '../../layers/prelu';
import { Reshape } from '../../layers/reshape';
import { sizeOf, type Shape } from '../../tensor/tensor';
import { fuse, type ActivationChoice } from './import-activations';
import { after, plain, shortestFloat32, type Flow, type ImportContext, type OpImporter } from './import-context';
import { conv, globalPool, pad, pooling, reduce } from './import-spatial';
import { isPerm, permute, shapeIn, toFirstPerm, toLastPerm } from './layout';
import { convTransposeFrom, depthwiseFrom } from './import-convs';
import { recurrentFrom, startsRecurrent } from './import-recurrent';
import { croppingFrom, embeddingFrom, layerNormalizationFrom, normalizationFrom, repeatVectorFrom, rescalingFrom, upSamplingFrom } from './import-shapes';
import { BOOL } from './proto';
import type { GraphNode } from './read';

/** Rows of a kernel [in, units] put in layerwise's feature order, when a channels-first Flatten left one pending. */
function reorderRows(kernel: Float32Array, order: Int32Array | undefined, units: number): Float32Array {
  if (!order) return kernel;
  const out = new Float32Array(kernel.length);
  for (let i = 0; i < order.length; i++) out.set(kernel.subarray(order[i] * units, (order[i] + 1) * units), i * units);
  return out;
}

/** A Dense layer from a kernel [in, units] and an optional bias, with the activation that follows fused into it. */
function dense(node: GraphNode, flow: Flow, ctx: ImportContext, kernel: Float32Array, units: number, bias: Float32Array | undefined, output: string): Flow {
  const features = flow.shape[flow.shape.length - 1];
  const shape = [...flow.shape.slice(0, -1), units];
  const fused = fuse(output, flow, shape, ctx);
  const layer = new Dense({ units, useBias: bias !== undefined, ...(fused.activation === undefined ? {} : { activation: fused.activation }) });
  const weights = [{ values: reorderRows(kernel, flow.order, units), shape: [features, units] }, ...(bias ? [{ values: bias, shape: [units] }] : [])];
  ctx.add(layer, { ...flow, order: undefined }, weights);
  return after(flow, fused.output, shape, 'last');
}

/** A bias for `units` from a constant that broadcasts to it ([units], [1, units] or one value). */
function biasOf(node: GraphNode, index: number, ctx: ImportContext, units: number, scale = 1): Float32Array {
  const c = ctx.floats(node, index, 'bias');
  const { values } = c;
  // One value per unit along the last axis only: a bias of [units, 1] would add one value per row of the batch.
  const last = c.dims.length === 0 ? 1 : c.dims[c.dims.length - 1];
  if ((values.length !== units && values.length !== 1) || last !== values.length) ctx.fail(node, `its bias has shape [${c.dims}], which is not one value per unit along the last axis (${units} units).`);
  return Float32Array.from({ length: units }, (_, i) => (values.length === 1 ? values[0] : values[i]) * scale);
}

/** Gemm: y = alpha · x · B + beta · C (B transposed with transB, as PyTorch's Linear writes it). */
const gemm: OpImporter = (node, flow, ctx) => {
  if (flow.shape.length !== 1) ctx.fail(node, `Gemm reads matrices, but its input has shape [batch, ${flow.shape}].`);
  if (ctx.int(node, 'transA', 0) !== 0) ctx.fail(node, 'transA 1 has no layerwise form (the input is the batch of rows).');
  const b = ctx.floats(node, 1, 'weights');
  const transB = ctx.int(node, 'transB', 0) !== 0;
  const [rows, cols] = b.dims;
  const [inputs, units] = transB ? [cols, rows] : [rows, cols];
  if (b.dims.length !== 2 || inputs !== flow.shape[0]) ctx.fail(node, `its weights have shape [${b.dims}], which does not fit ${flow.shape[0]} input features.`);
  const alpha = ctx.float(node, 'alpha', 1);
  const kernel = transB ? permute(b.values, b.dims, [1, 0]) : Float32Array.from(b.values);
  if (alpha !== 1) kernel.forEach((v, i) => (kernel[i] = v * alpha));
  const bias = node.inputs[2] ? biasOf(node, 2, ctx, units, ctx.float(node, 'beta', 1)) : undefined;
  return dense(node, flow, ctx, kernel, units, bias, node.outputs[0]);
};

/** MatMul by a constant [in, units], and the Add of a bias that may follow: Dense over the last axis. */
const matMul: OpImporter = (node, flow, ctx) => {
  if (flow.layout === 'first' && flow.shape.length > 1) ctx.fail(node, 'it multiplies along the channels of a channels-first tensor, which layerwise cannot follow.');
  if (node.inputs[0] !== flow.name) ctx.fail(node, 'layerwise reads MatMul with the data first and a constant second.');
  const b = ctx.floats(node, 1, 'weights');
  const features = flow.shape[flow.shape.length - 1];
  if (b.dims.length !== 2 || b.dims[0] !== features) ctx.fail(node, `its weights have shape [${b.dims}], which does not fit ${features} input features.`);
  const units = b.dims[1];
  const add = ctx.onlyReader(node.outputs[0]);
  const biasIndex = add?.opType === 'Add' ? add.inputs.findIndex((name, i) => name !== node.outputs[0] && add.inputs[1 - i] === node.outputs[0]) : -1;
  const constantBias = biasIndex >= 0 && ctx.constant(add!.inputs[biasIndex]) !== undefined;
  if (constantBias) ctx.take(add!);
  const bias = constantBias ? biasOf(add!, biasIndex, ctx, units) : undefined;
  return dense(node, flow, ctx, Float32Array.from(b.values), units, bias, constantBias ? add!.outputs[0] : node.outputs[0]);
};

/** Reindexes a per-feature vector into layerwise's order when a Flatten left one pending. */
function reorder(values: Float32Array, order: Int32Array | undefined): Float32Array {
  return order ? Float32Array.from(order, (j) => values[j]) : values;
}

/** BatchNormalization in inference form, over the channels (axis 1 of the graph). */
const batchNormalization: OpImporter = (node, flow, ctx) => {
  if (flow.shape.length > 1 && flow.layout !== 'first') ctx.fail(node, 'it normalizes axis 1 of a tensor that is channels last in the graph, which layerwise cannot follow.');
  if (ctx.int(node, 'training_mode', 0) !== 0 || node.outputs.slice(1).some((o) => o !== '')) ctx.fail(node, 'layerwise imports BatchNormalization in inference form (training_mode 0, one output).');
  const channels = flow.shape[flow.shape.length - 1];
  const params = ['scale', 'bias', 'mean', 'variance'].map((what, i) => {
    const c = ctx.floats(node, i + 1, what);
    if (c.values.length !== channels) ctx.fail(node, `its ${what} has ${c.values.length} values for ${channels} channels.`);
    return { values: reorder(c.values, flow.order), shape: [channels] };
  });
  const momentum = shortestFloat32(ctx.float(node, 'momentum', 0.9));
  const layer = new BatchNormalization({ epsilon: shortestFloat32(ctx.float(node, 'epsilon', 1e-5)), momentum: momentum >= 0 && momentum < 1 ? momentum : 0.9 });
  ctx.add(layer, { ...flow, order: undefined }, params);
  return { ...flow, name: node.outputs[0] };
};

/** Where each feature of layerwise's flattened order (…, channel) sits in the graph's channels-first flattened order. */
function flattenOrder(shape: Shape): Int32Array {
  const channels = shape[shape.length - 1];
  const positions = sizeOf(shape) / channels;
  return Int32Array.from({ length: positions * channels }, (_, i) => (i % channels) * positions + Math.floor(i / channels));
}

/** Flatten to [batch, features]; of channels-first data, with the graph's feature order left pending for the next Dense. */
const flatten: OpImporter = (node, flow, ctx) => {
  if (ctx.int(node, 'axis', 1) !== 1) ctx.fail(node, 'layerwise flattens everything after the batch (axis 1).');
  if (flow.shape.length === 1) return { ...flow, name: node.outputs[0] };
  plain(node, flow, ctx);
  const shape = ctx.add(new Flatten(), flow);
  // One position (a pooling to 1×1) or one channel flattens alike in both layouts: no order to keep.
  const channels = flow.shape[flow.shape.length - 1];
  const reordered = flow.layout === 'first' && channels > 1 && channels < shape[0];
  return { name: node.outputs[0], shape, layout: 'last', ...(reordered ? { order: flattenOrder(flow.shape) } : {}) };
};

/** Reshape by a constant shape that keeps the batch (0 or -1 first), of channels-last data. */
const reshape: OpImporter = (node, flow, ctx) => {
  plain(node, flow, ctx);
  if (flow.layout === 'first' && flow.shape.length > 1) ctx.fail(node, 'it reshapes a channels-first tensor, which layerwise (channels last) cannot follow. Reshape before the first Conv, or after a Flatten.');
  if (ctx.int(node, 'allowzero', 0) !== 0) ctx.fail(node, 'allowzero 1 has no layerwise form.');
  const target = ctx.int64s(node, 1, 'shape');
  const dims = [0, ...flow.shape];
  if (!target || target.length < 2 || target.length > 8 || (target[0] !== 0 && target[0] !== -1)) return ctx.fail(node, `layerwise reshapes each sample, keeping the batch (0 or -1 first); the shape is [${target}].`);
  const rest = target.slice(1).map((d, i) => (d === 0 ? dims[i + 1] : d));
  if (target[0] === -1 && rest.includes(-1)) ctx.fail(node, `its shape [${target}] leaves two sizes to infer.`);
  const size = rest.reduce((a, b) => a * b, 1);
  if (!rest.includes(-1) && size !== sizeOf(flow.shape)) {
    ctx.fail(node, `its shape [${target}] does not keep the batch (each sample has ${sizeOf(flow.shape)} values): layerwise's layers work on each sample (a Reshape to [-1, ...one step] is read only as the start of a TimeDistributed).`);
  }
  const layer = new Reshape({ targetShape: rest });
  return after(flow, node.outputs[0], ctx.add(layer, flow), 'last');
};

/** The Transposes layerwise writes (and PyTorch users write) around channels-first runs: they move the channels, nothing else. */
const transpose: OpImporter = (node, flow, ctx) => {
  const rank = flow.shape.length + 1;
  const perm = ctx.ints(node, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
  if (startsRecurrent(node, flow, ctx)) return recurrentFrom(node, flow, ctx);
  if (rank === 2 && isPerm(perm, [0, 1])) return { ...flow, name: node.outputs[0] };
  plain(node, flow, ctx);
  if (rank >= 3 && flow.layout === 'first' && isPerm(perm, toLastPerm(rank))) return { ...flow, name: node.outputs[0], layout: 'last' };
  if (rank >= 3 && flow.layout === 'last' && isPerm(perm, toFirstPerm(rank)) && ctx.readsChannelsFirst(node.outputs[0], rank)) return { ...flow, name: node.outputs[0], layout: 'first' };
  // Any other permutation of the axes after the batch, of channels-last data: a Permute layer.
  const dims = perm.slice(1);
  if (flow.layout === 'first' || perm[0] !== 0 || !isPerm([...dims].sort((a, b) => a - b), flow.shape.map((_, i) => i + 1))) {
    return ctx.fail(node, `layerwise follows Transposes that move the channels to axis 1 or back, and permutations of the axes after the batch of channels-last data (Permute); this one permutes [${perm}].`);
  }
  return after(flow, node.outputs[0], ctx.add(new Permute({ dims }), flow), 'last');
};

/** Whether a Dropout's training_mode input (a boolean) is absent, or a constant false: only then is it the identity. */
function inference(node: GraphNode, ctx: ImportContext): boolean {
  const name = node.opType === 'Dropout' ? node.inputs[2] : undefined;
  if (!name) return true;
  const t = ctx.graph.initializers.get(name);
  const stored = t?.dataType === BOOL && (t.dims ?? []).length === 0 ? (t.rawData && t.rawData.length > 0 ? [...t.rawData] : (t.int32Data ?? [])) : undefined;
  return stored?.length === 1 && stored[0] === 0;
}

/** The identity: Identity, and Dropout (inference only) whose mask nobody reads. */
const identity: OpImporter = (node, flow, ctx) => {
  if (node.outputs.slice(1).some((o) => o !== '' && (ctx.readersOf(o).length > 0 || o === ctx.graph.output))) ctx.fail(node, 'its mask output is read, which layerwise cannot give.');
  if (!inference(node, ctx)) ctx.fail(node, 'its training_mode is not a constant false: it drops values at random, which an imported layer (inference) does not.');
  return { ...flow, name: node.outputs[0] };
};

/** The value of `slope` for each value of a sample of `dims`, by ONNX's broadcast (right-aligned, over the batch). */
function broadcastSlope(node: GraphNode, ctx: ImportContext, slope: { dims: number[]; values: Float32Array }, dims: number[]): Float32Array {
  const s = slope.dims.length === dims.length + 1 && slope.dims[0] === 1 ? slope.dims.slice(1) : slope.dims;
  const offset = dims.length - s.length;
  if (offset < 0 || !s.every((d, i) => d === 1 || d === dims[i + offset])) ctx.fail(node, `its slope of shape [${slope.dims}] does not broadcast to [batch, ${dims}].`);
  const full = [...new Array<number>(offset).fill(1), ...s];
  const out = new Float32Array(sizeOf(dims));
  const index = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = 0;
    for (let d = 0; d < dims.length; d++) at = at * full[d] + (full[d] === 1 ? 0 : index[d]);
    out[i] = slope.values[at];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** PRelu: a PReLU layer whose alpha holds the slope for every value of a sample, in layerwise's order. */
const prelu: OpImporter = (node, flow, ctx) => {
  const slope = ctx.floats(node, 1, 'slope');
  const dims = shapeIn(flow.shape, flow.layout);
  let alpha = broadcastSlope(node, ctx, slope, dims);
  if (flow.layout === 'first' && dims.length > 1) alpha = permute(alpha, dims, [...dims.slice(1).map((_, i) => i + 1), 0]);
  ctx.add(new PReLU(), { ...flow, order: undefined }, [{ values: reorder(alpha, flow.order), shape: flow.shape }]);
  return { ...flow, name: node.outputs[0] };
};

/**
 * The ONNX operators layerwise places, by operator type (activations are found apart, so that they
 * can join the Dense or convolution before them): adding an operator is one entry.
 */
export const OP_IMPORTERS: ReadonlyMap<string, OpImporter> = new Map<string, OpImporter>([
  ['Conv', (node, flow, ctx) => (ctx.int(node, 'group', 1) === 1 ? conv(node, flow, ctx) : depthwiseFrom(node, flow, ctx))],
  ['ConvTranspose', convTransposeFrom],
  ['Gemm', gemm],
  ['MatMul', matMul],
  ['BatchNormalization', batchNormalization],
  ['MaxPool', pooling(true)],
  ['AveragePool', pooling(false)],
  ['GlobalAveragePool', globalPool(false)],
  ['GlobalMaxPool', globalPool(true)],
  ['ReduceMean', reduce(false)],
  ['ReduceMax', reduce(true)],
  ['Flatten', flatten],
  ['Reshape', reshape],
  ['Transpose', transpose],
  ['Pad', pad],
  ['Identity', identity],
  ['Dropout', identity],
  ['PRelu', prelu],
  ['Cast', embeddingFrom],
  ['LayerNormalization', layerNormalizationFrom],
  ['Unsqueeze', repeatVectorFrom],
  ['Slice', croppingFrom],
  ['Resize', upSamplingFrom],
  ['Mul', rescalingFrom],
  ['Sub', normalizationFrom],
  ['Add', rescalingFrom],
  ...['RNN', 'LSTM', 'GRU'].map((op): [string, OpImporter] => [
    op,
    (node, _flow, ctx) => ctx.fail(node, 'layerwise reads a recurrent operator after a Transpose of the batch-first input to time-major (perm [1, 0, 2]), as a batch-first layer writes it.'),
  ]),
]);

/** An activation found after `flow` as a layer of its own: the Activation layer of a key, or the activation layer itself. */
export function activationLayer(choice: ActivationChoice): Layer {
  return typeof choice === 'string' ? new Activation({ activation: choice }) : choice;
}
