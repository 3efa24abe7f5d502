import type { Activation } from '../../activations/activation';
import { getActivation } from '../../activations/registry';
import { LayerwiseError } from '../../util/errors';
import { float, int, type GraphBuilder, type Value } from './graph';
import { axisIn } from './layout';

/** Writes one activation function on `x` (the output of the layer `owner`); returns its output. */
type FunctionExporter = (x: Value, g: GraphBuilder, owner: string, config: Readonly<Record<string, number>>) => Value;

/** One elementwise ONNX operator with fixed attributes. */
const unary =
  (opType: string, attributes: (config: Readonly<Record<string, number>>) => Parameters<GraphBuilder['op']>[3] = () => ({})): FunctionExporter =>
  (x, g, owner, config) =>
    g.op(opType, owner, [x.name], attributes(config), x.shape, x.layout);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** max(x, 0) capped at maxValue: Clip(x, 0, maxValue) (Clip takes its bounds as inputs since opset 11). */
function clip(x: Value, g: GraphBuilder, owner: string, maxValue: number): Value {
  return g.op('Clip', owner, [x.name, g.scalar(`${owner}/min`, 0), g.scalar(`${owner}/max`, maxValue)], {}, x.shape, x.layout);
}

/** x · sigmoid(x), as two nodes (ONNX has no Swish before opset 22). */
function swish(x: Value, g: GraphBuilder, owner: string): Value {
  const s = g.op('Sigmoid', owner, [x.name], {}, x.shape, x.layout);
  return g.op('Mul', owner, [x.name, s.name], {}, x.shape, x.layout);
}

/**
 * x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), from Erf as PyTorch 1.13 writes it (ONNX's Gelu arrives
 * in opset 20): Div, Erf, Add, Mul, Mul.
 */
function gelu(x: Value, g: GraphBuilder, owner: string): Value {
  const { shape, layout } = x;
  const scaled = g.op('Div', owner, [x.name, g.scalar(`${owner}/sqrt2`, Math.SQRT2)], {}, shape, layout);
  const erf = g.op('Erf', owner, [scaled.name], {}, shape, layout);
  const plusOne = g.op('Add', owner, [erf.name, g.scalar(`${owner}/one`, 1)], {}, shape, layout);
  const times = g.op('Mul', owner, [x.name, plusOne.name], {}, shape, layout);
  return g.op('Mul', owner, [times.name, g.scalar(`${owner}/half`, 0.5)], {}, shape, layout);
}

/** Softmax along a channels-last axis (batch included; -1 by default), mapped to the axis it has in x's layout. */
const softmax: FunctionExporter = (x, g, owner, { axis = -1 }) =>
  g.op('Softmax', owner, [x.name], { axis: int(axisIn(axis, x.shape.length + 1, x.layout)) }, x.shape, x.layout);

/**
 * The ONNX form of each built-in activation, by its key (an activation's `name`), with the config
 * settings it may have. Keys registered by the user have none, and fail the export.
 */
const FUNCTIONS: Readonly<Record<string, { settings: readonly string[]; write: FunctionExporter }>> = {
  linear: { settings: [], write: (x) => x },
  relu: { settings: ['maxValue'], write: (x, g, owner, { maxValue }) => (maxValue === undefined ? unary('Relu')(x, g, owner, {}) : clip(x, g, owner, maxValue)) },
  relu6: { settings: ['maxValue'], write: (x, g, owner) => clip(x, g, owner, 6) },
  leaky_relu: { settings: ['alpha'], write: unary('LeakyRelu', ({ alpha }) => ({ alpha: float(alpha) })) },
  elu: { settings: ['alpha'], write: unary('Elu', ({ alpha }) => ({ alpha: float(alpha) })) },
  selu: { settings: [], write: unary('Selu', () => ({ alpha: float(SELU_ALPHA), gamma: float(SELU_SCALE) })) },
  sigmoid: { settings: [], write: unary('Sigmoid') },
  tanh: { settings: [], write: unary('Tanh') },
  softmax: { settings: ['axis'], write: softmax },
  gelu: { settings: [], write: gelu },
  swish: { settings: [], write: swish },
  silu: { settings: [], write: swish },
  softplus: { settings: [], write: unary('Softplus') },
  softsign: { settings: [], write: unary('Softsign') },
  // TF.js's and Keras 2's piecewise-linear sigmoid, clip(0.2 · x + 0.5, 0, 1): ONNX's defaults, written out.
  hard_sigmoid: { settings: [], write: unary('HardSigmoid', () => ({ alpha: float(0.2), beta: float(0.5) })) },
};

/** Whether `fn` is layerwise's own function of that key (not a user's activation), with settings the export knows. */
function mapping(fn: Activation): (typeof FUNCTIONS)[string] | undefined {
  const entry = Object.prototype.hasOwnProperty.call(FUNCTIONS, fn.name) ? FUNCTIONS[fn.name] : undefined;
  if (!entry) return undefined;
  if (getActivation(fn.name) === fn) return entry;
  const settings = Object.keys(fn.config);
  return settings.length > 0 && settings.every((s) => entry.settings.includes(s) && Number.isFinite(fn.config[s])) ? entry : undefined;
}

/** Writes the activation function `fn` of the layer `owner` on `x`; an activation with no ONNX form fails, naming the layer. */
export function exportFunction(fn: Activation, x: Value, g: GraphBuilder, owner: string): Value {
  const entry = mapping(fn);
  if (!entry) {
    throw new LayerwiseError(
      `exportOnnx: ${owner} uses the activation "${fn.name}", which has no ONNX form (a registered activation, or settings ` +
        `${JSON.stringify(fn.config)} the export does not know). Built-in activations that export: ${Object.keys(FUNCTIONS).join(', ')}.`,
    );
  }
  return entry.write(x, g, owner, fn.config);
}
