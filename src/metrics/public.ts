/** The metric classes, as `metrics.AUC`, `metrics.Precision`, ... (Keras 3's `keras.metrics`). */
export {
  MetricObject,
  Precision,
  Recall,
  AUC,
  F1Score,
  BinaryAccuracy,
  TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  type MetricConfig,
  type PrecisionOptions,
  type AUCOptions,
  type F1ScoreOptions,
  type BinaryAccuracyOptions,
  type TopKOptions,
} from './classes';
