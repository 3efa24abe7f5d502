import { SIGMOID, SOFTMAX } from '../activations/registry';
import { formatShape, shapesEqual } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkOptions } from '../util/options';
import {
  booleanOption,
  elementLoss,
  EPSILON,
  labelsMustMatch,
  noOptions,
  numberOption,
  rowLoss,
  rowsOf,
  type Loss,
  type LossConfig,
  type RowFn,
} from './core';

export { EPSILON };
export type { Loss, LossConfig };

// Formulas: Keras 3, keras/src/losses/losses.py (the functions `huber`, `log_cosh`, `hinge`, ...).
// The reduction is Keras's sum_over_batch_size: the mean over samples (and positions) of each
// per-row loss, which for most losses is the mean over the last axis.

export interface CrossentropyOptions {
  /** Predictions are logits (no sigmoid or softmax applied). Default false. */
  fromLogits?: boolean;
  /**
   * In [0, 1]: labels move towards uniform, as Keras 3 does: y·(1 − s) + s/2 for binary
   * cross-entropy, y·(1 − s) + s/classes for categorical. Default 0.
   */
  labelSmoothing?: number;
}

/** Options of the sparse cross-entropy: Keras has no label smoothing for it. */
export interface SparseCrossentropyOptions {
  fromLogits?: boolean;
}

/**
 * Checks the options of a cross-entropy factory: an unknown key, such as Keras's `from_logits`,
 * fails naming the loss and the nearest known key.
 */
function crossentropyOptions(name: string, options: unknown, smoothing = true): { fromLogits: boolean; labelSmoothing: number } {
  const known = smoothing ? ['fromLogits', 'labelSmoothing'] : ['fromLogits'];
  const o = checkOptions<CrossentropyOptions>(name, options, known, { example: '{ fromLogits: true }' });
  return { fromLogits: booleanOption(name, 'fromLogits', o.fromLogits, false), labelSmoothing: numberOption(name, 'labelSmoothing', o.labelSmoothing, 0, { min: 0, max: 1 }) };
}

/** The config of a cross-entropy: name, fromLogits, and labelSmoothing when not 0. */
function crossentropyConfig(name: string, fromLogits: boolean, labelSmoothing: number): LossConfig {
  return labelSmoothing ? { name, fromLogits, labelSmoothing } : { name, fromLogits };
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const clipProbability = (p: number): number => Math.min(Math.max(p, EPSILON), 1 - EPSILON);
/** −(y log q + (1 − y) log(1 − q)) at q = clip(p), and its derivative in p (0 where clipped). */
const bce = (p: number, y: number): number => {
  const q = clipProbability(p);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
};
const bceDerivative = (p: number, y: number): number => (p <= EPSILON || p >= 1 - EPSILON ? 0 : (p - y) / (p * (1 - p)));

/** mean((p − y)²) over the last axis, averaged over rows. It takes no options. */
export function meanSquaredError(options?: Record<string, never>): Loss {
  noOptions('meanSquaredError', options);
  return elementLoss({ config: { name: 'meanSquaredError' } }, (p, y) => (p - y) * (p - y), (p, y) => 2 * (p - y));
}

/** mean(|p − y|) over the last axis, averaged over rows. It takes no options. */
export function meanAbsoluteError(options?: Record<string, never>): Loss {
  noOptions('meanAbsoluteError', options);
  return elementLoss({ config: { name: 'meanAbsoluteError' } }, (p, y) => Math.abs(p - y), (p, y) => Math.sign(p - y));
}

/**
 * mean(100 · |y − p| / max(|y|, 1e-7)) over the last axis, averaged (Keras 3's
 * `mean_absolute_percentage_error`; TF.js's `tf.metrics.meanAbsolutePercentageError` is the same).
 */
export function meanAbsolutePercentageError(options?: Record<string, never>): Loss {
  noOptions('meanAbsolutePercentageError', options);
  return elementLoss(
    { config: { name: 'meanAbsolutePercentageError' } },
    (p, y) => (100 * Math.abs(y - p)) / Math.max(Math.abs(y), EPSILON),
    (p, y) => (100 * Math.sign(p - y)) / Math.max(Math.abs(y), EPSILON),
  );
}

/**
 * mean((log(max(p, 1e-7) + 1) − log(max(y, 1e-7) + 1))²) over the last axis, averaged (Keras 3's
 * `mean_squared_logarithmic_error`; TF.js's is the same). Labels and predictions below 1e-7 count
 * as 1e-7, so `fit` refuses negative labels.
 */
export function meanSquaredLogarithmicError(options?: Record<string, never>): Loss {
  noOptions('meanSquaredLogarithmicError', options);
  const log1 = (v: number) => Math.log1p(Math.max(v, EPSILON));
  return elementLoss(
    { config: { name: 'meanSquaredLogarithmicError' } },
    (p, y) => (log1(p) - log1(y)) ** 2,
    (p, y) => (p > EPSILON ? (2 * (log1(p) - log1(y))) / (p + 1) : 0),
  );
}

export interface HuberOptions {
  /** Where the loss turns from quadratic to linear; > 0. Default 1. */
  delta?: number;
}

/**
 * With e = p − y: ½e² where |e| ≤ δ, else δ|e| − ½δ²; the mean over the last axis, averaged (Keras
 * 3's `huber`; TF.js's `tf.losses.huberLoss` is the same, but TF.js has no `huber` loss to load).
 */
export function huber(options: HuberOptions = {}): Loss {
  const name = 'huber';
  const o = checkOptions<HuberOptions>(name, options, ['delta'], { example: '{ delta: 1 }' });
  const delta = numberOption(name, 'delta', o.delta, 1, { min: 0, above: true });
  return elementLoss(
    { config: delta === 1 ? { name } : { name, delta } },
    (p, y) => {
      const e = Math.abs(p - y);
      return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    },
    (p, y) => {
      const e = p - y;
      return Math.abs(e) <= delta ? e : delta * Math.sign(e);
    },
  );
}

/**
 * mean(log cosh(p − y)) over the last axis, averaged, computed as x + softplus(−2x) − log 2 (Keras
 * 3's `log_cosh`; TF.js's `logcosh` is the same formula under another name). Gradient tanh(p − y).
 */
export function logCosh(options?: Record<string, never>): Loss {
  noOptions('logCosh', options);
  const softplus = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
  return elementLoss(
    { config: { name: 'logCosh' } },
    (p, y) => p - y + softplus(-2 * (p - y)) - Math.LN2,
    (p, y) => Math.tanh(p - y),
  );
}

/**
 * Keras 3's `convert_binary_labels_to_hinge`: when every label of the batch is 0 or 1, the labels
 * become 2y − 1 (−1/1); otherwise they are used as given.
 */
function hingeLabels(labels: Float32Array): ((y: number) => number) | undefined {
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0 && labels[i] !== 1) return undefined;
  return (y) => 2 * y - 1;
}

/**
 * mean(max(1 − y·p, 0)) over the last axis, averaged; labels −1/1, and a batch of 0/1 labels is
 * mapped to −1/1 first (Keras 3's `hinge`). TF.js's `tf.losses.hingeLoss` always maps y to 2y − 1
 * (so it agrees for 0/1 labels only), and TF.js's `hinge` loss never does.
 */
export function hinge(options?: Record<string, never>): Loss {
  noOptions('hinge', options);
  return elementLoss({ config: { name: 'hinge' } }, (p, y) => Math.max(1 - y * p, 0), (p, y) => (1 - y * p > 0 ? -y : 0), hingeLabels);
}

/** mean(max(1 − y·p, 0)²) over the last axis, averaged, with the labels of `hinge` (Keras 3's `squared_hinge`). */
export function squaredHinge(options?: Record<string, never>): Loss {
  noOptions('squaredHinge', options);
  return elementLoss(
    { config: { name: 'squaredHinge' } },
    (p, y) => Math.max(1 - y * p, 0) ** 2,
    (p, y) => -2 * y * Math.max(1 - y * p, 0),
    hingeLabels,
  );
}

/**
 * Per row max(neg − pos + 1, 0) with pos = Σ y·p and neg = max((1 − y)·p), averaged over rows;
 * one-hot labels (Keras 3's `categorical_hinge`, no label conversion; TF.js's is the same).
 */
export function categoricalHinge(options?: Record<string, never>): Loss {
  noOptions('categoricalHinge', options);
  const row: RowFn = (pred, labels, at, width, stride, grad, scale) => {
    let pos = 0;
    let neg = -Infinity;
    let arg = 0;
    for (let k = 0; k < width; k++) {
      const i = at + k * stride;
      pos += labels[i] * pred[i];
      const v = (1 - labels[i]) * pred[i];
      if (v > neg) [neg, arg] = [v, k];
    }
    const loss = neg - pos + 1;
    if (grad) {
      for (let k = 0; k < width; k++) {
        const i = at + k * stride;
        grad[i] = loss > 0 ? scale * ((k === arg ? 1 - labels[i] : 0) - labels[i]) : 0;
      }
    }
    return Math.max(loss, 0);
  };
  return rowLoss({ config: { name: 'categoricalHinge' } }, row);
}

/**
 * Per row Σ ŷ log(ŷ / p̂) with ŷ = clip(y, 1e-7, 1) and p̂ = clip(p, 1e-7, 1), a sum over the last
 * axis, averaged over rows (Keras 3's `kl_divergence`). TF.js's `kullbackLeiblerDivergence`
 * multiplies by the unclipped y, so it differs by about 1e-6 per zero label.
 */
export function kullbackLeiblerDivergence(options?: Record<string, never>): Loss {
  noOptions('kullbackLeiblerDivergence', options);
  const clip = (v: number) => Math.min(Math.max(v, EPSILON), 1);
  const row: RowFn = (pred, labels, at, width, stride, grad, scale) => {
    let sum = 0;
    for (let k = 0; k < width; k++) {
      const i = at + k * stride;
      const y = clip(labels[i]);
      const p = pred[i];
      sum += y * Math.log(y / clip(p));
      if (grad) grad[i] = p > EPSILON && p <= 1 ? (-scale * y) / p : 0;
    }
    return sum;
  };
  return rowLoss({ config: { name: 'kullbackLeiblerDivergence' } }, row);
}

/**
 * mean(p − y·log(p + 1e-7)) over the last axis, averaged (Keras 3's `poisson`; TF.js's is the
 * same). Predictions must be positive (an exp or softplus output); `fit` refuses negative labels.
 */
export function poisson(options?: Record<string, never>): Loss {
  noOptions('poisson', options);
  return elementLoss({ config: { name: 'poisson' } }, (p, y) => p - y * Math.log(p + EPSILON), (p, y) => 1 - y / (p + EPSILON));
}

export interface CosineSimilarityOptions {
  /** The axis of the vectors compared (not the batch axis). Default −1, the last. */
  axis?: number;
}

/**
 * Per vector −Σ ŷ·p̂ along `axis`, with x̂ = x · min(1/‖x‖, 1e7) (Keras 3's `cosine_similarity`
 * and its `normalize`), averaged over vectors: the negative similarity, from −1 (same direction)
 * to 1. TF.js's `tf.losses.cosineDistance` is 1 − Σ y·p of inputs it assumes already normalized,
 * i.e. 1 + this loss on unit vectors; TF.js's `cosineProximity` divides by √max(‖x‖², 1e-7).
 */
export function cosineSimilarity(options: CosineSimilarityOptions = {}): Loss {
  const name = 'cosineSimilarity';
  const o = checkOptions<CosineSimilarityOptions>(name, options, ['axis'], { example: '{ axis: -1 }' });
  const axis = numberOption(name, 'axis', o.axis, -1, { integer: true });
  if (axis === 0) throw new LayerwiseError(`${name}: axis 0 is the batch axis; the vectors compared lie along another (-1, the last, by default).`);
  const inverseNorm = (x: Float32Array, at: number, width: number, stride: number) => {
    let squares = 0;
    for (let k = 0; k < width; k++) squares += x[at + k * stride] ** 2;
    return Math.min(1 / Math.sqrt(squares), 1 / EPSILON);
  };
  const row: RowFn = (pred, labels, at, width, stride, grad, scale) => {
    const ny = inverseNorm(labels, at, width, stride);
    const np = inverseNorm(pred, at, width, stride);
    let s = 0;
    for (let k = 0; k < width; k++) s += labels[at + k * stride] * ny * pred[at + k * stride] * np;
    if (grad) {
      // With ‖p‖ > 1e-7: d/dp of −Σ ŷ p/‖p‖ is −(ŷ − s·p̂)/‖p‖; below, p̂ = 1e7·p and it is −1e7·ŷ.
      const normalized = np < 1 / EPSILON;
      for (let k = 0; k < width; k++) {
        const i = at + k * stride;
        const yHat = labels[i] * ny;
        grad[i] = -scale * np * (normalized ? yHat - s * pred[i] * np : yHat);
      }
    }
    return -s;
  };
  const loss = rowLoss({ config: axis === -1 ? { name } : { name, axis } }, row, axis);
  return {
    ...loss,
    checkLabels(predShape, labelShape, where) {
      if (axis >= predShape.length || axis < -(predShape.length - 1)) {
        throw new LayerwiseError(
          `${where}: cosineSimilarity compares vectors along axis ${axis}, but the model's output ${formatShape(predShape.slice(1), predShape[0])} has axes 1 to ${predShape.length - 1} (or -1 to ${-(predShape.length - 1)}).`,
        );
      }
      loss.checkLabels(predShape, labelShape, where);
    },
  };
}

/**
 * −(y log p + (1 − y) log(1 − p)), averaged; with `fromLogits`, computed stably from z. With
 * `labelSmoothing` s the labels are y·(1 − s) + s/2 first (Keras 3; TF.js's
 * `tf.losses.sigmoidCrossEntropy` smooths the same way).
 */
export function binaryCrossentropy(options: CrossentropyOptions = {}): Loss {
  const name = 'binaryCrossentropy';
  const { fromLogits, labelSmoothing: s } = crossentropyOptions(name, options);
  const smooth = (y: number) => y * (1 - s) + 0.5 * s;
  return elementLoss(
    {
      config: crossentropyConfig(name, fromLogits, s),
      fromLogits,
      withLogitsOf: (activation) => (!fromLogits && activation === SIGMOID ? binaryCrossentropy({ fromLogits: true, labelSmoothing: s }) : undefined),
    },
    fromLogits ? (z, y) => Math.max(z, 0) - z * smooth(y) + Math.log1p(Math.exp(-Math.abs(z))) : (p, y) => bce(p, smooth(y)),
    fromLogits ? (z, y) => sigmoid(z) - smooth(y) : (p, y) => bceDerivative(p, smooth(y)),
  );
}

export interface BinaryFocalCrossentropyOptions extends CrossentropyOptions {
  /** The focusing exponent γ ≥ 0; 0 is binary cross-entropy. Default 2. */
  gamma?: number;
  /** The weight of class 1 (class 0 gets 1 − α) when `applyClassBalancing`; in [0, 1]. Default 0.25. */
  alpha?: number;
  /** Weigh the classes by α and 1 − α. Default false. */
  applyClassBalancing?: boolean;
}

/**
 * (1 − pₜ)^γ · bce(p, y), with pₜ = y·p + (1 − y)(1 − p), times α·y + (1 − α)(1 − y) when
 * `applyClassBalancing`; the mean over the last axis, averaged (Keras 3's
 * `binary_focal_crossentropy`: labels smoothed as binaryCrossentropy's, logits through a sigmoid
 * first, the cross-entropy of p clipped at 1e-7). TF.js has no focal loss.
 */
export function binaryFocalCrossentropy(options: BinaryFocalCrossentropyOptions = {}): Loss {
  const name = 'binaryFocalCrossentropy';
  const o = checkOptions<BinaryFocalCrossentropyOptions>(name, options, ['gamma', 'alpha', 'applyClassBalancing', 'fromLogits', 'labelSmoothing'], {
    example: '{ gamma: 2 }',
  });
  const gamma = numberOption(name, 'gamma', o.gamma, 2, { min: 0 });
  const alpha = numberOption(name, 'alpha', o.alpha, 0.25, { min: 0, max: 1 });
  const balanced = booleanOption(name, 'applyClassBalancing', o.applyClassBalancing, false);
  const fromLogits = booleanOption(name, 'fromLogits', o.fromLogits, false);
  const s = numberOption(name, 'labelSmoothing', o.labelSmoothing, 0, { min: 0, max: 1 });
  const config: LossConfig = { name, fromLogits };
  if (gamma !== 2) config.gamma = gamma;
  if (alpha !== 0.25) config.alpha = alpha;
  if (balanced) config.applyClassBalancing = true;
  if (s) config.labelSmoothing = s;
  const weight = (y: number) => (balanced ? y * alpha + (1 - y) * (1 - alpha) : 1);
  const valueAt = (p: number, y: number) => (1 - (y * p + (1 - y) * (1 - p))) ** gamma * bce(p, y) * weight(y);
  // d/dp: with b = 1 − pₜ (db/dp = 1 − 2y), d(b^γ · bce)/dp = γ b^(γ−1) (1 − 2y) bce + b^γ bce′.
  const derivativeAt = (p: number, y: number) => {
    const b = 1 - (y * p + (1 - y) * (1 - p));
    const slope = b > 0 ? gamma * b ** (gamma - 1) : gamma === 1 ? 1 : 0;
    return (slope * (1 - 2 * y) * bce(p, y) + b ** gamma * bceDerivative(p, y)) * weight(y);
  };
  const smooth = (y: number) => y * (1 - s) + 0.5 * s;
  return elementLoss(
    { config, fromLogits },
    fromLogits ? (z, y) => valueAt(sigmoid(z), smooth(y)) : (p, y) => valueAt(p, smooth(y)),
    fromLogits
      ? (z, y) => {
          const p = sigmoid(z);
          return derivativeAt(p, smooth(y)) * p * (1 - p);
        }
      : (p, y) => derivativeAt(p, smooth(y)),
  );
}

/**
 * −Σ y log p along the last axis, averaged over rows. Probabilities are renormalized to sum to 1
 * and clipped, as Keras and TF.js do; with `fromLogits` the log-softmax is computed stably. With
 * `labelSmoothing` s the labels are y·(1 − s) + s/classes first (Keras 3; TF.js's
 * `tf.losses.softmaxCrossEntropy` smooths the same way).
 */
export function categoricalCrossentropy(options: CrossentropyOptions = {}): Loss {
  const name = 'categoricalCrossentropy';
  const { fromLogits, labelSmoothing: s } = crossentropyOptions(name, options);
  const matchShapes = labelsMustMatch(name);
  const row: RowFn = (pred, labels, o, width, _stride, grad, scale) => {
    const y = (k: number) => labels[o + k] * (1 - s) + s / width;
    let total = 0;
    let labelSum = 0;
    for (let k = 0; k < width; k++) labelSum += y(k);
    if (fromLogits) {
      let max = -Infinity;
      for (let k = 0; k < width; k++) max = Math.max(max, pred[o + k]);
      let sumExp = 0;
      for (let k = 0; k < width; k++) sumExp += Math.exp(pred[o + k] - max);
      const logSum = Math.log(sumExp) + max;
      for (let k = 0; k < width; k++) {
        total -= y(k) * (pred[o + k] - logSum);
        if (grad) grad[o + k] = (Math.exp(pred[o + k] - logSum) * labelSum - y(k)) * scale;
      }
      return total;
    }
    let sum = 0;
    for (let k = 0; k < width; k++) sum += pred[o + k];
    // L = −Σ y_k log clip(p_k / S): the clipped entries pass no gradient.
    let activeLabels = 0;
    for (let k = 0; k < width; k++) {
      const q = pred[o + k] / sum;
      if (q > EPSILON && q < 1 - EPSILON) activeLabels += y(k);
      total -= y(k) * Math.log(clipProbability(q));
    }
    if (grad) {
      for (let k = 0; k < width; k++) {
        const q = pred[o + k] / sum;
        const own = q > EPSILON && q < 1 - EPSILON ? y(k) / q : 0;
        grad[o + k] = ((activeLabels - own) / sum) * scale;
      }
    }
    return total;
  };
  return rowLoss(
    {
      config: crossentropyConfig(name, fromLogits, s),
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
      withLogitsOf: (activation) => (!fromLogits && activation === SOFTMAX ? categoricalCrossentropy({ fromLogits: true, labelSmoothing: s }) : undefined),
    },
    row,
  );
}

/**
 * Categorical cross-entropy with integer class labels: labels have the output's shape without its
 * last axis (or with a last axis of 1).
 */
export function sparseCategoricalCrossentropy(options: SparseCrossentropyOptions = {}): Loss {
  const name = 'sparseCategoricalCrossentropy';
  const { fromLogits } = crossentropyOptions(name, options, false);
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
    compute(pred, labels, predShape, grad, sampleWeight) {
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
      return dense.compute(pred, oneHot, predShape, grad, sampleWeight);
    },
    withLogitsOf: (activation) => (!fromLogits && activation === SOFTMAX ? sparseCategoricalCrossentropy({ fromLogits: true }) : undefined),
    getConfig: () => ({ name, fromLogits }),
  };
}
