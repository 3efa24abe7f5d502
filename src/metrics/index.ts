import { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, type Loss } from '../losses/losses';
import type { Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { KeyRegistry } from '../util/keys';
import { describeValue } from '../util/options';
import { aucAccumulator, aucThresholds, confusionAt, functionAccumulator, meanAccumulator, type Accumulator } from './accumulators';
import { binaryAccuracyOf, f1For, MetricObject, topKOf } from './classes';

export type { Accumulator } from './accumulators';
export { MetricObject, METRIC_CLASSES, type MetricConfig } from './classes';

/**
 * A metric of a compiled model, bound to its loss and output: logged under `name`; each fit,
 * validation and evaluate takes a fresh `accumulator()`.
 */
export interface Metric {
  readonly name: string;
  accumulator(): Accumulator;
}

/**
 * A custom metric: a score of one sample, from its label row and its output row (both reused
 * buffers: copy them to keep them), averaged over the samples of an epoch. Logged under its name.
 */
export type MetricFunction = (yTrue: Float32Array, yPred: Float32Array) => number;

/** A metric key: `'accuracy'` (chosen from the loss, as Keras), `'mse'`, `'mae'`, `'auc'`, `'precision'`, ... */
export type MetricKey =
  | 'accuracy' | 'acc' | 'mse' | 'mae' | 'meanSquaredError' | 'meanAbsoluteError'
  | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'binary_accuracy' | 'categorical_accuracy' | 'sparse_categorical_accuracy' | 'mean_squared_error' | 'mean_absolute_error'
  | 'precision' | 'recall' | 'auc' | 'f1_score' | 'f1Score'
  | 'top_k_categorical_accuracy' | 'topKCategoricalAccuracy' | 'sparse_top_k_categorical_accuracy' | 'sparseTopKCategoricalAccuracy'
  | 'binary_crossentropy' | 'binaryCrossentropy' | 'categorical_crossentropy' | 'categoricalCrossentropy'
  | 'sparse_categorical_crossentropy' | 'sparseCategoricalCrossentropy';

/** What `compile({ metrics })` takes: a key, a metric object (`new metrics.AUC({ curve: 'PR' })`) or a function. */
export type MetricSpec = MetricKey | (string & {}) | MetricObject | MetricFunction;

function argmax(data: Float32Array, start: number, width: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (data[start + k] > data[start + best]) best = k;
  return best;
}

function classAccuracy(sparse: boolean): Accumulator {
  return meanAccumulator((pred, labels, predShape) => {
    const width = predShape[predShape.length - 1];
    const rows = pred.length / width;
    let hits = 0;
    for (let r = 0; r < rows; r++) {
      const truth = sparse ? labels[r] : argmax(labels, r * width, width);
      if (argmax(pred, r * width, width) === truth) hits++;
    }
    return hits / rows;
  });
}

function meanOf(score: (p: number, y: number) => number): Accumulator {
  return meanAccumulator((pred, labels) => {
    let sum = 0;
    for (let i = 0; i < pred.length; i++) sum += score(pred[i], labels[i]);
    return sum / pred.length;
  });
}

const isSparse = (loss: Loss): boolean => loss.name === 'sparseCategoricalCrossentropy';

/** The accuracy that fits the loss and the output, as Keras picks it. */
function accuracy(loss: Loss, outputShape: Shape): Accumulator {
  if (isSparse(loss)) return classAccuracy(true);
  if (loss.name === 'binaryCrossentropy' || outputShape[outputShape.length - 1] === 1) return binaryAccuracyOf(loss.fromLogits ? 0 : 0.5);
  return classAccuracy(false);
}

/**
 * A cross-entropy as a metric (Keras's `categorical_crossentropy` metric and the like): the loss's
 * batch mean on the model's outputs, averaged over samples, with no regularization penalty, so it
 * measures the fit alone where the loss also carries the penalty.
 */
function crossentropyMetric(make: () => Loss): Accumulator {
  const loss = make();
  return meanAccumulator((pred, labels, predShape) => loss.compute(pred, labels, predShape));
}

const meanSquared = (): Accumulator => meanOf((p, y) => (p - y) * (p - y));
const meanAbsolute = (): Accumulator => meanOf((p, y) => Math.abs(p - y));

/** Stateful keys read one label per output value. */
function dense(key: string, loss: Loss): void {
  if (isSparse(loss)) {
    throw new LayerwiseError(`metric "${key}": reads one label per output value, but sparseCategoricalCrossentropy's labels are class indices. One-hot encode the labels (and use categoricalCrossentropy), or use 'sparse_top_k_categorical_accuracy' / 'accuracy'.`);
  }
}

type Factory = (key: string, loss: Loss, outputShape: Shape) => Accumulator;

const precision: Factory = (key, loss) => (dense(key, loss), confusionAt(0.5, { what: key }, (tp, fp) => (tp + fp === 0 ? 0 : tp / (tp + fp))));
const recall: Factory = (key, loss) => (dense(key, loss), confusionAt(0.5, { what: key }, (tp, _fp, fn) => (tp + fn === 0 ? 0 : tp / (tp + fn))));
const auc: Factory = (key, loss) => (dense(key, loss), aucAccumulator({ what: key, thresholds: aucThresholds(200), curve: 'ROC', summationMethod: 'interpolation' }));
/**
 * `'f1_score'`: Keras's F1Score() reports one score a class (average null) from each row's highest
 * output, which a log cannot hold for several classes and which marks every sample positive for one
 * column. So: one column, threshold 0.5 (0 for logits); several, the row's highest, averaged 'macro'.
 */
const f1: Factory = (key, loss, outputShape) => {
  dense(key, loss);
  const classes = outputShape[outputShape.length - 1] ?? 1;
  return classes === 1 ? f1For(key, 1, null, loss.fromLogits ? 0 : 0.5) : f1For(key, classes, 'macro', null);
};

const registry = new KeyRegistry<Factory>('metric', {
  accuracy: (_k, loss, shape) => accuracy(loss, shape),
  acc: (_k, loss, shape) => accuracy(loss, shape),
  binary_accuracy: (_k, loss) => binaryAccuracyOf(loss.fromLogits ? 0 : 0.5),
  categorical_accuracy: () => classAccuracy(false),
  sparse_categorical_accuracy: () => classAccuracy(true),
  mse: meanSquared,
  mean_squared_error: meanSquared,
  mae: meanAbsolute,
  mean_absolute_error: meanAbsolute,
  precision,
  recall,
  auc,
  f1_score: f1,
  top_k_categorical_accuracy: (key, loss) => {
    if (isSparse(loss)) throw new LayerwiseError(`metric "${key}": reads one-hot labels, but the labels are class indices. Use 'sparse_top_k_categorical_accuracy'.`);
    return topKOf(5, false);
  },
  sparse_top_k_categorical_accuracy: () => topKOf(5, true),
  binary_crossentropy: () => crossentropyMetric(binaryCrossentropy),
  categorical_crossentropy: (key, loss) => (dense(key, loss), crossentropyMetric(categoricalCrossentropy)),
  sparse_categorical_crossentropy: () => crossentropyMetric(sparseCategoricalCrossentropy),
});

/** The keys of metrics that TF.js computes the same way (the only ones written to TF.js's trainingConfig). */
const TFJS_SAME = ['accuracy', 'acc', 'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy', 'mse', 'mean_squared_error', 'mae', 'mean_absolute_error'];

export function isTfjsMetricKey(key: string): boolean {
  const canonical = registry.canonical(key);
  return canonical !== undefined && TFJS_SAME.includes(canonical);
}

/** The name a metric is logged under: the key as given, the object's name, the function's name. */
export function metricName(spec: MetricSpec): string {
  if (typeof spec === 'string') return spec;
  if (spec instanceof MetricObject) return spec.name;
  return spec.name;
}

/** Checks a metric at compile time: a known key, a metric object, or a named function. */
export function checkMetric(spec: unknown, where = 'compile'): void {
  if (typeof spec === 'string') {
    registry.get(spec, 'compile');
    return;
  }
  if (spec instanceof MetricObject) return;
  if (typeof spec === 'function') {
    if (!spec.name) {
      throw new LayerwiseError(`${where}: a metric function needs a name, which its values are logged under: declare it as function myMetric(yTrue, yPred) { ... } or const myMetric = (yTrue, yPred) => ...`);
    }
    return;
  }
  throw new LayerwiseError(
    `${where}: metrics must be keys (strings) such as 'accuracy'. Received: ${describeValue(spec)}. A metric may also be a metric object (new metrics.AUC()) or a function (yTrue, yPred) => number of one sample.`,
  );
}

/** A metric bound to the model's loss and per-sample output shape; errors (a metric that cannot read these outputs) are thrown here, before training. */
export function getMetric(spec: MetricSpec, loss: Loss, outputShape: Shape): Metric {
  checkMetric(spec);
  const name = metricName(spec);
  if (typeof spec === 'string') {
    const factory = registry.get(spec, 'compile');
    factory(spec, loss, outputShape);
    return { name, accumulator: () => factory(spec, loss, outputShape) };
  }
  if (spec instanceof MetricObject) {
    spec.accumulator(outputShape, isSparse(loss));
    return { name, accumulator: () => spec.accumulator(outputShape, isSparse(loss)) };
  }
  const fn = spec as MetricFunction;
  return { name, accumulator: () => functionAccumulator(name, fn) };
}
