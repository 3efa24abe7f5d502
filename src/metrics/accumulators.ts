import type { Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';

/**
 * The running state of one metric over an epoch or an evaluation, as a Keras 3 metric's variables:
 * `update` adds a batch, `result` reads the value over every batch since `reset`. Its counts are
 * allocated once, when it is made; `update` and `result` allocate nothing.
 */
export interface Accumulator {
  reset(): void;
  update(pred: Float32Array, labels: Float32Array, predShape: Shape): void;
  result(): number;
}

/** Keras's `backend.epsilon()`. */
export const EPSILON = 1e-7;

/** `ops.divide_no_nan`: 0 where the denominator is 0. */
const divideNoNan = (a: number, b: number): number => (b === 0 ? 0 : a / b);

const sigmoid = (x: number): number => Math.fround(1 / (1 + Math.exp(-x)));

/**
 * A mean over samples: `batchMean` is a batch's mean score, weighted by its rows, so that the
 * result is the mean over every sample seen (the sample-weighted averaging of layerwise's mean metrics).
 */
export function meanAccumulator(batchMean: (pred: Float32Array, labels: Float32Array, predShape: Shape) => number): Accumulator {
  let sum = 0;
  let count = 0;
  return {
    reset() {
      sum = 0;
      count = 0;
    },
    update(pred, labels, predShape) {
      const rows = predShape[0];
      sum += batchMean(pred, labels, predShape) * rows;
      count += rows;
    },
    result: () => (count === 0 ? 0 : sum / count),
  };
}

function sameSize(what: string, pred: Float32Array, labels: Float32Array): void {
  if (pred.length !== labels.length) {
    throw new LayerwiseError(
      `${what}: labels and predictions must have the same shape, one label per output value, but there are ${labels.length} labels for ${pred.length} outputs. ` +
        `For class indices (sparse labels), one-hot encode them or pick a metric that reads indices.`,
    );
  }
}

export interface ConfusionOptions {
  /** The metric's name, for errors. */
  what: string;
  /** Only this column of the output (Keras's `class_id`). */
  classId?: number;
  /** Apply a sigmoid to the outputs first. */
  fromLogits?: boolean;
}

/**
 * Confusion counts at one threshold, as Keras's `update_confusion_matrix_variables`: a label is
 * positive when it is not 0 (cast to bool), an output when it is greater than the threshold.
 */
export function confusionAt(threshold: number, { what, classId, fromLogits = false }: ConfusionOptions, read: (tp: number, fp: number, fn: number) => number): Accumulator {
  const t = Math.fround(threshold);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  return {
    reset() {
      tp = fp = fn = 0;
    },
    update(pred, labels, predShape) {
      sameSize(what, pred, labels);
      const width = classId === undefined ? 1 : predShape[predShape.length - 1];
      for (let i = classId ?? 0; i < pred.length; i += width) {
        const p = fromLogits ? sigmoid(pred[i]) : pred[i];
        const positive = labels[i] !== 0;
        if (p > t) {
          if (positive) tp++;
          else fp++;
        } else if (positive) fn++;
      }
    },
    result: () => read(tp, fp, fn),
  };
}

export type Curve = 'ROC' | 'PR';
export type SummationMethod = 'interpolation' | 'minoring' | 'majoring';

/** Keras's thresholds of an AUC: `num_thresholds − 2` evenly spaced in (0, 1), with −ε and 1 + ε at the ends. */
export function aucThresholds(numThresholds: number, given?: readonly number[]): number[] {
  const inner = given ? [...given].sort((a, b) => a - b) : Array.from({ length: numThresholds - 2 }, (_, i) => ((i + 1) * 1.0) / (numThresholds - 1));
  return [0 - EPSILON, ...inner, 1 + EPSILON];
}

/** Keras's `is_evenly_distributed_thresholds`, on [0, ...thresholds, 1]. */
function evenlyDistributed(thresholds: readonly number[]): boolean {
  const all = [0, ...thresholds.slice(1, -1), 1];
  const n = all.length;
  if (n < 3) return false;
  // np.allclose(a, b, atol=1e-7): |a − b| ≤ atol + rtol·|b|, rtol = 1e-5.
  return all.every((t, i) => Math.abs(t - Math.fround(i / (n - 1))) <= EPSILON + 1e-5 * Math.abs(Math.fround(i / (n - 1))));
}

export interface AucOptions extends ConfusionOptions {
  thresholds: readonly number[];
  curve: Curve;
  summationMethod: SummationMethod;
}

/**
 * Keras 3's AUC (multi_label false: all outputs flattened into one binary problem). The counts are
 * a histogram by how many thresholds an output passes; `result` sums it into TP, FP, FN, TN per
 * threshold and integrates. Evenly spaced thresholds (the default) use Keras's bucket formula,
 * `max(0, ceil(clip(p, 0, 1) · (T − 1)) − 1)`, in float32; others Keras's comparison `p > t`.
 */
export function aucAccumulator({ what, thresholds, curve, summationMethod, fromLogits = false }: AucOptions): Accumulator {
  const T = thresholds.length;
  const sorted = Float32Array.from(thresholds);
  const even = evenlyDistributed(thresholds);
  // pos[c], neg[c]: labels of each kind whose output is above exactly thresholds 0 … c − 1.
  const pos = new Float64Array(T + 1);
  const neg = new Float64Array(T + 1);
  const tp = new Float64Array(T);
  const fp = new Float64Array(T);
  const fn = new Float64Array(T);
  const tn = new Float64Array(T);
  const passed = (p: number): number => {
    if (even) {
      const clipped = p < 0 ? 0 : p > 1 ? 1 : p;
      return Math.max(0, Math.ceil(Math.fround(clipped * (T - 1))) - 1) + 1;
    }
    let lo = 0;
    let hi = T;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const counts = (): void => {
    let sumPos = 0;
    let sumNeg = 0;
    for (let c = T; c >= 1; c--) {
      sumPos += pos[c];
      sumNeg += neg[c];
      tp[c - 1] = sumPos;
      fp[c - 1] = sumNeg;
    }
    const totalPos = sumPos + pos[0];
    const totalNeg = sumNeg + neg[0];
    for (let i = 0; i < T; i++) {
      fn[i] = totalPos - tp[i];
      tn[i] = totalNeg - fp[i];
    }
  };
  return {
    reset() {
      pos.fill(0);
      neg.fill(0);
    },
    update(pred, labels) {
      sameSize(what, pred, labels);
      for (let i = 0; i < pred.length; i++) {
        const c = passed(fromLogits ? sigmoid(pred[i]) : pred[i]);
        if (labels[i] !== 0) pos[c]++;
        else neg[c]++;
      }
    },
    result() {
      counts();
      let sum = 0;
      if (curve === 'PR' && summationMethod === 'interpolation') {
        // Keras's interpolate_pr_auc (Davis & Goadrich 2006): TP and P = TP + FP linear between thresholds.
        for (let i = 0; i < T - 1; i++) {
          const dtp = tp[i] - tp[i + 1];
          const pA = tp[i] + fp[i];
          const pB = tp[i + 1] + fp[i + 1];
          const slope = divideNoNan(dtp, Math.max(pA - pB, 0));
          const intercept = tp[i + 1] - slope * pB;
          const ratio = pA > 0 && pB > 0 ? divideNoNan(pA, Math.max(pB, 0)) : 1;
          sum += divideNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1] + fn[i + 1], 0));
        }
        return sum;
      }
      const x = (i: number): number => (curve === 'ROC' ? divideNoNan(fp[i], fp[i] + tn[i]) : divideNoNan(tp[i], tp[i] + fn[i]));
      const y = (i: number): number => (curve === 'ROC' ? divideNoNan(tp[i], tp[i] + fn[i]) : divideNoNan(tp[i], tp[i] + fp[i]));
      for (let i = 0; i < T - 1; i++) {
        const [a, b] = [y(i), y(i + 1)];
        const height = summationMethod === 'interpolation' ? (a + b) / 2 : summationMethod === 'minoring' ? Math.min(a, b) : Math.max(a, b);
        sum += (x(i) - x(i + 1)) * height;
      }
      return sum;
    },
  };
}

export type Average = 'micro' | 'macro' | 'weighted' | null;

/**
 * Keras 3's FBetaScore with β = 1: outputs above `threshold` are positive (`null`: those equal to
 * their row's highest, and not 0); per class TP += ŷ·y, FP += ŷ·(1 − y), FN += (1 − ŷ)·y and the
 * support += y (`micro`: summed over classes). `result`: P = TP/(TP + FP + ε), R = TP/(TP + FN + ε),
 * F1 = 2PR/(P + R + ε), averaged by `average`.
 */
export function f1Accumulator(what: string, classes: number, average: Average, threshold: number | null): Accumulator {
  const n = average === 'micro' ? 1 : classes;
  const tp = new Float64Array(n);
  const fp = new Float64Array(n);
  const fn = new Float64Array(n);
  const support = new Float64Array(n);
  const f1 = (k: number): number => {
    const precision = tp[k] / (tp[k] + fp[k] + EPSILON);
    const recall = tp[k] / (tp[k] + fn[k] + EPSILON);
    return (2 * (precision * recall)) / (precision + recall + EPSILON);
  };
  return {
    reset() {
      for (const a of [tp, fp, fn, support]) a.fill(0);
    },
    update(pred, labels) {
      sameSize(what, pred, labels);
      const rows = pred.length / classes;
      for (let r = 0; r < rows; r++) {
        const start = r * classes;
        let max = -Infinity;
        if (threshold === null) for (let j = 0; j < classes; j++) max = Math.max(max, pred[start + j]);
        for (let j = 0; j < classes; j++) {
          const p = pred[start + j];
          const hat = (threshold === null ? p >= max && Math.abs(p) > 1e-9 : p > threshold) ? 1 : 0;
          const y = labels[start + j];
          const k = n === 1 ? 0 : j;
          tp[k] += hat * y;
          fp[k] += hat * (1 - y);
          fn[k] += (1 - hat) * y;
          support[k] += y;
        }
      }
    },
    result() {
      if (average === 'weighted') {
        let total = 0;
        for (let k = 0; k < n; k++) total += support[k];
        let sum = 0;
        for (let k = 0; k < n; k++) sum += f1(k) * (support[k] / (total + EPSILON));
        return sum;
      }
      let sum = 0;
      for (let k = 0; k < n; k++) sum += f1(k);
      return sum / n;
    },
  };
}

/** Whether the target class is in the top k: fewer than k outputs strictly above its own (ties at the boundary count as in, as TF's in_top_k). */
export function inTopK(pred: Float32Array, start: number, width: number, target: number, k: number): boolean {
  if (!(target >= 0 && target < width && Number.isInteger(target))) return false;
  const own = pred[start + target];
  if (Number.isNaN(own)) return false;
  let above = 0;
  for (let j = 0; j < width; j++) if (pred[start + j] > own) above++;
  return above < k;
}

/** The mean of a function's value per sample row; the rows it is given are reused buffers. */
export function functionAccumulator(name: string, fn: (yTrue: Float32Array, yPred: Float32Array) => number): Accumulator {
  let sum = 0;
  let count = 0;
  let yTrue = new Float32Array(0);
  let yPred = new Float32Array(0);
  return {
    reset() {
      sum = 0;
      count = 0;
    },
    update(pred, labels, predShape) {
      const rows = predShape[0];
      const pw = pred.length / rows;
      const lw = labels.length / rows;
      // Grown once, on the first batch (or a wider one), then reused.
      if (yPred.length !== pw) yPred = new Float32Array(pw);
      if (yTrue.length !== lw) yTrue = new Float32Array(lw);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < pw; j++) yPred[j] = pred[r * pw + j];
        for (let j = 0; j < lw; j++) yTrue[j] = labels[r * lw + j];
        const value = fn(yTrue, yPred);
        if (typeof value !== 'number') {
          throw new LayerwiseError(`metric function ${name}: must return a number for each sample, but returned ${typeof value}.`);
        }
        sum += value;
      }
      count += rows;
    },
    result: () => (count === 0 ? 0 : sum / count),
  };
}
