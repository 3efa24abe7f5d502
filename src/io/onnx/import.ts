import { LayerwiseError } from '../../util/errors';
import { readRegularFile } from '../../util/fs';
import type { LoadableModel, ModelFactory } from '../model-parts';
import { findActivation } from './import-activations';
import { CHANNELS_FIRST, ImportContext, LAYOUT_FREE, type Flow } from './import-context';
import { activationLayer, OP_IMPORTERS } from './import-ops';
import { isPerm, toFirstPerm, toLastPerm, type Layout } from './layout';
import { takeZeroStates } from './import-recurrent';
import { readGraph, type Graph, type GraphNode } from './read';
import { TimeDistributed } from '../../layers/time-distributed';
import type { Shape } from '../../tensor/tensor';

/** The largest ONNX file read: protobuf's own limit is 2 GiB, and layerwise's weights are at most 2^28 values each. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;


/**
 * The layout of the graph's input, from the first operator along the chain that tells: channels
 * first when it is a convolution, a pooling or a normalization (an NCHW input, as PyTorch writes
 * it) or a Transpose to channels last; channels last otherwise (layerwise's own files start with
 * a Transpose to channels first).
 */
function inputLayout(graph: Graph): Layout {
  if (graph.inputDims.length < 2) return 'last';
  const firstReader = new Map<string, (typeof graph.nodes)[number]>();
  for (const node of graph.nodes) for (const input of node.inputs) if (!firstReader.has(input)) firstReader.set(input, node);
  let name = graph.input;
  for (let steps = 0; steps <= graph.nodes.length; steps++) {
    const node = firstReader.get(name);
    if (!node) return 'last';
    if (CHANNELS_FIRST.has(node.opType)) return 'first';
    if (node.opType === 'Transpose') {
      const perm = node.attributes.get('perm');
      // For rank 3 both moves are [0, 2, 1]: a graph that starts by moving the channels has them last.
      const rank = graph.inputDims.length + 1;
      return perm?.type === 'ints' && !isPerm(perm.value, toFirstPerm(rank)) && isPerm(perm.value, toLastPerm(rank)) ? 'first' : 'last';
    }
    // A Pad (of zeros before a pooling, as PyTorch writes it, or of a sequence) says nothing either: the next operator tells.
    if (!LAYOUT_FREE.has(node.opType) && node.opType !== 'Pad') return 'last';
    name = node.outputs[0];
  }
  return 'last';
}

/** Places the node (or the nodes of one activation) after `flow`; returns the flow after it. */
function step(flow: Flow, ctx: ImportContext): Flow {
  const { graph } = ctx;
  const activation = findActivation(flow, ctx);
  if (activation) {
    ctx.take(...activation.nodes);
    ctx.add(activationLayer(activation.choice), flow);
    return { ...flow, name: activation.output };
  }
  const readers = ctx.readersOf(flow.name);
  if (readers.length === 0) throw new LayerwiseError(`${ctx.where}: nothing reads the tensor "${flow.name}", so the graph's output "${graph.output}" cannot be reached from its input along a chain.`);
  if (readers.length > 1) {
    throw new LayerwiseError(
      `${ctx.where}: the tensor "${flow.name}" is read by ${readers.length} nodes (${readers.map((n) => n.label).join(', ')}): layerwise imports ` +
        `graphs that are a chain of layers (a Sequential), not branches or skip connections.`,
    );
  }
  const node = readers[0];
  const importer = OP_IMPORTERS.get(node.opType);
  if (!importer) {
    throw new LayerwiseError(
      `${ctx.where}: ${node.label} cannot be placed: layerwise has no layer for the operator ${node.opType}. ` +
        `Operators it imports: ${[...OP_IMPORTERS.keys()].join(', ')}, and the activations (Relu, LeakyRelu, Elu, Selu, Sigmoid, Tanh, Softmax, HardSigmoid, Softplus, Softsign, Clip, PRelu, Erf-based gelu, x·Sigmoid(x)).`,
    );
  }
  if (node.inputs[0] !== flow.name) throw new LayerwiseError(`${ctx.where}: ${node.label} reads "${flow.name}" as its input ${node.inputs.indexOf(flow.name)}; layerwise places nodes whose first input is the data.`);
  if (node.opType === 'Reshape' && foldsSteps(node, flow, ctx)) return timeDistributed(node, flow, ctx);
  ctx.take(node);
  return importer(node, flow, ctx);
}

/** Whether `node` reshapes channels-last [batch, steps, ...step] to [batch · steps, ...step], as the export writes TimeDistributed. */
function foldsSteps(node: GraphNode, flow: Flow, ctx: ImportContext): boolean {
  if (flow.layout !== 'last' || flow.order || flow.shape.length < 2 || !node.inputs[1] || !ctx.constant(node.inputs[1])) return false;
  return isPerm(ctx.int64s(node, 1, 'shape')!, [-1, ...flow.shape.slice(1)]);
}

/**
 * The steps folded into the batch by `fold`, the nodes after it up to the Reshape that unfolds
 * them ([-1, steps, ...]), each layer they make wrapped in a TimeDistributed (one per layer
 * computes what one around them all does).
 */
function timeDistributed(fold: GraphNode, flow: Flow, ctx: ImportContext): Flow {
  ctx.take(fold);
  const [steps, ...stepShape] = flow.shape;
  const start = ctx.layers.length;
  let inner: Flow = { name: fold.outputs[0], shape: stepShape, layout: 'last' };
  let unfold = ctx.onlyReader(inner.name);
  const unfolds = (node: GraphNode | undefined): node is GraphNode =>
    node?.opType === 'Reshape' && (inner.layout === 'last' || inner.shape.length < 2) && !inner.order && node.inputs[1] !== undefined &&
    ctx.constant(node.inputs[1]) !== undefined && isPerm(ctx.int64s(node, 1, 'shape')!, [-1, steps, ...inner.shape]);
  while (!unfolds(unfold)) {
    if (inner.name === ctx.graph.output) ctx.fail(fold, `it folds the ${steps} steps into the batch, and no Reshape to [-1, ${steps}, ...] unfolds them (layerwise reads that as TimeDistributed).`);
    inner = step(inner, ctx);
    unfold = ctx.onlyReader(inner.name);
  }
  ctx.take(unfold);
  let shape: Shape = flow.shape;
  for (const layer of ctx.layers.splice(start)) {
    const weights = layer.getWeights().map((w) => ({ values: Float32Array.from(w.data), shape: w.shape }));
    shape = ctx.add(new TimeDistributed({ layer }), { name: flow.name, shape, layout: 'last' }, weights);
  }
  return { name: unfold.outputs[0], shape: [steps, ...inner.shape], layout: 'last' };
}

/** Walks the chain from the graph's input to its output, placing each node as a layer (or as part of one). */
function walk(ctx: ImportContext): Flow {
  const { graph } = ctx;
  const layout = inputLayout(graph);
  const dims = graph.inputDims;
  let flow: Flow = { name: graph.input, shape: layout === 'first' ? [...dims.slice(1), dims[0]] : dims, layout };
  takeZeroStates(ctx);
  while (flow.name !== graph.output) flow = step(flow, ctx);
  if (flow.order) throw new LayerwiseError(`${ctx.where}: the graph ends with a Flatten of channels-first data, whose feature order layerwise cannot give (it can when a Gemm or MatMul follows).`);
  const left = ctx.firstUnplaced();
  if (left) throw new LayerwiseError(`${ctx.where}: ${left.label} is not on the chain from the input to the output; layerwise imports graphs that are one chain.`);
  return flow;
}

/** A name the file gives, if it makes a sensible model name. */
function modelName(name: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(name) ? name : undefined;
}

/** Reads an ONNX file (its path, or its bytes) into a new model from `factory` (see `readOnnx` in index.ts). */
export async function importOnnx<M extends LoadableModel>(source: string | Uint8Array | ArrayBuffer, factory: ModelFactory<M>): Promise<M> {
  const isPath = typeof source === 'string';
  const where = isPath ? `loadOnnx(${source})` : 'loadOnnx';
  let bytes: Uint8Array;
  if (isPath) bytes = readRegularFile(source, MAX_ONNX_BYTES, where, 'the 2 GiB limit of an ONNX file');
  else if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else throw new LayerwiseError(`loadOnnx: expected the path of an .onnx file or its bytes (a Uint8Array or an ArrayBuffer), but received ${typeof source}.`);
  const graph = await readGraph(bytes, where);
  const ctx = new ImportContext(graph, where);
  try {
    walk(ctx);
  } catch (error) {
    if (error instanceof LayerwiseError && !error.message.startsWith(where)) throw new LayerwiseError(`${where}: ${error.message}`);
    throw error;
  }
  if (ctx.layers.length === 0) throw new LayerwiseError(`${where}: the graph computes nothing layerwise has a layer for (it has no operators but identities).`);
  const model = factory(modelName(graph.name));
  for (const layer of ctx.layers) model.add(layer);
  return model;
}
