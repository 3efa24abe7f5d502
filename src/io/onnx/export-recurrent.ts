import type { ActivationSlot } from '../../layers/activation-slot';
import type { Bidirectional } from '../../layers/bidirectional';
import type { GRU } from '../../layers/gru';
import type { Layer } from '../../layers/layer';
import { GatedRecurrent, type Recurrent } from '../../layers/recurrent';
import { LayerwiseError } from '../../util/errors';
import { int, ints, string, strings, type GraphBuilder, type Value } from './graph';
import { weightsOf } from './export-weights';

/*
 * SimpleRNN, LSTM and GRU as ONNX's RNN, LSTM and GRU operators (opset 14's forms, which opset 17
 * keeps), and Bidirectional as one such operator per direction and the merge. ONNX's operators are
 * time-major ([steps, batch, features]; ONNX Runtime has no `layout` 1 on its CPU), so the data is
 * transposed into and out of them.
 */

/** Each recurrent class: its ONNX operator, and the Keras gate (column block) of each of ONNX's gates in order. */
const OPERATORS: Readonly<Record<string, { opType: 'RNN' | 'LSTM' | 'GRU'; gates: readonly number[] }>> = {
  SimpleRNN: { opType: 'RNN', gates: [0] },
  // Keras's blocks are i, f, c, o; ONNX's are i, o, f, c.
  LSTM: { opType: 'LSTM', gates: [0, 3, 1, 2] },
  // Both z, r, h.
  GRU: { opType: 'GRU', gates: [0, 1, 2] },
};

/** The activations ONNX's recurrent operators take (by layerwise's key), which ONNX Runtime computes without settings. */
const RECURRENT_ACTIVATIONS: Readonly<Record<string, string>> = {
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  softsign: 'Softsign',
  softplus: 'Softplus',
  // ONNX's defaults for HardSigmoid, alpha 0.2 and beta 0.5, are TF.js's constants.
  hard_sigmoid: 'HardSigmoid',
};

/** The ONNX name of an activation slot of a recurrent layer; an activation ONNX's recurrent operators lack fails, naming the layer. */
function activationName(slot: ActivationSlot, layer: Layer, option: string): string {
  const fn = slot.fn ?? slot.head()?.fn;
  const name = fn && Object.keys(fn.config).length === 0 ? RECURRENT_ACTIVATIONS[fn.name] : undefined;
  if (!name || (slot.layer && slot.layer.params().length > 0)) {
    throw new LayerwiseError(
      `exportOnnx: the layer ${layer.name} (${layer.className}) has the ${option} ${slot.describe()}, which ONNX's ${OPERATORS[layer.className].opType} operator ` +
        `does not compute. Recurrent activations that export: ${Object.keys(RECURRENT_ACTIVATIONS).join(', ')}.`,
    );
  }
  return name;
}

/**
 * A Keras matrix [rows, gates · units] as ONNX's [gates · units, rows], its column blocks put in
 * ONNX's gate order: out[g · units + j, r] = m[r, order[g] · units + j].
 */
function onnxGates(m: Float32Array, rows: number, units: number, order: readonly number[]): Float32Array {
  const width = order.length * units;
  const out = new Float32Array(m.length);
  order.forEach((from, g) => {
    for (let j = 0; j < units; j++) {
      const to = (g * units + j) * rows;
      const column = from * units + j;
      for (let r = 0; r < rows; r++) out[to + r] = m[r * width + column];
    }
  });
  return out;
}

/** The gate blocks of a bias vector [gates · units] in ONNX's order. */
function onnxBias(bias: Float32Array, units: number, order: readonly number[]): Float32Array {
  return onnxGates(bias, 1, units, order);
}

/** The ONNX operator's inputs W, R, B and its attributes for one recurrent layer reading `features`. */
function recurrentOperands(layer: Recurrent, features: number, g: GraphBuilder, direction: 'forward' | 'reverse') {
  const { opType, gates } = OPERATORS[layer.className];
  const units = layer.units;
  const width = gates.length * units;
  const w = weightsOf(layer);
  const kernel = g.weight(`${layer.name}/W`, onnxGates(w.get('kernel')!.data, features, units, gates), [1, width, features]);
  const recurrent = g.weight(`${layer.name}/R`, onnxGates(w.get('recurrent_kernel')!.data, units, units, gates), [1, width, units]);
  const inputs = [kernel, recurrent];
  const bias = w.get('bias')?.data;
  if (bias) {
    // Keras's one bias is ONNX's input bias (Wb), with a recurrent bias (Rb) of zeros; a GRU with resetAfter has both.
    const resetAfter = layer.className === 'GRU' && (layer as GRU).resetAfter;
    const wb = onnxBias(resetAfter ? bias.subarray(0, width) : bias, units, gates);
    const rb = resetAfter ? onnxBias(bias.subarray(width), units, gates) : new Float32Array(width);
    const b = new Float32Array(2 * width);
    b.set(wb);
    b.set(rb, width);
    inputs.push(g.weight(`${layer.name}/B`, b, [1, 2 * width]));
  }
  const act = activationName(layer.activation, layer, 'activation');
  const gate = layer instanceof GatedRecurrent ? activationName(layer.recurrentActivation, layer, 'recurrentActivation') : undefined;
  const activations = opType === 'RNN' ? [act] : opType === 'GRU' ? [gate!, act] : [gate!, act, act];
  const attributes = {
    hidden_size: int(units),
    direction: string(direction),
    activations: strings(activations),
    ...(opType === 'GRU' ? { linear_before_reset: int((layer as GRU).resetAfter ? 1 : 0) } : {}),
  };
  return { opType, inputs, attributes };
}

/**
 * One recurrent layer on time-major `xt` ([steps, batch, features] in the graph): its outputs in the
 * graph, every step's ([steps, batch, units], aligned with the input's steps, as ONNX gives them
 * whatever the direction) or the last processed step's ([batch, units]).
 */
function recurrentCore(layer: Recurrent, xt: Value, g: GraphBuilder): Value {
  const [steps, features] = xt.shape;
  const { opType, inputs, attributes } = recurrentOperands(layer, features, g, layer.goBackwards ? 'reverse' : 'forward');
  const units = layer.units;
  const outputs = g.multi(opType, layer.name, [xt.name, ...inputs], attributes, 2, layer.returnSequences ? [1] : [0]);
  if (layer.returnSequences) {
    // Y [steps, 1, batch, units]: the direction axis dropped.
    return g.op('Squeeze', layer.name, [outputs[0], g.int64s(`${layer.name}/axes`, [1])], {}, [steps, units], 'last');
  }
  // Y_h [1, batch, units]: the state after the last step processed (the first, reading backwards).
  return g.op('Squeeze', layer.name, [outputs[1], g.int64s(`${layer.name}/axes`, [0])], {}, [units], 'last');
}

/** [batch, steps, features] to time-major, or back: the two axes swapped. */
function swapSteps(x: Value, g: GraphBuilder, owner: string, shape = x.shape): Value {
  return g.op('Transpose', owner, [x.name], { perm: ints([1, 0, 2]) }, shape, 'last');
}

/** The steps of a time-major sequence in reverse order: a Slice with step -1 along axis 0, from the last to before the first (of any length). */
function reverseSteps(x: Value, g: GraphBuilder, owner: string): Value {
  const inputs = [x.name, g.int64s(`${owner}/starts`, [-1]), g.int64s(`${owner}/ends`, [Number.MIN_SAFE_INTEGER]), g.int64s(`${owner}/axes`, [0]), g.int64s(`${owner}/steps`, [-1])];
  return g.op('Slice', owner, inputs, {}, x.shape, 'last');
}

/** Fails for a recurrent layer the export cannot write: one that would read a mask. */
function checkUnmasked(layer: Layer, x: Value): void {
  if (x.maskFrom === undefined) return;
  throw new LayerwiseError(
    `exportOnnx: the layer ${layer.name} (${layer.className}) reads the mask of ${x.maskFrom} (an Embedding with maskZero: true), which ONNX cannot carry: ` +
      `its recurrent operators take one length per sample, not a mask per step, so the file would compute something else. ` +
      `Export a model whose Embedding has maskZero: false (pad the sequences at the start, so that the last steps are real).`,
  );
}

/** SimpleRNN, LSTM and GRU: [batch, steps, features] to [batch, units], or [batch, steps, units] with returnSequences. */
export const recurrent = (layer: Layer, input: Value, g: GraphBuilder): Value => {
  const r = layer as Recurrent;
  checkUnmasked(r, input);
  const x = g.toLayout(input, 'last', r.name);
  const [steps, features] = x.shape;
  const out = recurrentCore(r, swapSteps(x, g, r.name, [steps, features]), g);
  if (!r.returnSequences) return out;
  // Keras gives the steps of a backward layer in the order it read them: the last first.
  const ordered = r.goBackwards ? reverseSteps(out, g, r.name) : out;
  return swapSteps(ordered, g, r.name);
};

/** The two directions' outputs merged as Bidirectional's mergeMode says, along the features (the last axis). */
function merge(mode: Bidirectional['mergeMode'], a: Value, b: Value, g: GraphBuilder, owner: string): Value {
  const shape = [...a.shape.slice(0, -1), mode === 'concat' ? 2 * a.shape[a.shape.length - 1] : a.shape[a.shape.length - 1]];
  if (mode === 'concat') return g.op('Concat', owner, [a.name, b.name], { axis: int(a.shape.length) }, shape, 'last');
  if (mode === 'mul') return g.op('Mul', owner, [a.name, b.name], {}, shape, 'last');
  const sum = g.op('Add', owner, [a.name, b.name], {}, shape, 'last');
  return mode === 'sum' ? sum : g.op('Mul', owner, [sum.name, g.scalar(`${owner}/half`, 0.5)], {}, shape, 'last');
}

/**
 * Bidirectional: one operator per direction on the same time-major input, each output aligned
 * with the input's steps (as Bidirectional aligns them before the merge), merged, and with
 * returnSequences put back in the forward direction's order.
 */
export const bidirectional = (layer: Layer, input: Value, g: GraphBuilder): Value => {
  const b = layer as Bidirectional;
  checkUnmasked(b, input);
  const forward = b.forwardLayer as Recurrent;
  const backward = b.backwardLayer as Recurrent;
  for (const direction of [forward, backward]) {
    if (!OPERATORS[direction.className]) throw new LayerwiseError(`exportOnnx: the layer ${b.name} (Bidirectional) wraps ${direction.name} (${direction.className}), which has no ONNX recurrent operator.`);
  }
  const x = g.toLayout(input, 'last', b.name);
  const xt = swapSteps(x, g, b.name, [x.shape[0], x.shape[1]]);
  const merged = merge(b.mergeMode, recurrentCore(forward, xt, g), recurrentCore(backward, xt, g), g, b.name);
  if (!b.returnSequences) return merged;
  return swapSteps(forward.goBackwards ? reverseSteps(merged, g, b.name) : merged, g, b.name);
};
