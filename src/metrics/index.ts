import type { Loss } from '../losses/losses';
import type { Shape } from '../tensor/tensor';
import { KeyRegistry } from '../util/keys';

/** A metric: the mean of a per-row score over a batch. Logged under the key the user gave. */
export interface Metric {
  readonly name: string;
  compute(pred: Float32Array, labels: Float32Array, predShape: Shape): number;
}

function argmax(data: Float32Array, start: number, width: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (data[start + k] > data[start + best]) best = k;
  return best;
}

function binaryAccuracy(name: string, threshold: number): Metric {
  return {
    name,
    compute(pred, labels) {
      let hits = 0;
      for (let i = 0; i < pred.length; i++) if (pred[i] > threshold === labels[i] > 0.5) hits++;
      return hits / pred.length;
    },
  };
}

function classAccuracy(name: string, sparse: boolean): Metric {
  return {
    name,
    compute(pred, labels, predShape) {
      const width = predShape[predShape.length - 1];
      const rows = pred.length / width;
      let hits = 0;
      for (let r = 0; r < rows; r++) {
        const truth = sparse ? labels[r] : argmax(labels, r * width, width);
        if (argmax(pred, r * width, width) === truth) hits++;
      }
      return hits / rows;
    },
  };
}

function meanOf(name: string, score: (p: number, y: number) => number): Metric {
  return {
    name,
    compute(pred, labels) {
      let sum = 0;
      for (let i = 0; i < pred.length; i++) sum += score(pred[i], labels[i]);
      return sum / pred.length;
    },
  };
}

/** The accuracy that fits the loss and the output, as Keras picks it. */
function accuracy(name: string, loss: Loss, outputShape: Shape): Metric {
  if (loss.name === 'sparseCategoricalCrossentropy') return classAccuracy(name, true);
  if (loss.name === 'binaryCrossentropy' || outputShape[outputShape.length - 1] === 1) {
    return binaryAccuracy(name, loss.fromLogits ? 0 : 0.5);
  }
  return classAccuracy(name, false);
}

const meanSquared = (name: string): Metric => meanOf(name, (p, y) => (p - y) * (p - y));
const meanAbsolute = (name: string): Metric => meanOf(name, (p, y) => Math.abs(p - y));

const registry = new KeyRegistry<(name: string, loss: Loss, outputShape: Shape) => Metric>('metric', {
  accuracy,
  acc: accuracy,
  binary_accuracy: (name, loss) => binaryAccuracy(name, loss.fromLogits ? 0 : 0.5),
  categorical_accuracy: (name) => classAccuracy(name, false),
  sparse_categorical_accuracy: (name) => classAccuracy(name, true),
  mse: meanSquared,
  mean_squared_error: meanSquared,
  mae: meanAbsolute,
  mean_absolute_error: meanAbsolute,
});

/** A metric key: `'accuracy'` (chosen from the loss, as Keras), `'mse'`, `'mae'`, or a specific accuracy. */
export type MetricKey =
  | 'accuracy' | 'acc' | 'mse' | 'mae' | 'meanSquaredError' | 'meanAbsoluteError'
  | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'binary_accuracy' | 'categorical_accuracy' | 'sparse_categorical_accuracy' | 'mean_squared_error' | 'mean_absolute_error';

/** Checks a metric key at compile time. */
export function checkMetric(key: string): void {
  registry.get(key, 'compile');
}

export function getMetric(key: string, loss: Loss, outputShape: Shape): Metric {
  return registry.get(key, 'compile')(key, loss, outputShape);
}
