import { Bidirectional } from '../../layers/bidirectional';
import { GRU } from '../../layers/gru';
import type { Layer } from '../../layers/layer';
import { LSTM } from '../../layers/lstm';
import { SimpleRNN } from '../../layers/simple-rnn';
import { after, plain, type Flow, type ImportContext, type OpImporter } from './import-context';
import { isPerm } from './layout';
import { FLOAT } from './proto';
import type { GraphNode } from './read';
import type { onnx } from 'onnx-proto';

/*
 * ONNX's RNN, LSTM and GRU operators as SimpleRNN, LSTM and GRU layers, from the pattern layerwise
 * and PyTorch (batch_first) write around them: a Transpose to time-major, the operator, a Squeeze
 * of its direction axis and a Transpose back (every step), or a Squeeze of its last state (Y_h),
 * or PyTorch's `out[:, -1]` (a Gather of the last step). A zero initial state computed from the
 * input's shape (Shape, Gather, Unsqueeze, Concat, ConstantOfShape, as PyTorch writes it) is
 * recognised as the zero state layerwise starts from.
 */

const RECURRENT_OPS = new Set(['RNN', 'LSTM', 'GRU']);

/** Each operator: the ONNX gate of each of Keras's column blocks (the inverse of the export's order). */
const KERAS_BLOCKS: Readonly<Record<string, readonly number[]>> = {
  RNN: [0],
  // Keras's i, f, c, o sit at ONNX's 0, 2, 3, 1 (ONNX: i, o, f, c).
  LSTM: [0, 2, 3, 1],
  GRU: [0, 1, 2],
};

/** ONNX's activation names (ONNX Runtime reads them in any case) and layerwise's keys. */
const ACTIVATION_KEYS: Readonly<Record<string, string>> = {
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'relu',
  softsign: 'softsign',
  softplus: 'softplus',
  hardsigmoid: 'hard_sigmoid',
};

/** The operators a computed zero state is built from: the input's shape, picked and joined. */
const SHAPE_OPS = new Set(['Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'Reshape', 'Identity', 'Constant']);
/** The most nodes a zero-state subgraph may have (PyTorch writes 9). */
const MAX_STATE_NODES = 64;

/** The node writing each tensor. */
function producers(ctx: ImportContext): Map<string, GraphNode> {
  const map = new Map<string, GraphNode>();
  for (const node of ctx.graph.nodes) for (const output of node.outputs) if (output !== '') map.set(output, node);
  return map;
}

/** Whether a constant tensor holds only zeros. */
function allZeros(ctx: ImportContext, name: string): boolean {
  const c = ctx.constant(name);
  return c !== undefined && c.values instanceof Float32Array && c.values.every((v) => v === 0);
}

/** Whether a ConstantOfShape's value is a float32 zero. */
function isFloatZero(t: onnx.ITensorProto): boolean {
  return t.dataType === FLOAT && (t.floatData ?? []).every((v) => v === 0) && (t.rawData ?? new Uint8Array(0)).every((b) => b === 0);
}

/** The zero states recognised in each graph (by tensor name), which the operators' importers accept. */
const zeroStates = new WeakMap<ImportContext, Set<string>>();

/**
 * The nodes that compute the zero state `name` from shapes only: a ConstantOfShape of 0 (or an
 * Expand of a zero constant) whose shape comes from Shape nodes and constants; undefined when the
 * state is anything else.
 */
function zeroStateNodes(ctx: ImportContext, name: string, written: Map<string, GraphNode>): GraphNode[] | undefined {
  const last = written.get(name);
  if (!last) return undefined;
  if (last.opType === 'ConstantOfShape') {
    const value = last.attributes.get('value');
    if (value && !(value.type === 'tensor' && isFloatZero(value.value))) return undefined;
  } else if (last.opType !== 'Expand' || !allZeros(ctx, last.inputs[0])) return undefined;
  const nodes = new Set<GraphNode>([last]);
  const pending = [last.opType === 'Expand' ? last.inputs[1] : last.inputs[0]];
  while (pending.length > 0) {
    const tensor = pending.pop()!;
    if (tensor === '' || ctx.constant(tensor) !== undefined) continue;
    const node = written.get(tensor);
    if (!node || !SHAPE_OPS.has(node.opType) || nodes.size >= MAX_STATE_NODES) return undefined;
    if (nodes.has(node)) continue;
    nodes.add(node);
    // A Shape reads any tensor (only its shape); the other nodes read shapes and constants.
    if (node.opType !== 'Shape') pending.push(...node.inputs);
  }
  return [...nodes];
}

/**
 * Takes, before the walk, the nodes of every recurrent operator's computed zero initial state, so
 * that the Shape reading the data is not taken for a branch. States that are not zeros are left
 * for the operator's importer to refuse.
 */
export function takeZeroStates(ctx: ImportContext): void {
  const written = producers(ctx);
  const recognised = new Set<string>();
  zeroStates.set(ctx, recognised);
  for (const node of ctx.graph.nodes) {
    if (!RECURRENT_OPS.has(node.opType)) continue;
    for (const index of [5, 6]) {
      const state = node.inputs[index];
      if (!state || ctx.constant(state) !== undefined) continue;
      const nodes = zeroStateNodes(ctx, state, written);
      if (!nodes) continue;
      ctx.take(...nodes);
      recognised.add(state);
    }
  }
}

/** Keras's matrix [rows, gates · units] from ONNX's [gates · units, rows] (one direction), its blocks put back in Keras's order. */
function kerasGates(m: Float32Array, rows: number, units: number, blocks: readonly number[]): Float32Array {
  const width = blocks.length * units;
  const out = new Float32Array(rows * width);
  blocks.forEach((from, k) => {
    for (let j = 0; j < units; j++) {
      const source = (from * units + j) * rows;
      for (let r = 0; r < rows; r++) out[r * width + k * units + j] = m[source + r];
    }
  });
  return out;
}

/** The activation keys of the operator's `activations` (its defaults when absent); names layerwise lacks fail. */
function activationKeys(node: GraphNode, ctx: ImportContext, defaults: string[], direction: Direction): string[] {
  const all = ctx.strings(node, 'activations', Array.from({ length: direction.count }, () => defaults).flat());
  if (all.length !== defaults.length * direction.count) ctx.fail(node, `it has ${all.length} activations; ${direction.count} direction(s) take ${defaults.length} each.`);
  const names = all.slice(direction.index * defaults.length, (direction.index + 1) * defaults.length);
  if (node.attributes.has('activation_alpha') || node.attributes.has('activation_beta')) ctx.fail(node, 'activation_alpha and activation_beta have no layerwise form.');
  return names.map((n) => {
    const key = Object.prototype.hasOwnProperty.call(ACTIVATION_KEYS, n.toLowerCase()) ? ACTIVATION_KEYS[n.toLowerCase()] : undefined;
    if (!key) ctx.fail(node, `its activation "${n}" has no layerwise form (${Object.keys(ACTIVATION_KEYS).join(', ')} do).`);
    return key;
  });
}

/** Checks the inputs and attributes layerwise has no form for: lengths, non-zero initial states, peepholes, clipping, batch-major layout. */
function checkPlain(node: GraphNode, ctx: ImportContext): void {
  if (node.inputs[4]) ctx.fail(node, 'its sequence_lens has no layerwise form (every sequence runs its full length).');
  for (const [index, what] of [[5, 'initial_h'], [6, 'initial_c'], [7, 'P (peepholes)']] as const) {
    const name = node.inputs[index];
    if (name && ctx.constant(name) !== undefined && !allZeros(ctx, name)) ctx.fail(node, `its ${what} is not zeros, which layerwise (whose states start at zero) cannot give.`);
    if (name && ctx.constant(name) === undefined && !zeroStates.get(ctx)?.has(name)) ctx.fail(node, `its ${what} is computed by nodes layerwise does not recognise as a zero state.`);
  }
  if (node.attributes.has('clip')) ctx.fail(node, 'clip has no layerwise form.');
  if (ctx.int(node, 'layout', 0) !== 0) ctx.fail(node, 'layout 1 (batch-major) is not read; layerwise reads the time-major form with Transposes around it.');
  if (ctx.int(node, 'input_forget', 0) !== 0) ctx.fail(node, 'input_forget 1 has no layerwise form.');
}

/** The recurrent layer of `node` reading `features` per step, and its weights in Keras's layout. */
/** One direction of a recurrent operator: its index among `count` (2 with direction "bidirectional"). */
interface Direction {
  index: number;
  count: number;
}

const SINGLE: Direction = { index: 0, count: 1 };

/** The recurrent layer of one direction of `node` reading `features` per step, and its weights in Keras's layout. */
function layerOf(node: GraphNode, ctx: ImportContext, features: number, returnSequences: boolean, goBackwards: boolean, direction = SINGLE) {
  checkPlain(node, ctx);
  const units = ctx.int(node, 'hidden_size', 0);
  const blocks = KERAS_BLOCKS[node.opType];
  const width = blocks.length * units;
  const { index, count } = direction;
  const w = ctx.floats(node, 1, 'W');
  const r = ctx.floats(node, 2, 'R');
  if (!(units > 0) || !isPerm(w.dims, [count, width, features]) || !isPerm(r.dims, [count, width, units])) {
    ctx.fail(node, `its W [${w.dims.join(', ')}] and R [${r.dims.join(', ')}] do not fit hidden_size ${units}, ${features} input features and ${count} direction(s).`);
  }
  const b = node.inputs[3] ? ctx.floats(node, 3, 'B') : undefined;
  if (b && !isPerm(b.dims, [count, 2 * width])) ctx.fail(node, `its B has shape [${b.dims.join(', ')}], not [${count}, ${2 * width}].`);
  const resetAfter = node.opType === 'GRU' && ctx.int(node, 'linear_before_reset', 0) !== 0;
  const part = (values: Float32Array, size: number) => values.subarray(index * size, (index + 1) * size);
  const weights = [
    { values: kerasGates(part(w.values, width * features), features, units, blocks), shape: [features, width] },
    { values: kerasGates(part(r.values, width * units), units, units, blocks), shape: [units, width] },
  ];
  if (b) {
    const bias = part(b.values, 2 * width);
    const wb = kerasGates(bias.subarray(0, width), 1, units, blocks);
    const rb = kerasGates(bias.subarray(width), 1, units, blocks);
    if (resetAfter) {
      const both = new Float32Array(2 * width);
      both.set(wb);
      both.set(rb, width);
      weights.push({ values: both, shape: [2, width] });
    } else weights.push({ values: wb.map((v, i) => v + rb[i]), shape: [width] });
  }
  const common = { units, useBias: b !== undefined, returnSequences, goBackwards };
  let layer: Layer;
  if (node.opType === 'RNN') {
    const [activation] = activationKeys(node, ctx, ['Tanh'], direction);
    layer = new SimpleRNN({ ...common, activation });
  } else if (node.opType === 'GRU') {
    const [recurrentActivation, activation] = activationKeys(node, ctx, ['Sigmoid', 'Tanh'], direction);
    layer = new GRU({ ...common, activation, recurrentActivation, resetAfter });
  } else {
    const [recurrentActivation, activation, output] = activationKeys(node, ctx, ['Sigmoid', 'Tanh', 'Tanh'], direction);
    if (output !== activation) ctx.fail(node, `its cell activation ${activation} and output activation ${output} differ; layerwise's LSTM has one activation for both.`);
    layer = new LSTM({ ...common, activation, recurrentActivation });
  }
  return { layer, weights };
}

/** The only reader of `name`, if it is `opType`. */
function next(ctx: ImportContext, name: string, opType: string): GraphNode | undefined {
  const reader = ctx.onlyReader(name);
  return reader?.opType === opType && reader.inputs[0] === name ? reader : undefined;
}

/** Whether `node` is a Squeeze (opset 13: axes as an input) of exactly `axis`. */
function squeezes(node: GraphNode | undefined, ctx: ImportContext, axis: number): node is GraphNode {
  return node !== undefined && isPerm(ctx.int64s(node, 1, 'axes') ?? [], [axis]);
}

/** Whether `node` is a Gather along `axis` of one index (a scalar): the last of `size` (-1 or size - 1), or `index` when given. */
function picksLast(node: GraphNode | undefined, ctx: ImportContext, axis: number, size: number): node is GraphNode {
  if (!node || ctx.int(node, 'axis', 0) !== axis) return false;
  const c = node.inputs[1] ? ctx.constant(node.inputs[1]) : undefined;
  return c !== undefined && c.dims.length === 0 && !(c.values instanceof Float32Array) && (c.values[0] === -1 || c.values[0] === size - 1);
}

/** Whether `node` is a Slice that reverses axis 0 whole (step -1 from the last), as the export writes for goBackwards. */
function reverses(node: GraphNode | undefined, ctx: ImportContext, steps: number): node is GraphNode {
  if (!node) return false;
  const [starts, ends, axes, stride] = [1, 2, 3, 4].map((i) => ctx.int64s(node, i, 'slice bounds') ?? []);
  return isPerm(starts, [-1]) && ends.length === 1 && ends[0] <= -(steps + 1) && isPerm(axes, [0]) && isPerm(stride, [-1]);
}

/** Whether `node` swaps the two first axes of a rank-3 tensor (to or from time-major). */
function swapsSteps(node: GraphNode | undefined, ctx: ImportContext): node is GraphNode {
  return node !== undefined && isPerm(ctx.ints(node, 'perm', [2, 1, 0]), [1, 0, 2]);
}

/**
 * A Transpose to time-major followed by a recurrent operator: the recurrent layer and the nodes
 * that bring its output back to [batch, steps, units] or [batch, units].
 */
export const recurrentFrom: OpImporter = (transpose, flow, ctx) => {
  plain(transpose, flow, ctx);
  const readers = ctx.readersOf(transpose.outputs[0]);
  if (readers.length === 2 && readers.every((n) => RECURRENT_OPS.has(n.opType) && n.inputs[0] === transpose.outputs[0]) && flow.layout === 'last' && flow.shape.length === 2) {
    return bidirectionalFrom(readers as [GraphNode, GraphNode], flow, ctx);
  }
  const op = ctx.onlyReader(transpose.outputs[0]);
  if (!op || !RECURRENT_OPS.has(op.opType) || op.inputs[0] !== transpose.outputs[0] || flow.layout !== 'last' || flow.shape.length !== 2) {
    return ctx.fail(transpose, 'layerwise follows a Transpose of the two first axes only into a recurrent operator (RNN, LSTM, GRU), as a batch-first recurrent layer writes it.');
  }
  ctx.take(op);
  const [steps, features] = flow.shape;
  const direction = ctx.string(op, 'direction', 'forward');
  if (direction === 'bidirectional') return bothWaysFrom(op, flow, ctx);
  if (direction !== 'forward' && direction !== 'reverse') ctx.fail(op, `its direction "${direction}" is none of forward, reverse and bidirectional.`);
  const reverse = direction === 'reverse';
  const [y, yh, yc] = [0, 1, 2].map((i) => op.outputs[i] ?? '');
  if (ctx.isRead(yc)) ctx.fail(op, 'its cell state output Y_c is read, which a layerwise layer does not give.');
  if (ctx.isRead(y) === ctx.isRead(yh)) ctx.fail(op, 'layerwise reads recurrent operators whose every-step output Y or last state Y_h (one of them) is used.');
  const taken: GraphNode[] = [];
  let output: string;
  let returnSequences = true;
  if (ctx.isRead(yh)) {
    const pick = ctx.onlyReader(yh);
    if (!squeezes(pick, ctx, 0) && !picksLast(pick, ctx, 0, 1)) return ctx.fail(op, 'its last state Y_h must be followed by a Squeeze of axis 0 (to [batch, units]).');
    taken.push(pick!);
    output = pick!.outputs[0];
    returnSequences = false;
  } else {
    const squeeze = next(ctx, y, 'Squeeze');
    if (!squeezes(squeeze, ctx, 1)) return ctx.fail(op, 'its output Y must be followed by a Squeeze of axis 1 (the direction) and a Transpose back to [batch, steps, units].');
    taken.push(squeeze);
    let time = squeeze.outputs[0];
    const slice = next(ctx, time, 'Slice');
    if (reverse) {
      if (!reverses(slice, ctx, steps)) ctx.fail(op, "it reads the sequence backwards and keeps every step aligned with the input; layerwise's goBackwards gives the steps in reverse (a Slice with step -1 after the Squeeze).");
      taken.push(slice!);
      time = slice!.outputs[0];
    }
    const back = next(ctx, time, 'Transpose');
    if (!swapsSteps(back, ctx)) return ctx.fail(op, 'its steps must be put back batch-first (a Transpose with perm [1, 0, 2]).');
    taken.push(back);
    output = back.outputs[0];
    const last = next(ctx, output, 'Gather');
    if (!reverse && picksLast(last, ctx, 1, steps)) {
      // PyTorch's out[:, -1]: the last step's output, which is the layer's without returnSequences.
      taken.push(last);
      output = last.outputs[0];
      returnSequences = false;
    }
  }
  ctx.take(...taken);
  const { layer, weights } = layerOf(op, ctx, features, returnSequences, reverse);
  return after(flow, output, ctx.add(layer, flow, weights), 'last');
};

/** Whether a Transpose node starts a recurrent pattern (a swap of the first two axes of a rank-3 tensor). */
export function startsRecurrent(node: GraphNode, flow: Flow, ctx: ImportContext): boolean {
  return flow.shape.length === 2 && swapsSteps(node, ctx);
}

/** The merge of Bidirectional that `node` computes on its two inputs (with the Mul by ½ of 'ave' taken along), and the tensor it writes. */
function mergeOf(node: GraphNode, ctx: ImportContext, axis: number): { mode: Bidirectional['mergeMode']; output: string } | undefined {
  if (node.opType === 'Concat') return ctx.int(node, 'axis', -1) === axis ? { mode: 'concat', output: node.outputs[0] } : undefined;
  if (node.opType === 'Mul') return { mode: 'mul', output: node.outputs[0] };
  if (node.opType !== 'Add') return undefined;
  const half = ctx.onlyReader(node.outputs[0]);
  const c = half?.opType === 'Mul' && half.inputs[0] === node.outputs[0] && half.inputs[1] ? ctx.constant(half.inputs[1]) : undefined;
  if (c && c.values instanceof Float32Array && c.values.length === 1 && c.values[0] === 0.5) {
    ctx.take(half!);
    return { mode: 'ave', output: half!.outputs[0] };
  }
  return { mode: 'sum', output: node.outputs[0] };
}

/** The settings of a recurrent operator that make a Bidirectional's backward layer a copy of its forward one (but for its direction). */
function signature(node: GraphNode, ctx: ImportContext): string {
  return JSON.stringify([node.opType, ctx.int(node, 'hidden_size', 0), ctx.strings(node, 'activations', []), ctx.int(node, 'linear_before_reset', 0), Boolean(node.inputs[3])]);
}

/**
 * Two recurrent operators on the same time-major input, one per direction, each output squeezed
 * and the two merged: Bidirectional (the merge's first input is its forward layer), with
 * returnSequences put back batch-first (and in reverse, when the forward layer reads backwards).
 */
function bidirectionalFrom(ops: [GraphNode, GraphNode], flow: Flow, ctx: ImportContext): Flow {
  const [steps, features] = flow.shape;
  ctx.take(...ops);
  const everyStep = ctx.isRead(ops[0].outputs[0] ?? '');
  const squeezed = ops.map((op) => {
    const [y, yh, yc] = [0, 1, 2].map((i) => op.outputs[i] ?? '');
    if (ctx.isRead(yc) || ctx.isRead(y) === ctx.isRead(yh) || ctx.isRead(y) !== everyStep) ctx.fail(op, 'the two directions of a Bidirectional must both give every step (Y) or both their last state (Y_h), and not the cell state.');
    const squeeze = next(ctx, everyStep ? y : yh, 'Squeeze');
    if (!squeezes(squeeze, ctx, everyStep ? 1 : 0)) return ctx.fail(op, 'each direction of a Bidirectional must be followed by a Squeeze of its direction axis.');
    ctx.take(squeeze);
    return squeeze;
  });
  const merge = ctx.onlyReader(squeezed[0].outputs[0]);
  const found = merge && ctx.onlyReader(squeezed[1].outputs[0]) === merge && merge.inputs.length === 2 ? mergeOf(merge, ctx, everyStep ? 2 : 1) : undefined;
  if (!merge || !found) return ctx.fail(ops[0], "the two directions must be merged by one Concat of the features, Add (and Mul by 0.5 for 'ave') or Mul.");
  ctx.take(merge);
  const forwardIndex = merge.inputs[0] === squeezed[0].outputs[0] ? 0 : 1;
  const [forwardOp, backwardOp] = [ops[forwardIndex], ops[1 - forwardIndex]];
  const reversed = (op: GraphNode) => ctx.string(op, 'direction', 'forward') === 'reverse';
  if (reversed(forwardOp) === reversed(backwardOp)) ctx.fail(backwardOp, 'the two directions of a Bidirectional must read the sequence opposite ways (direction "forward" and "reverse").');
  let output = found.output;
  if (everyStep) {
    const slice = next(ctx, output, 'Slice');
    if (reversed(forwardOp) !== reverses(slice, ctx, steps)) ctx.fail(forwardOp, 'its merged steps must be in the order its forward layer reads them (a Slice with step -1 when it reads backwards).');
    if (slice) {
      ctx.take(slice);
      output = slice.outputs[0];
    }
    const back = next(ctx, output, 'Transpose');
    if (!swapsSteps(back, ctx)) return ctx.fail(merge, 'the merged steps must be put back batch-first (a Transpose with perm [1, 0, 2]).');
    ctx.take(back);
    output = back.outputs[0];
  }
  const forward = layerOf(forwardOp, ctx, features, everyStep, reversed(forwardOp));
  const backward = layerOf(backwardOp, ctx, features, everyStep, reversed(backwardOp));
  const custom = signature(forwardOp, ctx) !== signature(backwardOp, ctx);
  const layer = new Bidirectional({ layer: forward.layer, mergeMode: found.mode, ...(custom ? { backwardLayer: backward.layer } : {}) });
  return after(flow, output, ctx.add(layer, flow, [...forward.weights, ...backward.weights]), 'last');
}

/**
 * One recurrent operator with direction "bidirectional", as PyTorch writes nn.LSTM(bidirectional=True):
 * Y [steps, 2, batch, units] moved to [steps, batch, 2, units] (Transpose [0, 2, 1, 3]), the two
 * directions side by side (Reshape [0, 0, -1]) and back batch-first: Bidirectional with 'concat'
 * and returnSequences (PyTorch's backward direction is aligned with the input's steps, as Keras's).
 */
function bothWaysFrom(op: GraphNode, flow: Flow, ctx: ImportContext): Flow {
  const [steps, features] = flow.shape;
  const units = ctx.int(op, 'hidden_size', 0);
  const [y, yh, yc] = [0, 1, 2].map((i) => op.outputs[i] ?? '');
  if (ctx.isRead(yh) || ctx.isRead(yc)) ctx.fail(op, "a bidirectional operator's last states (Y_h, Y_c) have no layerwise form; layerwise reads its every-step output Y, the directions side by side.");
  const move = next(ctx, y, 'Transpose');
  const join = move && isPerm(ctx.ints(move, 'perm', []), [0, 2, 1, 3]) ? next(ctx, move.outputs[0], 'Reshape') : undefined;
  const shape = join ? ctx.int64s(join, 1, 'shape') : undefined;
  const back = join && shape && (isPerm(shape, [0, 0, -1]) || isPerm(shape, [0, 0, 2 * units]) || isPerm(shape, [steps, -1, 2 * units])) ? next(ctx, join.outputs[0], 'Transpose') : undefined;
  if (!swapsSteps(back, ctx)) {
    return ctx.fail(op, 'layerwise reads a bidirectional operator followed by a Transpose [0, 2, 1, 3], a Reshape putting the two directions side by side, and a Transpose back batch-first (as PyTorch writes a bidirectional batch-first layer).');
  }
  ctx.take(move!, join!, back);
  const forward = layerOf(op, ctx, features, true, false, { index: 0, count: 2 });
  const backward = layerOf(op, ctx, features, true, true, { index: 1, count: 2 });
  const layer = new Bidirectional({ layer: forward.layer, mergeMode: 'concat' });
  return after(flow, back.outputs[0], ctx.add(layer, flow, [...forward.weights, ...backward.weights]), 'last');
}
