import { ELU, LeakyReLU, ReLU, Softmax } from '../../layers/activations';
import type { Layer } from '../../layers/layer';
import { after, isFloat32, shortestFloat32, type Flow, type ImportContext } from './import-context';
import { axisFrom } from './layout';
import type { Shape } from '../../tensor/tensor';
import type { GraphNode } from './read';

/** An activation as the importer gives it to a layer: a key of the registry, or an activation layer without weights. */
export type ActivationChoice = string | Layer;

/** The activation one node computes on its first input (`flow`); fails, naming the node, for settings layerwise lacks. */
type ActivationReader = (node: GraphNode, flow: Flow, ctx: ImportContext) => ActivationChoice;

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** The scalar constant input `index` of `node`, or `fallback` when absent. */
function scalar(node: GraphNode, index: number, ctx: ImportContext, what: string, fallback: number): number {
  if (!node.inputs[index]) return fallback;
  const c = ctx.floats(node, index, what);
  if (c.values.length !== 1) ctx.fail(node, `its ${what} must be a single number, but has shape [${c.dims.join(', ')}].`);
  return c.values[0];
}

/** max(x, min) capped at max: ReLU when min is 0. */
const clip: ActivationReader = (node, _flow, ctx) => {
  const min = scalar(node, 1, ctx, 'minimum', -Infinity);
  const max = scalar(node, 2, ctx, 'maximum', Infinity);
  if (min !== 0 || !(max > 0)) ctx.fail(node, `layerwise has Clip only as ReLU (minimum 0, a positive maximum or none); this one clips to [${min}, ${max}].`);
  if (max === Infinity) return 'relu';
  return max === 6 ? 'relu6' : new ReLU({ maxValue: shortestFloat32(max) });
};

const softmax: ActivationReader = (node, flow, ctx) => {
  const rank = flow.shape.length + 1;
  const axis = ctx.int(node, 'axis', -1);
  if (!(axis >= -rank && axis < rank) || axis === 0 || axis === -rank) ctx.fail(node, `its axis ${axis} is not a feature axis of a tensor of rank ${rank}.`);
  const own = axisFrom(axis, rank, flow.layout);
  return own === rank - 1 ? 'softmax' : new Softmax({ axis: own });
};

/** The ONNX operators that are one activation, by operator. */
const ACTIVATION_OPS: ReadonlyMap<string, ActivationReader> = new Map<string, ActivationReader>([
  ['Relu', () => 'relu'],
  ['Sigmoid', () => 'sigmoid'],
  ['Tanh', () => 'tanh'],
  ['Softplus', () => 'softplus'],
  ['Softsign', () => 'softsign'],
  ['Softmax', softmax],
  ['Clip', clip],
  [
    'LeakyRelu',
    (node, _flow, ctx) => {
      const alpha = ctx.float(node, 'alpha', 0.01);
      return isFloat32(alpha, 0.2) ? 'leaky_relu' : new LeakyReLU({ alpha: shortestFloat32(alpha) });
    },
  ],
  [
    'Elu',
    (node, _flow, ctx) => {
      const alpha = ctx.float(node, 'alpha', 1);
      return isFloat32(alpha, 1) ? 'elu' : new ELU({ alpha: shortestFloat32(alpha) });
    },
  ],
  [
    'Selu',
    (node, _flow, ctx) => {
      const alpha = ctx.float(node, 'alpha', SELU_ALPHA);
      const gamma = ctx.float(node, 'gamma', SELU_SCALE);
      if (!isFloat32(alpha, SELU_ALPHA) || !isFloat32(gamma, SELU_SCALE)) ctx.fail(node, `layerwise's selu has alpha ${SELU_ALPHA} and gamma ${SELU_SCALE}; this one has ${alpha} and ${gamma}.`);
      return 'selu';
    },
  ],
  [
    'HardSigmoid',
    (node, _flow, ctx) => {
      const alpha = ctx.float(node, 'alpha', 0.2);
      const beta = ctx.float(node, 'beta', 0.5);
      if (!isFloat32(alpha, 0.2) || !isFloat32(beta, 0.5)) ctx.fail(node, `layerwise's hard_sigmoid is clip(0.2 x + 0.5, 0, 1); this one has alpha ${alpha} and beta ${beta}.`);
      return 'hard_sigmoid';
    },
  ],
  [
    'Gelu',
    (node, _flow, ctx) => {
      if (ctx.string(node, 'approximate', 'none') !== 'none') ctx.fail(node, `layerwise's gelu is the exact one (approximate "none").`);
      return 'gelu';
    },
  ],
]);

/** An activation found after a tensor: what it computes, the nodes it spans, the tensor it writes. */
export interface FoundActivation {
  choice: ActivationChoice;
  nodes: GraphNode[];
  output: string;
}

/** Whether input `index` of `node` is a scalar constant equal (as float32) to `expected`. */
function isScalar(ctx: ImportContext, node: GraphNode, index: number, expected: number): boolean {
  const c = node.inputs[index] ? ctx.constant(node.inputs[index]) : undefined;
  return c !== undefined && c.values instanceof Float32Array && c.values.length === 1 && isFloat32(c.values[0], expected);
}

/** The input of a two-input node other than `name`, when `name` is one of them. */
function other(node: GraphNode, name: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  return node.inputs[0] === name ? node.inputs[1] : node.inputs[1] === name ? node.inputs[0] : undefined;
}

/** x · sigmoid(x) as two nodes: a Sigmoid of x, and a Mul of x and it. */
function swish(x: string, readers: GraphNode[], ctx: ImportContext): FoundActivation | undefined {
  const s = readers.find((n) => n.opType === 'Sigmoid' && n.inputs[0] === x);
  const m = readers.find((n) => n.opType === 'Mul' && other(n, x) === s?.outputs[0]);
  if (!s || !m || ctx.onlyReader(s.outputs[0]) !== m) return undefined;
  return { choice: 'swish', nodes: [s, m], output: m.outputs[0] };
}

/** 0.5 · x · (1 + erf(x / √2)), as PyTorch and layerwise write it: Div, Erf, Add, Mul, Mul. */
function gelu(x: string, readers: GraphNode[], ctx: ImportContext): FoundActivation | undefined {
  const div = readers.find((n) => n.opType === 'Div' && n.inputs[0] === x && isScalar(ctx, n, 1, Math.SQRT2));
  const times = readers.find((n) => n.opType === 'Mul' && n !== div && other(n, x) !== undefined);
  const erf = div && ctx.onlyReader(div.outputs[0]);
  const plus = erf?.opType === 'Erf' ? ctx.onlyReader(erf.outputs[0]) : undefined;
  const one = plus?.opType === 'Add' ? other(plus, erf!.outputs[0]) : undefined;
  if (!times || !plus || one === undefined || !isScalar(ctx, plus, plus.inputs.indexOf(one), 1)) return undefined;
  if (ctx.onlyReader(plus.outputs[0]) !== times || other(times, x) !== plus.outputs[0]) return undefined;
  const half = ctx.onlyReader(times.outputs[0]);
  const h = half?.opType === 'Mul' ? other(half, times.outputs[0]) : undefined;
  if (h === undefined || !isScalar(ctx, half!, half!.inputs.indexOf(h), 0.5)) return undefined;
  return { choice: 'gelu', nodes: [div!, erf!, plus, times, half!], output: half!.outputs[0] };
}

/**
 * The activation that follows `flow`, if the nodes reading it compute one (one activation operator,
 * or the two patterns of several nodes: swish and gelu); nothing is placed yet (the caller takes
 * the nodes). Undefined when they compute something else.
 */
export function findActivation(flow: Flow, ctx: ImportContext): FoundActivation | undefined {
  if (flow.name === ctx.graph.output) return undefined;
  const readers = ctx.readersOf(flow.name);
  if (readers.length === 1) {
    const node = readers[0];
    const reader = ACTIVATION_OPS.get(node.opType);
    if (!reader || node.inputs[0] !== flow.name || node.outputs.length !== 1) return undefined;
    return { choice: reader(node, flow, ctx), nodes: [node], output: node.outputs[0] };
  }
  return readers.length === 2 ? (swish(flow.name, readers, ctx) ?? gelu(flow.name, readers, ctx)) : undefined;
}

/**
 * The activation that directly follows a Dense or a convolution's output `name`, taken along to be
 * fused into it (as Keras writes `activation: 'relu'`); undefined when something else follows.
 */
export function fuse(name: string, flow: Flow, shape: Shape, ctx: ImportContext): { activation?: ActivationChoice; output: string } {
  const found = findActivation(after(flow, name, shape), ctx);
  if (!found) return { output: name };
  ctx.take(...found.nodes);
  return { activation: found.choice, output: found.output };
}
