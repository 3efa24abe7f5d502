import type { Activation } from '../activations/activation';
import { SIGMOID, SOFTMAX } from '../activations/registry';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';

/** Probabilities are clipped to [EPSILON, 1 − EPSILON] before a log, as Keras and TF.js do. */
export const EPSILON = 1e-7;

/**
 * A loss: the mean over samples (and over positions, for outputs of rank > 2) of a per-row loss
 * along the last axis.
 */
export interface Loss {
  /** The TF.js name (`'binaryCrossentropy'`). */
  readonly name: string;
  /** Whether predictions are logits rather than probabilities. */
  readonly fromLogits: boolean;
  /** Throws, saying what to change, when labels of `labelShape` cannot go with predictions of `predShape` (batch first). */
  checkLabels(predShape: Shape, labelShape: Shape, where: string): void;
  /** The mean loss of a batch; writes dLoss/dPrediction into `grad` when given. */
  compute(pred: Float32Array, labels: Float32Array, predShape: Shape, grad?: Float32Array): number;
  /** The same loss read from the input of `activation`, when it can fuse with it (softmax, sigmoid). */
  withLogitsOf(activation: Activation): Loss | undefined;
  getConfig(): { name: string; fromLogits?: boolean };
}

export interface CrossentropyOptions {
  /** Predictions are logits (no sigmoid or softmax applied). Default false. */
  fromLogits?: boolean;
}

/**
 * Checks the options of a cross-entropy factory (`fromLogits`, a boolean): an unknown key, such as
 * Keras's `from_logits` or `label_smoothing`, fails naming the loss and the nearest known key.
 */
function crossentropyOptions(name: string, options: unknown): boolean {
  const { fromLogits = false } = checkOptions<CrossentropyOptions>(name, options, ['fromLogits'], { example: '{ fromLogits: true }' });
  if (typeof fromLogits !== 'boolean') {
    throw new LayerwiseError(`${name}: fromLogits must be true or false. Received: fromLogits=${describeValue(fromLogits)}.`);
  }
  return fromLogits;
}

/** A loss factory without options takes nothing, or an empty object: any key fails, naming the loss. */
function noOptions(name: string, options: unknown): void {
  checkOptions(name, options, [], { example: '{}' });
}

/** Rows along the last axis: `rows` rows of `width` values. */
function rowsOf(predShape: Shape): { rows: number; width: number } {
  const width = predShape[predShape.length - 1];
  return { rows: sizeOf(predShape) / width, width };
}

function labelsMustMatch(name: string) {
  return (predShape: Shape, labelShape: Shape, where: string): void => {
    if (shapesEqual(predShape, labelShape)) return;
    throw new LayerwiseError(
      `${where}: the loss ${name} needs labels of the model's output shape ${formatShape(predShape.slice(1), predShape[0])}, ` +
        `but the labels have shape ${formatShape(labelShape.slice(1), labelShape[0])}. ` +
        `Reshape the labels, or change the last layer to output ${labelShape.slice(1).join('x') || '1'} values.`,
    );
  };
}

function elementLoss(
  name: string,
  value: (p: number, y: number) => number,
  derivative: (p: number, y: number) => number,
): Loss {
  return {
    name,
    fromLogits: false,
    checkLabels: labelsMustMatch(name),
    compute(pred, labels, _shape, grad) {
      let sum = 0;
      const scale = 1 / pred.length;
      for (let i = 0; i < pred.length; i++) {
        sum += value(pred[i], labels[i]);
        if (grad) grad[i] = scale * derivative(pred[i], labels[i]);
      }
      return sum * scale;
    },
    withLogitsOf: () => undefined,
    getConfig: () => ({ name }),
  };
}

/** mean((p − y)²) over the last axis, averaged over rows. It takes no options. */
export function meanSquaredError(options?: Record<string, never>): Loss {
  noOptions('meanSquaredError', options);
  return elementLoss('meanSquaredError', (p, y) => (p - y) * (p - y), (p, y) => 2 * (p - y));
}

/** mean(|p − y|) over the last axis, averaged over rows. It takes no options. */
export function meanAbsoluteError(options?: Record<string, never>): Loss {
  noOptions('meanAbsoluteError', options);
  return elementLoss('meanAbsoluteError', (p, y) => Math.abs(p - y), (p, y) => Math.sign(p - y));
}

/** −(y log p + (1 − y) log(1 − p)), averaged; with `fromLogits`, computed stably from z. */
export function binaryCrossentropy(options: CrossentropyOptions = {}): Loss {
  const name = 'binaryCrossentropy';
  const fromLogits = crossentropyOptions(name, options);
  return {
    ...elementLoss(
      name,
      fromLogits
        ? (z, y) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)))
        : (p, y) => {
            const q = Math.min(Math.max(p, EPSILON), 1 - EPSILON);
            return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
          },
      fromLogits
        ? (z, y) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))) - y
        : (p, y) => (p <= EPSILON || p >= 1 - EPSILON ? 0 : (p - y) / (p * (1 - p))),
    ),
    fromLogits,
    withLogitsOf: (activation) => (!fromLogits && activation === SIGMOID ? binaryCrossentropy({ fromLogits: true }) : undefined),
    getConfig: () => ({ name, fromLogits }),
  };
}

/**
 * −Σ y log p along the last axis, averaged over rows. Probabilities are renormalized to sum to 1
 * and clipped, as Keras and TF.js do; with `fromLogits` the log-softmax is computed stably.
 */
export function categoricalCrossentropy(options: CrossentropyOptions = {}): Loss {
  const name = 'categoricalCrossentropy';
  const fromLogits = crossentropyOptions(name, options);
  const matchShapes = labelsMustMatch(name);
  return {
    name,
    fromLogits,
    checkLabels(predShape, labelShape, where) {
      const classes = predShape[predShape.length - 1];
      if (classes > 1 && shapesEqual(labelShape, predShape.slice(0, -1).concat(labelShape.length === predShape.length ? [1] : []))) {
        throw new LayerwiseError(
          `${where}: categoricalCrossentropy needs one-hot labels of shape ${formatShape(predShape.slice(1), predShape[0])}, ` +
            `but the labels have shape ${formatShape(labelShape.slice(1), labelShape[0])}, which looks like class indices. ` +
            `Use loss: 'sparseCategoricalCrossentropy' for integer labels, or one-hot encode them.`,
        );
      }
      matchShapes(predShape, labelShape, where);
    },
    compute(pred, labels, predShape, grad) {
      const { rows, width } = rowsOf(predShape);
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let labelSum = 0;
        for (let k = 0; k < width; k++) labelSum += labels[o + k];
        if (fromLogits) {
          let max = -Infinity;
          for (let k = 0; k < width; k++) max = Math.max(max, pred[o + k]);
          let sumExp = 0;
          for (let k = 0; k < width; k++) sumExp += Math.exp(pred[o + k] - max);
          const logSum = Math.log(sumExp) + max;
          for (let k = 0; k < width; k++) {
            total -= labels[o + k] * (pred[o + k] - logSum);
            if (grad) grad[o + k] = (Math.exp(pred[o + k] - logSum) * labelSum - labels[o + k]) / rows;
          }
          continue;
        }
        let sum = 0;
        for (let k = 0; k < width; k++) sum += pred[o + k];
        // L = −Σ y_k log clip(p_k / S): the clipped entries pass no gradient.
        let activeLabels = 0;
        for (let k = 0; k < width; k++) {
          const q = pred[o + k] / sum;
          if (q > EPSILON && q < 1 - EPSILON) activeLabels += labels[o + k];
          total -= labels[o + k] * Math.log(Math.min(Math.max(q, EPSILON), 1 - EPSILON));
        }
        if (grad) {
          for (let k = 0; k < width; k++) {
            const q = pred[o + k] / sum;
            const own = q > EPSILON && q < 1 - EPSILON ? labels[o + k] / q : 0;
            grad[o + k] = (activeLabels - own) / sum / rows;
          }
        }
      }
      return total / rows;
    },
    withLogitsOf: (activation) => (!fromLogits && activation === SOFTMAX ? categoricalCrossentropy({ fromLogits: true }) : undefined),
    getConfig: () => ({ name, fromLogits }),
  };
}

/**
 * Categorical cross-entropy with integer class labels: labels have the output's shape without its
 * last axis (or with a last axis of 1).
 */
export function sparseCategoricalCrossentropy(options: CrossentropyOptions = {}): Loss {
  const name = 'sparseCategoricalCrossentropy';
  const fromLogits = crossentropyOptions(name, options);
  const dense = categoricalCrossentropy({ fromLogits });
  let oneHot = new Float32Array(0);
  return {
    name,
    fromLogits,
    checkLabels(predShape, labelShape, where) {
      const expected = predShape.slice(0, -1);
      if (shapesEqual(labelShape, expected) || shapesEqual(labelShape, [...expected, 1])) return;
      throw new LayerwiseError(
        `${where}: sparseCategoricalCrossentropy needs integer class labels of shape ${formatShape(expected.slice(1), expected[0])}, ` +
          `but the labels have shape ${formatShape(labelShape.slice(1), labelShape[0])}. ` +
          (shapesEqual(labelShape, predShape) ? `They look one-hot: use loss: 'categoricalCrossentropy'.` : `Pass one class index per sample.`),
      );
    },
    compute(pred, labels, predShape, grad) {
      const { rows, width } = rowsOf(predShape);
      if (oneHot.length !== pred.length) oneHot = new Float32Array(pred.length);
      else oneHot.fill(0);
      for (let r = 0; r < rows; r++) {
        const label = labels[r];
        if (!Number.isInteger(label) || label < 0 || label >= width) {
          throw new LayerwiseError(
            `${name}: label ${r} of the batch is ${label}, but class labels must be integers in [0, ${width - 1}] for a model with ${width} outputs.`,
          );
        }
        oneHot[r * width + label] = 1;
      }
      return dense.compute(pred, oneHot, predShape, grad);
    },
    withLogitsOf: (activation) => (!fromLogits && activation === SOFTMAX ? sparseCategoricalCrossentropy({ fromLogits: true }) : undefined),
    getConfig: () => ({ name, fromLogits }),
  };
}
