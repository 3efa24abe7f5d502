import type { Activation } from '../activations/activation';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';

/** Probabilities are clipped to [EPSILON, 1 − EPSILON] before a log, as Keras and TF.js do (Keras's `backend.epsilon()`). */
export const EPSILON = 1e-7;

/**
 * What rebuilds a loss: its name, `fromLogits` for the cross-entropies, and each option that is not
 * at its default (`{ name: 'huber', delta: 2 }`).
 */
export interface LossConfig {
  name: string;
  fromLogits?: boolean;
  [option: string]: number | boolean | string | undefined;
}

/**
 * A loss: the mean over samples (and over positions, for outputs of rank > 2) of a per-row loss
 * along the last axis. This is Keras's reduction `sum_over_batch_size`.
 */
export interface Loss {
  /** The TF.js name (`'binaryCrossentropy'`). */
  readonly name: string;
  /** Whether predictions are logits rather than probabilities. */
  readonly fromLogits: boolean;
  /** Throws, saying what to change, when labels of `labelShape` cannot go with predictions of `predShape` (batch first). */
  checkLabels(predShape: Shape, labelShape: Shape, where: string): void;
  /**
   * The mean loss of a batch; writes dLoss/dPrediction into `grad` when given. With `sampleWeight`
   * (one a sample, or one a position of the leading axes: a sample's step, which is how a mask
   * weighs the loss), each loss is multiplied by its weight and the sum is still divided by the
   * count (rows, or elements), not by the weights' sum: Keras 3's `sum_over_batch_size`.
   */
  compute(pred: Float32Array, labels: Float32Array, predShape: Shape, grad?: Float32Array, sampleWeight?: Float32Array): number;
  /** The same loss read from the input of `activation`, when it can fuse with it (softmax, sigmoid). */
  withLogitsOf(activation: Activation): Loss | undefined;
  getConfig(): LossConfig;
}

/** A loss factory without options takes nothing, or an empty object: any key fails, naming the loss. */
export function noOptions(name: string, options: unknown): void {
  checkOptions(name, options, [], { example: '{}' });
}

/** A boolean option, or its default when absent. */
export function booleanOption(owner: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new LayerwiseError(`${owner}: ${key} must be true or false. Received: ${key}=${describeValue(value)}.`);
  return value;
}

/**
 * A finite number option in a range, or its default when absent. `min`/`max` are inclusive unless
 * `above` (the value must exceed `min`).
 */
export function numberOption(
  owner: string,
  key: string,
  value: unknown,
  fallback: number,
  { min = -Infinity, max = Infinity, above = false, integer = false }: { min?: number; max?: number; above?: boolean; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && (above ? value > min : value >= min) && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const range = [
      integer ? 'an integer' : 'a finite number',
      min > -Infinity ? (above ? `> ${min}` : `≥ ${min}`) : '',
      max < Infinity ? `≤ ${max}` : '',
    ].filter(Boolean);
    throw new LayerwiseError(`${owner}: ${key} must be ${range.join(', ')}. Received: ${key}=${describeValue(value)}.`);
  }
  return value as number;
}

/** The rows along `axis` (negative counts from the end): `outer` × `inner` rows of `width` values, `inner` apart. */
export function rowsOf(predShape: Shape, axis = -1): { rows: number; width: number; inner: number } {
  const a = axis < 0 ? predShape.length + axis : axis;
  const width = predShape[a];
  const inner = sizeOf(predShape.slice(a + 1));
  return { rows: sizeOf(predShape) / width, width, inner };
}

export function labelsMustMatch(name: string) {
  return (predShape: Shape, labelShape: Shape, where: string): void => {
    if (shapesEqual(predShape, labelShape)) return;
    throw new LayerwiseError(
      `${where}: the loss ${name} needs labels of the model's output shape ${formatShape(predShape.slice(1), predShape[0])}, ` +
        `but the labels have shape ${formatShape(labelShape.slice(1), labelShape[0])}. ` +
        `Reshape the labels, or change the last layer to output ${labelShape.slice(1).join('x') || '1'} values.`,
    );
  };
}

interface LossParts {
  config: LossConfig;
  fromLogits?: boolean;
  checkLabels?: Loss['checkLabels'];
  withLogitsOf?: Loss['withLogitsOf'];
}

function lossOf(parts: LossParts, compute: Loss['compute']): Loss {
  const { config } = parts;
  return {
    name: config.name,
    fromLogits: parts.fromLogits ?? false,
    checkLabels: parts.checkLabels ?? labelsMustMatch(config.name),
    compute,
    withLogitsOf: parts.withLogitsOf ?? (() => undefined),
    getConfig: () => ({ ...config }),
  };
}

/**
 * An element-wise loss: the mean of `value(p, y)` over every element (the mean over the last axis,
 * then over rows), with dLoss/dp = derivative(p, y) / N. `mapLabels` sees the whole batch of labels
 * first and may return a map applied to each label (the hinge losses' 0/1 → −1/1).
 */
export function elementLoss(
  parts: LossParts,
  value: (p: number, y: number) => number,
  derivative: (p: number, y: number) => number,
  mapLabels?: (labels: Float32Array) => ((y: number) => number) | undefined,
): Loss {
  return lossOf(parts, (pred, labels, shape, grad, sampleWeight) => {
    const map = mapLabels?.(labels);
    let sum = 0;
    const scale = 1 / pred.length;
    // The values each weight covers: a sample's, or a step's.
    const perWeight = sampleWeight ? pred.length / sampleWeight.length : 1;
    for (let i = 0; i < pred.length; i++) {
      const y = map ? map(labels[i]) : labels[i];
      if (sampleWeight) {
        const w = sampleWeight[Math.floor(i / perWeight)];
        sum += w * value(pred[i], y);
        if (grad) grad[i] = scale * w * derivative(pred[i], y);
        continue;
      }
      sum += value(pred[i], y);
      if (grad) grad[i] = scale * derivative(pred[i], y);
    }
    return sum * scale;
  });
}

/**
 * One row's loss: the `width` values at `at`, `at + stride`, ... of `pred` and `labels`. When `grad`
 * is given it writes `scale` · d(row loss)/dp at the same indices.
 */
export type RowFn = (pred: Float32Array, labels: Float32Array, at: number, width: number, stride: number, grad: Float32Array | undefined, scale: number) => number;

/**
 * A loss of rows along one axis (the last, or `axis`): the mean of `row` over all rows, i.e. over
 * samples and positions. The one reduction every row loss shares.
 */
export function rowLoss(parts: LossParts, row: RowFn, axis = -1): Loss {
  return lossOf(parts, (pred, labels, predShape, grad, sampleWeight) => {
    const { rows, width, inner } = rowsOf(predShape, axis);
    const scale = 1 / rows;
    // Rows run sample by sample, step by step: the rows a weight covers (a sample's, or a step's) are consecutive.
    const perWeight = sampleWeight ? rows / sampleWeight.length : 1;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const at = Math.floor(r / inner) * width * inner + (r % inner);
      if (sampleWeight) {
        const w = sampleWeight[Math.floor(r / perWeight)];
        total += w * row(pred, labels, at, width, inner, grad, scale * w);
      } else total += row(pred, labels, at, width, inner, grad, scale);
    }
    return total * scale;
  });
}
