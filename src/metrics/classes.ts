import { toTensor, type Shape, type TensorLike } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';
import {
  aucAccumulator,
  aucThresholds,
  confusionAt,
  f1Accumulator,
  inTopK,
  meanAccumulator,
  type Accumulator,
  type Average,
  type Curve,
  type SummationMethod,
} from './accumulators';

/** A metric object's options as saved: JSON values only. */
export type MetricConfig = Record<string, number | string | boolean | null | number[]>;

/**
 * A metric with options, as Keras 3's metric classes: `compile({ metrics: [new metrics.AUC()] })`.
 * Stateful metrics (Precision, Recall, AUC, F1Score) accumulate counts over the epoch and compute
 * their value from them; mean metrics average a per-sample score. Logged under `name`. Each fit or
 * evaluate keeps its own state; `updateState`, `result` and `resetState` use the object's own, for
 * use outside a model.
 */
export abstract class MetricObject {
  abstract readonly className: string;
  readonly name: string;
  private own?: { accumulator: Accumulator; shape: string };

  protected constructor(name: string | undefined, defaultName: string) {
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new LayerwiseError(`${new.target.name}: name must be a non-empty string. Received: name=${describeValue(name)}.`);
    }
    this.name = name ?? defaultName;
  }

  /** The options, as given to the constructor (with `name`): what a saved model keeps. */
  abstract getConfig(): MetricConfig;

  /**
   * A fresh state for outputs of `outputShape` (per sample); throws a LayerwiseError when the
   * metric cannot read them. `sparseLabels`: the labels are class indices.
   */
  abstract accumulator(outputShape: Shape, sparseLabels: boolean): Accumulator;

  /** Adds a batch to the object's own state, as Keras's `update_state(y_true, y_pred)`. */
  updateState(yTrue: TensorLike, yPred: TensorLike): void {
    const pred = toTensor(yPred, `${this.className}.updateState yPred`);
    const labels = toTensor(yTrue, `${this.className}.updateState yTrue`);
    const shape = pred.shape.length === 1 ? [pred.shape[0], 1] : pred.shape;
    const key = shape.slice(1).join();
    if (this.own && this.own.shape !== key) throw new LayerwiseError(`${this.className}.updateState: yPred has samples of shape [${shape.slice(1).join(', ')}], not [${this.own.shape}] as before. Call resetState() first.`);
    this.own ??= { accumulator: this.accumulator(shape.slice(1), labels.size !== pred.size), shape: key };
    this.own.accumulator.update(pred.data, labels.data, shape);
  }

  /** The value over every batch given to `updateState` since `resetState` (0 before any). */
  result(): number {
    return this.own ? this.own.accumulator.result() : 0;
  }

  resetState(): void {
    this.own = undefined;
  }
}

const where = (className: string, name: string | undefined): string => (name ? `${className} "${name}"` : className);

function checkThreshold(owner: string, key: string, value: unknown, { low = 0, lowOpen = false }: { low?: number; lowOpen?: boolean } = {}): number {
  if (typeof value !== 'number' || !(lowOpen ? value > low : value >= low) || !(value <= 1)) {
    throw new LayerwiseError(`${owner}: ${key} must be a number in ${lowOpen ? '(' : '['}${low}, 1]. Received: ${key}=${describeValue(value)}.`);
  }
  return value;
}

function checkClassId(owner: string, classId: unknown, outputShape: Shape | undefined): number | undefined {
  if (classId === undefined || classId === null) return undefined;
  if (typeof classId !== 'number' || !Number.isInteger(classId) || classId < 0) {
    throw new LayerwiseError(`${owner}: classId must be a non-negative integer (a column of the output). Received: classId=${describeValue(classId)}.`);
  }
  const width = outputShape?.[outputShape.length - 1];
  if (width !== undefined && classId >= width) throw new LayerwiseError(`${owner}: classId=${classId} but the output has ${width} columns (0 to ${width - 1}).`);
  return classId;
}

function checkDense(owner: string, sparseLabels: boolean): void {
  if (sparseLabels) {
    throw new LayerwiseError(`${owner}: reads one label per output value, but the labels are class indices (sparseCategoricalCrossentropy). One-hot encode the labels, or use 'sparse_top_k_categorical_accuracy' / 'accuracy'.`);
  }
}

export interface PrecisionOptions {
  /** The threshold above which an output is positive, in [0, 1] (a number or a list of one). Default 0.5. */
  thresholds?: number | number[];
  /** Only this column of the output. Default: every output value, flattened. */
  classId?: number;
  name?: string;
}

const PRECISION_OPTIONS = ['thresholds', 'classId', 'name'];

/** Keras 3's Precision and Recall: counts at one threshold, summed over the epoch. */
abstract class ThresholdMetric extends MetricObject {
  readonly threshold: number;
  readonly classId?: number;

  protected constructor(className: string, defaultName: string, options: PrecisionOptions | undefined) {
    const o = checkOptions<PrecisionOptions>(className, options, PRECISION_OPTIONS, { example: '{ thresholds: 0.5, classId: 1 }' });
    super(o.name, defaultName);
    const owner = where(className, o.name);
    let t = o.thresholds ?? 0.5;
    if (Array.isArray(t)) {
      if (t.length !== 1) {
        throw new LayerwiseError(
          `${owner}: thresholds must be one number: a log holds one value a key. Received ${t.length} thresholds; make one ${className} a threshold, each with its own name.`,
        );
      }
      t = t[0];
    }
    this.threshold = checkThreshold(owner, 'thresholds', t);
    this.classId = checkClassId(owner, o.classId, undefined);
  }

  getConfig(): MetricConfig {
    return { name: this.name, thresholds: this.threshold, ...(this.classId !== undefined ? { classId: this.classId } : {}) };
  }

  protected confusion(outputShape: Shape, sparseLabels: boolean, read: (tp: number, fp: number, fn: number) => number): Accumulator {
    const owner = where(this.className, this.name);
    checkDense(owner, sparseLabels);
    checkClassId(owner, this.classId, outputShape);
    return confusionAt(this.threshold, { what: owner, classId: this.classId }, read);
  }
}

/** TP / (TP + FP) over the epoch (0 when nothing is predicted positive), as Keras 3's Precision. */
export class Precision extends ThresholdMetric {
  readonly className = 'Precision';
  constructor(options?: PrecisionOptions) {
    super('Precision', 'precision', options);
  }
  accumulator(outputShape: Shape, sparseLabels: boolean): Accumulator {
    return this.confusion(outputShape, sparseLabels, (tp, fp) => (tp + fp === 0 ? 0 : tp / (tp + fp)));
  }
}

/** TP / (TP + FN) over the epoch (0 when no label is positive), as Keras 3's Recall. */
export class Recall extends ThresholdMetric {
  readonly className = 'Recall';
  constructor(options?: PrecisionOptions) {
    super('Recall', 'recall', options);
  }
  accumulator(outputShape: Shape, sparseLabels: boolean): Accumulator {
    return this.confusion(outputShape, sparseLabels, (tp, _fp, fn) => (tp + fn === 0 ? 0 : tp / (tp + fn)));
  }
}

export interface AUCOptions {
  /** Thresholds of the curve, > 1. Default 200. Ignored when `thresholds` is given. */
  numThresholds?: number;
  /** `'ROC'` (default) or `'PR'`. */
  curve?: Curve;
  /** `'interpolation'` (default; Davis & Goadrich for PR), `'minoring'` or `'majoring'`. */
  summationMethod?: SummationMethod;
  /** Thresholds in [0, 1] instead of evenly spaced ones; −ε and 1 + ε are added. */
  thresholds?: number[];
  /** The outputs are logits: a sigmoid is applied first. Default false. */
  fromLogits?: boolean;
  name?: string;
}

const AUC_OPTIONS = ['numThresholds', 'curve', 'summationMethod', 'thresholds', 'fromLogits', 'name'];

/** Keras 3's AUC of the ROC or PR curve, from confusion counts summed over the epoch (all outputs flattened). */
export class AUC extends MetricObject {
  readonly className = 'AUC';
  readonly numThresholds: number;
  readonly curve: Curve;
  readonly summationMethod: SummationMethod;
  readonly fromLogits: boolean;
  /** The thresholds, −ε and 1 + ε included. */
  readonly thresholds: readonly number[];
  private readonly given?: number[];

  constructor(options?: AUCOptions) {
    const o = checkOptions<AUCOptions>('AUC', options, AUC_OPTIONS, { example: "{ curve: 'PR', numThresholds: 200 }" });
    super(o.name, 'auc');
    const owner = where('AUC', o.name);
    const { numThresholds = 200, curve = 'ROC', summationMethod = 'interpolation', fromLogits = false, thresholds } = o;
    if (typeof numThresholds !== 'number' || !Number.isInteger(numThresholds) || numThresholds <= 1) {
      throw new LayerwiseError(`${owner}: numThresholds must be an integer > 1. Received: numThresholds=${describeValue(numThresholds)}.`);
    }
    const curves = { roc: 'ROC', pr: 'PR' } as const;
    const c = typeof curve === 'string' ? curves[curve.toLowerCase() as 'roc' | 'pr'] : undefined;
    if (!c) throw new LayerwiseError(`${owner}: curve must be 'ROC' or 'PR'. Received: curve=${describeValue(curve)}.`);
    if (summationMethod !== 'interpolation' && summationMethod !== 'minoring' && summationMethod !== 'majoring') {
      throw new LayerwiseError(`${owner}: summationMethod must be 'interpolation', 'minoring' or 'majoring'. Received: summationMethod=${describeValue(summationMethod)}.`);
    }
    if (typeof fromLogits !== 'boolean') throw new LayerwiseError(`${owner}: fromLogits must be true or false. Received: fromLogits=${describeValue(fromLogits)}.`);
    if (thresholds !== undefined) {
      if (!Array.isArray(thresholds) || thresholds.length === 0) throw new LayerwiseError(`${owner}: thresholds must be a non-empty array of numbers in [0, 1]. Received: thresholds=${describeValue(thresholds)}.`);
      thresholds.forEach((t) => checkThreshold(owner, 'thresholds', t));
      this.given = [...thresholds];
    }
    this.curve = c;
    this.summationMethod = summationMethod;
    this.fromLogits = fromLogits;
    this.thresholds = aucThresholds(numThresholds, this.given);
    this.numThresholds = this.thresholds.length;
  }

  getConfig(): MetricConfig {
    return {
      name: this.name,
      ...(this.given ? { thresholds: [...this.given] } : { numThresholds: this.numThresholds }),
      curve: this.curve,
      summationMethod: this.summationMethod,
      fromLogits: this.fromLogits,
    };
  }

  accumulator(_outputShape: Shape, sparseLabels: boolean): Accumulator {
    const owner = where('AUC', this.name);
    checkDense(owner, sparseLabels);
    return aucAccumulator({ what: owner, thresholds: this.thresholds, curve: this.curve, summationMethod: this.summationMethod, fromLogits: this.fromLogits });
  }
}

export interface F1ScoreOptions {
  /** `null` (default; one output column only: a log holds one number), `'micro'`, `'macro'` or `'weighted'`. */
  average?: Average;
  /** Outputs above it are positive, in (0, 1]; `null` (default): the highest of each row. */
  threshold?: number | null;
  name?: string;
}

/** Keras 3's F1Score, from per-class counts summed over the epoch. */
export class F1Score extends MetricObject {
  readonly className = 'F1Score';
  readonly average: Average;
  readonly threshold: number | null;

  constructor(options?: F1ScoreOptions) {
    const o = checkOptions<F1ScoreOptions>('F1Score', options, ['average', 'threshold', 'name'], { example: "{ average: 'macro', threshold: 0.5 }" });
    super(o.name, 'f1_score');
    const owner = where('F1Score', o.name);
    const { average = null, threshold = null } = o;
    if (average !== null && average !== 'micro' && average !== 'macro' && average !== 'weighted') {
      throw new LayerwiseError(`${owner}: average must be null, 'micro', 'macro' or 'weighted'. Received: average=${describeValue(average)}.`);
    }
    this.average = average;
    this.threshold = threshold === null ? null : checkThreshold(owner, 'threshold', threshold, { lowOpen: true });
  }

  getConfig(): MetricConfig {
    return { name: this.name, average: this.average, threshold: this.threshold };
  }

  accumulator(outputShape: Shape, sparseLabels: boolean): Accumulator {
    const owner = where('F1Score', this.name);
    checkDense(owner, sparseLabels);
    const classes = outputShape.length === 0 ? 1 : outputShape[outputShape.length - 1];
    if (outputShape.length > 1) throw new LayerwiseError(`${owner}: expects outputs of shape [samples, classes], but they have shape [samples, ${outputShape.join(', ')}].`);
    if (this.average === null && classes > 1) {
      throw new LayerwiseError(
        `${owner}: average null gives one F1 score a class, but a log holds one number a key and the output has ${classes} classes. Give average: 'macro', 'micro' or 'weighted'.`,
      );
    }
    if (this.threshold === null && classes === 1) {
      throw new LayerwiseError(
        `${owner}: threshold null marks each row's highest output positive, which for one output column is every sample. Give a threshold, such as { threshold: 0.5 }.`,
      );
    }
    return f1Accumulator(owner, classes, this.average, this.threshold);
  }
}

/** Internal: an F1 without the public range check (the `'f1_score'` key of a logits model thresholds at 0). */
export function f1For(name: string, classes: number, average: Average, threshold: number | null): Accumulator {
  return f1Accumulator(name, classes, average, threshold);
}

export interface BinaryAccuracyOptions {
  /** Outputs above it are 1. Default 0.5. */
  threshold?: number;
  name?: string;
}

/** The fraction of outputs on the label's side of `threshold`, averaged over samples. */
export function binaryAccuracyOf(threshold: number): Accumulator {
  return meanAccumulator((pred, labels) => {
    let hits = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] > threshold === labels[i] > 0.5) hits++;
    return hits / pred.length;
  });
}

/** Keras 3's BinaryAccuracy: 1 where (output > threshold) equals the label, averaged over samples. */
export class BinaryAccuracy extends MetricObject {
  readonly className = 'BinaryAccuracy';
  readonly threshold: number;
  constructor(options?: BinaryAccuracyOptions) {
    const o = checkOptions<BinaryAccuracyOptions>('BinaryAccuracy', options, ['threshold', 'name'], { example: '{ threshold: 0.5 }' });
    super(o.name, 'binary_accuracy');
    const { threshold = 0.5 } = o;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      throw new LayerwiseError(`${where('BinaryAccuracy', o.name)}: threshold must be a finite number. Received: threshold=${describeValue(threshold)}.`);
    }
    this.threshold = threshold;
  }
  getConfig(): MetricConfig {
    return { name: this.name, threshold: this.threshold };
  }
  accumulator(_outputShape: Shape, sparseLabels: boolean): Accumulator {
    checkDense(where('BinaryAccuracy', this.name), sparseLabels);
    return binaryAccuracyOf(this.threshold);
  }
}

export interface TopKOptions {
  /** How many of the highest outputs may hold the label's class. Default 5. */
  k?: number;
  name?: string;
}

function argmax(data: Float32Array, start: number, width: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (data[start + k] > data[start + best]) best = k;
  return best;
}

/** 1 where the label's class is among the k highest outputs (ties at the k-th value count as in), averaged over samples. */
export function topKOf(k: number, sparse: boolean): Accumulator {
  return meanAccumulator((pred, labels, predShape) => {
    const width = predShape[predShape.length - 1];
    const rows = pred.length / width;
    const lw = labels.length / rows;
    let hits = 0;
    for (let r = 0; r < rows; r++) {
      const target = sparse ? labels[r * lw] : argmax(labels, r * width, width);
      if (inTopK(pred, r * width, width, target, k)) hits++;
    }
    return hits / rows;
  });
}

abstract class TopKMetric extends MetricObject {
  readonly k: number;
  protected constructor(className: string, defaultName: string, options: TopKOptions | undefined) {
    const o = checkOptions<TopKOptions>(className, options, ['k', 'name'], { example: '{ k: 5 }' });
    super(o.name, defaultName);
    const { k = 5 } = o;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new LayerwiseError(`${where(className, o.name)}: k must be a positive integer. Received: k=${describeValue(k)}.`);
    this.k = k;
  }
  getConfig(): MetricConfig {
    return { name: this.name, k: this.k };
  }
}

/** Keras 3's TopKCategoricalAccuracy: one-hot labels. */
export class TopKCategoricalAccuracy extends TopKMetric {
  readonly className = 'TopKCategoricalAccuracy';
  constructor(options?: TopKOptions) {
    super('TopKCategoricalAccuracy', 'top_k_categorical_accuracy', options);
  }
  accumulator(_outputShape: Shape, sparseLabels: boolean): Accumulator {
    if (sparseLabels) throw new LayerwiseError(`${where(this.className, this.name)}: reads one-hot labels, but the labels are class indices. Use SparseTopKCategoricalAccuracy.`);
    return topKOf(this.k, false);
  }
}

/** Keras 3's SparseTopKCategoricalAccuracy: class-index labels. */
export class SparseTopKCategoricalAccuracy extends TopKMetric {
  readonly className = 'SparseTopKCategoricalAccuracy';
  constructor(options?: TopKOptions) {
    super('SparseTopKCategoricalAccuracy', 'sparse_top_k_categorical_accuracy', options);
  }
  accumulator(): Accumulator {
    return topKOf(this.k, true);
  }
}

/** The metric classes by class name, to rebuild saved metric objects. */
export const METRIC_CLASSES: ReadonlyMap<string, new (config?: Record<string, unknown>) => MetricObject> = new Map<string, new (config?: Record<string, unknown>) => MetricObject>([
  ['Precision', Precision],
  ['Recall', Recall],
  ['AUC', AUC],
  ['F1Score', F1Score],
  ['BinaryAccuracy', BinaryAccuracy],
  ['TopKCategoricalAccuracy', TopKCategoricalAccuracy],
  ['SparseTopKCategoricalAccuracy', SparseTopKCategoricalAccuracy],
]);
