/**
 * layerwise: Keras-style neural networks in pure TypeScript over ndarray Float32 tensors.
 */
export * from './tensor';
export * from './activations';
export * from './layers';
export * as initializers from './initializers/public';
export type { Initializer, InitializerKey, InitializerSpec } from './initializers';
export * as regularizers from './regularizers/public';
export type { Regularizer, RegularizerKey, RegularizerSpec, RegularizerConfig } from './regularizers';
export * as constraints from './constraints/public';
export type { Constraint, ConstraintKey, ConstraintSpec, ConstraintConfig } from './constraints';
export {
  losses,
  getLoss,
  type Loss,
  type LossKey,
  type LossConfig,
  type CrossentropyOptions,
  type SparseCrossentropyOptions,
  type HuberOptions,
  type CosineSimilarityOptions,
  type BinaryFocalCrossentropyOptions,
  type CustomLossSpec,
} from './losses';
export * from './optim';
export * as schedules from './optim/schedules';
export { Sequential, type SequentialOptions, type CompileOptions, type FitOptions, type EvaluateOptions, type ExportOptions } from './model/sequential';
export type { OnBatchOptions, FitDatasetOptions } from './model/training';
export * from './model/callbacks';
export { ProgressLogger, type ProgressLoggerOptions, type ProgressSink } from './model/progress';
export { History } from './model/history';
export { plotHistories, historiesToSVG, type PlotOptions, type PlotHistoriesOptions, type SVGOptions, type TerminalChartOptions, type Run } from './plot';
export type { MetricKey, MetricSpec, MetricFunction } from './metrics';
export * as metrics from './metrics/public';
export type { SummaryOptions } from './model/summary';
export { serializeModel, type SerializeOptions, type LoadOptions, type ModelFromJSONOptions, type SaveResult, type ModelJSON, type ModelArtifacts, type WeightSpec, type WeightsGroup, type KerasObject, type TrainingConfig, type LayerwiseMetadata } from './io';
export { loadModel, modelFromJSON, loadOnnx } from './model/saving';
export { toOnnx, exportOnnx } from './io';
export * as datasets from './data';
export type { Batch, BatchSource, DatasetSource } from './data/dataset-api';
export { LayerwiseError } from './util/errors';
